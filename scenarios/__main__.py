"""``python -m scenarios``: see ``scenarios.cli``."""

import sys

from scenarios.cli import main

sys.exit(main())
