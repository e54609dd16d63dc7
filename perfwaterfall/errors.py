"""The errors a user can cause or meet: each carries one clear line and an exit code.

The CLI prints ``str(error)`` on stderr and exits with ``error.exit_code``; only
``--debug`` shows a traceback. Anything that is not a ``PerfWaterfallError`` is a bug.
"""

from __future__ import annotations

# Exit statuses, documented in the README ("Exit status"): a failed harness is not a bug.
EXIT_RUN_FAILED = 1  # a harness round failed (or --profile-strict could not profile)
EXIT_USAGE = 2  # bad input: nothing was measured
EXIT_REGRESSION = 3  # --fail-on-regression tripped
EXIT_INTERNAL = 70  # a bug in perf-waterfall (sysexits' EX_SOFTWARE)


class PerfWaterfallError(Exception):
    """Base of every error meant for the user's eyes."""

    exit_code = EXIT_RUN_FAILED


class UsageError(PerfWaterfallError):
    """Bad input: a ref that does not exist, a bad option, not a repository."""

    exit_code = EXIT_USAGE


class InvalidDocument(UsageError):
    """A results document or bundle that does not follow its schema."""


class HarnessFailed(PerfWaterfallError):
    """A harness round failed: non-zero exit, timeout, or no usable output."""

    def __init__(
        self,
        message: str,
        *,
        side: str = "",
        ref: str = "",
        scenario: str = "",
        round_index: int | None = None,
        stderr_tail: str = "",
    ) -> None:
        super().__init__(message)
        self.side = side
        self.ref = ref
        self.scenario = scenario
        self.round_index = round_index
        self.stderr_tail = stderr_tail
