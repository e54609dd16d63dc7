"""Running the perf-waterfall CLI from a test: in process (fast), or as a real process.

    code, out, err = run_cli(["show", bundle, "--format", "json"], capsys)

In process, ``main`` runs with pytest's captured stdout and stderr, read (and so
reset) after each call. As a process, ``cli_argv`` is the argv of
``python -m perfwaterfall ...`` for tests that need a real one (signals, exit
codes of the entry point, another interpreter).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from perfwaterfall.cli.app import main


class CliResult(NamedTuple):
    code: int
    out: str
    err: str


def run_cli(args: Sequence[Any], capsys: pytest.CaptureFixture[str]) -> CliResult:
    """``perf-waterfall ARGS`` in this process; each argument is passed as ``str(arg)``."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return CliResult(code, out, err)


def cli_argv(*args: Any, python: str | Path = sys.executable) -> list[str]:
    """The argv of ``python -m perfwaterfall ARGS`` (for Popen and subprocess.run)."""
    return [str(python), "-m", "perfwaterfall", *(str(a) for a in args)]


def run_cli_process(
    args: Sequence[Any],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    python: str | Path = sys.executable,
) -> subprocess.CompletedProcess[str]:
    """``python -m perfwaterfall ARGS`` as a process, to its end (a hang fails at ``timeout``)."""
    return subprocess.run(
        cli_argv(*args, python=python),
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
