"""`python -m perfwaterfall` is the same as the `perf-waterfall` command."""

import sys

from perfwaterfall.cli.app import main

sys.exit(main())
