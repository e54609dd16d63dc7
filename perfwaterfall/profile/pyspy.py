"""py-spy: where it is, the argv that records a harness round, why it could not attach.

The run sequence decides when to record (an extra, uncounted round per side, since
sampling perturbs timing); this module only builds the argv prefix that
``harness.run_round(wrap=...)`` runs and reads py-spy's refusals.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Literal

ProfileFormat = Literal["raw", "flamegraph"]

DEFAULT_RATE = 250
NOT_FOUND = (
    "py-spy is not installed: `pip install 'perf-waterfall[profile]'` (or `pip install py-spy` "
    "into the environment running perf-waterfall) to profile, or leave out --profile"
)
PTRACE_DENIED = (
    "py-spy may not attach to processes here (ptrace is denied): run as root, or "
    "`sudo sysctl kernel.yama.ptrace_scope=0`, or give the container SYS_PTRACE "
    "(docker run --cap-add SYS_PTRACE)"
)


def find_py_spy() -> str | None:
    """py-spy on PATH, else next to the running interpreter (a venv not activated)."""
    found = shutil.which("py-spy")
    if found:
        return found
    beside = Path(sys.executable).parent / "py-spy"  # not resolved: a venv's bin is a symlink farm
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def record_argv(
    py_spy: str, output: Path, fmt: ProfileFormat, rate: int = DEFAULT_RATE
) -> list[str]:
    """The argv prefix that records every process of one harness run into ``output``.

    ``--subprocesses`` follows the filter processes the harness starts. Sampling stays
    blocking (no ``--nonblocking``): the profiled round is not counted, so consistent
    stacks matter more than the pauses, and on this 2-core machine non-blocking reads
    tore stacks (8-16 errors per second of 4k_raw) without a measurable gain in frame
    time. Raw output keeps full file names so ``parse_folded`` can make them relative
    to each side's worktree; the flamegraph keeps py-spy's short names, easier to read.
    py-spy titles the SVG with its own command line, which names the output file and
    the scenario: name the file after side and scenario (``output_path``).
    """
    if rate <= 0:
        raise ValueError(f"sampling rate must be positive, got {rate}")
    argv = [py_spy, "record", "--subprocesses", "--rate", str(rate)]
    argv += ["--format", fmt, "--output", str(output)]
    if fmt == "raw":
        argv.append("--full-filenames")
    return [*argv, "--"]


def output_path(directory: Path, side: str, scenario: str, fmt: ProfileFormat) -> Path:
    """``DIR/perf-waterfall-<side>-<scenario>.svg`` (or ``.folded``), safe for any names."""
    suffix = ".svg" if fmt == "flamegraph" else ".folded"
    name = f"perf-waterfall-{_safe(side)}-{_safe(scenario)}{suffix}"
    return directory / name


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "_"


# The lines py-spy itself prints when the kernel refuses it another process's memory
# (py-spy's main.rs, and what 0.4.3 printed here under setpriv and capsh). Rust spells an
# errno "(os error 13)", Python "[Errno 13]": the harness's own stderr, which py-spy
# passes through, cannot match, nor can "Failed to create process" (the harness did
# not start at all: its own failure, with its own message).
_DENIED = re.compile(
    r"^Permission Denied\b"  # "Permission Denied: Try running again with elevated ..."
    r"|SYS_PTRACE capability"  # the docker hint
    r"|^\s*(?:Error|Reason|\d+): (?!Failed to create process)"
    r".*(?:Permission denied \(os error 13\)|Operation not permitted \(os error 1\)|EPERM\b)"
)


def diagnose(stderr_text: str) -> str | None:
    """The one line to show when py-spy's stderr says it was not allowed to attach, else None."""
    for line in stderr_text.splitlines():
        if _DENIED.search(line):
            return PTRACE_DENIED
    return None
