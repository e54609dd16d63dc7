"""The results store: every recorded round by commit, harness, settings and machine."""
