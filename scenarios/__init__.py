"""A small video-pipeline runtime and its catalog of pipelines: the system under test."""
