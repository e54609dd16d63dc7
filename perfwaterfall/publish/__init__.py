"""`perf-waterfall publish DIR`: the results store as a static dashboard that opens from disk."""
