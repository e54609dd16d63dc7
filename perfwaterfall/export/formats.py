"""The output formats by name, importable without loading any exporter (a fast --help)."""

FORMATS = ("terminal", "markdown", "json")
