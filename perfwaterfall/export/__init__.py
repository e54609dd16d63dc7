"""One module per output format, each a function Report -> str (after hyperfine's src/export)."""
