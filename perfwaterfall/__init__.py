"""perf-waterfall: where did the time go, before and after, and is the difference real?"""

__version__ = "0.1.0"
