"""The errors a user can cause or meet, each one clear line plus an exit code.

The CLI prints ``str(error)`` on stderr and exits with ``error.exit_code``; anything
else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class ScenarioError(Exception):
    """Base of every error meant for the user's eyes."""

    exit_code = EXIT_FAILED


class UsageError(ScenarioError):
    """Bad input: unknown scenario, bad flag value, bad environment variable."""

    exit_code = EXIT_USAGE


class RunFailed(ScenarioError):
    """The pipeline broke: a stage died, stalled, or delivered a wrong frame."""


class Interrupted(ScenarioError):
    """SIGINT or SIGTERM reached the driver; everything was cleaned up."""

    exit_code = EXIT_INTERRUPTED
