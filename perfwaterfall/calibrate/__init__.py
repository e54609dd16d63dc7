"""Verdict quality on this machine: A/A and injected compares, counted."""
