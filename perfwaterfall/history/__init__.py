"""History: measurements kept by commit, the bisect search and the log series."""
