"""py-spy: how to record a harness round, how to read its folded stacks, where the time moved.

Pure building blocks: the engine decides when to record (an extra, uncounted round
per side, since sampling perturbs timing); this module builds the argv prefix that
``harness.run_round(wrap=...)`` runs, turns py-spy's raw output into stacks that
compare across refs, and ranks the functions whose time per frame moved most.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

from perfwaterfall.errors import PerfWaterfallError

Format = Literal["raw", "flamegraph"]
Stack: TypeAlias = tuple[str, ...]
Folded: TypeAlias = dict[Stack, int]

DEFAULT_RATE = 250
HARNESS_LABEL = "harness"
NOT_FOUND = (
    "py-spy is not installed: `pip install py-spy` (or `pip install -e .[dev]`) "
    "to profile, or leave out --profile"
)
PTRACE_DENIED = (
    "py-spy may not attach to processes here (ptrace is denied): run as root, or "
    "`sudo sysctl kernel.yama.ptrace_scope=0`, or give the container SYS_PTRACE "
    "(docker run --cap-add SYS_PTRACE)"
)


class ProfileUnavailable(PerfWaterfallError):
    """The profile cannot be made (py-spy missing or not allowed to attach): one line, a fix."""


# ---------------------------------------------------------------- recording


def find_py_spy() -> str | None:
    """py-spy on PATH, else next to the running interpreter (a venv not activated)."""
    found = shutil.which("py-spy")
    if found:
        return found
    beside = Path(sys.executable).parent / "py-spy"  # not resolved: a venv's bin is a symlink farm
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def require_py_spy() -> str:
    """The py-spy to run, or ProfileUnavailable saying how to install it."""
    found = find_py_spy()
    if found is None:
        raise ProfileUnavailable(NOT_FOUND)
    return found


def record_argv(py_spy: str, output: Path, fmt: Format, rate: int = DEFAULT_RATE) -> list[str]:
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


def output_path(directory: Path, side: str, scenario: str, fmt: Format) -> Path:
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


# ---------------------------------------------------------------- folded stacks

# "stack count": the count is the last space-separated field.
_LINE = re.compile(r"^(?P<stack>.*?\S)\s+(?P<count>\d+)$")
_PROCESS = re.compile(r'process (?P<pid>\d+):"')
# py-spy writes "name (file:line)", "name (file)" when the line is 0, else "name".
_PY_FRAME = re.compile(r"^(?P<func>\S.*?) \((?P<file>.+?)(?::(?P<line>\d+))?\)$")
_THREAD = re.compile(r"^thread \(0x[0-9A-Fa-f]+\)(?:: (?P<name>.*))?$")
_STDLIB = re.compile(r"/lib/python\d+\.\d+[a-z]*/")
_PACKAGES = ("/site-packages/", "/dist-packages/")
_FROZEN = (
    "(<frozen runpy>)",
    "(<frozen importlib._bootstrap>)",
    "(<frozen importlib._bootstrap_external>)",
)
_IMPORT_SYSTEM = _FROZEN[1:]
_NAME_ARG = re.compile(r"(?:^|\s)--name(?:=|\s+)(?P<name>[^\s\"']+)")
_MODULE_ARG = re.compile(r"(?:^|\s)-m\s+(?P<module>\S+)")


def parse_folded(text: str, *, roots: Sequence[Path] = ()) -> Folded:
    """py-spy's raw output as stacks that compare across two refs; garbage lines are skipped.

    Process frames (``process PID:"cmdline"``) become ``[label]``: the ``--name`` of a
    filter process, ``[harness]`` for the outermost one; pids are dropped. Python frames
    ``func (path:line)`` become ``func (path)``: lines shift between refs, and paths are
    made relative to a worktree in ``roots``, after ``site-packages/``, or after
    ``lib/pythonX.Y/`` (``json/decoder.py``: a bare file name would merge every
    ``__init__.py``).
    """
    prefixes = _root_prefixes(roots)
    folded: Counter[Stack] = Counter()
    for line in text.splitlines():
        parsed = _parse_line(line.strip(), prefixes)
        if parsed is not None:
            stack, count = parsed
            folded[stack] += count
    return dict(folded)


def is_function(frame: str) -> bool:
    """A function of the code under test: not a ``[process]`` label, not interpreter
    plumbing (runpy, the import system: ``<frozen ...>``)."""
    return not is_label(frame) and not frame.endswith(_FROZEN)


def is_label(frame: str) -> bool:
    """A ``[process]`` or ``[thread]`` label: no Python frame starts with '['."""
    return frame.startswith("[")


def is_import(stack: Stack) -> bool:
    """A sample taken while importing: a start-up cost, not work per frame."""
    return any(frame.endswith(_IMPORT_SYSTEM) for frame in stack)


def seen_processes(folded: Mapping[Stack, int]) -> tuple[str, ...]:
    """The process labels sampled, sorted: a profile without its filter processes
    (py-spy could attach to the harness only) is worth a warning."""
    labels = {f[1:-1] for stack in folded for f in stack if is_label(f)}
    labels = {label for label in labels if not label.startswith("thread")}
    return tuple(sorted(labels))


def _root_prefixes(roots: Sequence[Path]) -> tuple[str, ...]:
    """Each root as given and resolved, longest first so a nested worktree wins."""
    found: set[str] = set()
    for root in roots:
        for variant in (Path(root), _resolved(Path(root))):
            text = str(variant).rstrip("/")
            if text:
                found.add(text + "/")
    return tuple(sorted(found, key=len, reverse=True))


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def _parse_line(line: str, prefixes: tuple[str, ...]) -> tuple[Stack, int] | None:
    match = _LINE.match(line)
    if match is None:
        return None
    count = int(match["count"])
    frames = _split_frames(match["stack"])
    if count <= 0 or not frames:
        return None
    return tuple(_normalise(frame, prefixes) for frame in frames), count


def _split_frames(stack: str) -> list[str | tuple[int, str]] | None:
    """Process frames as (depth, cmdline), then the ';'-separated frames after them.

    A cmdline may hold ';', quotes and spaces (JSON arguments), so its closing quote
    is the first '";' that is followed by something that looks like a frame.
    """
    frames: list[str | tuple[int, str]] = []
    rest = stack
    depth = 0
    while head := _PROCESS.match(rest):
        end = _cmdline_end(rest, head.end())
        if end is None:
            return None
        frames.append((depth, rest[head.end() : end]))
        depth += 1
        rest = rest[end + 2 :]
    frames += [f for f in rest.split(";") if f] if rest else []
    return frames


def _cmdline_end(text: str, start: int) -> int | None:
    """Index of the quote that closes the cmdline starting at ``start``."""
    first = None
    for match in re.finditer('"', text[start:]):
        quote = start + match.start()
        after = text[quote + 1 :]
        if after == "":
            return quote
        if not after.startswith(";"):
            continue
        if first is None:
            first = quote
        if _looks_like_frame(after[1:]):
            return quote
    return first


def _looks_like_frame(text: str) -> bool:
    if _PROCESS.match(text):
        return True
    head = text.split(";", 1)[0]
    return bool(_PY_FRAME.match(head) or _THREAD.match(head))


def _normalise(frame: str | tuple[int, str], prefixes: tuple[str, ...]) -> str:
    if isinstance(frame, tuple):
        return f"[{_process_label(frame[1], frame[0])}]"
    thread = _THREAD.match(frame)
    if thread:
        return f"[thread {thread['name']}]" if thread["name"] else "[thread]"
    py = _PY_FRAME.match(frame)
    if py is None:
        return frame
    return f"{py['func']} ({_normalise_path(py['file'], prefixes)})"


def _process_label(cmdline: str, depth: int) -> str:
    """``harness`` outermost, else ``--name X`` (a filter process), else ``-m module``."""
    if depth == 0:
        return HARNESS_LABEL
    named = _NAME_ARG.search(cmdline)
    if named:
        return named["name"]
    module = _MODULE_ARG.search(cmdline)
    if module:
        return module["module"]
    if re.search(r"(?:^|\s)-c(?:\s|$)", cmdline):
        return "python -c"
    program = cmdline.split(" ", 1)[0]
    return os.path.basename(program) or "process"


def _normalise_path(path: str, prefixes: tuple[str, ...]) -> str:
    """Site-packages first: a venv inside a worktree is still a package, not the repo's code."""
    if path.startswith("<"):
        return path  # <frozen runpy>, <string>
    for marker in _PACKAGES:
        at = path.rfind(marker)
        if at >= 0:
            return path[at + len(marker) :]
    for prefix in prefixes:
        if path.startswith(prefix):
            return path[len(prefix) :]
    stdlib = list(_STDLIB.finditer(path))
    return path[stdlib[-1].end() :] if stdlib else path


# ---------------------------------------------------------------- movers


@dataclass(frozen=True)
class Mover:
    """One function's sampled milliseconds per frame on each side."""

    function: str
    base_ms: float
    head_ms: float

    @property
    def delta(self) -> float:
        return self.head_ms - self.base_ms

    def to_dict(self) -> dict[str, Any]:
        return {"function": self.function, "base_ms": self.base_ms, "head_ms": self.head_ms}

    @classmethod
    def from_dict(cls, data: Any) -> Mover:
        if not isinstance(data, Mapping):
            raise TypeError(f"a mover is an object, got {type(data).__name__}")
        function = data["function"]
        if not isinstance(function, str):
            raise TypeError(f"mover function must be a string, got {function!r}")
        return cls(function, _ms(data["base_ms"]), _ms(data["head_ms"]))


@dataclass(frozen=True)
class Movers:
    """Where the time moved: the top functions by self and by total time, and the sampled
    time per frame of each side (all processes, idle time not sampled)."""

    by_self: tuple[Mover, ...]
    by_total: tuple[Mover, ...]
    base_ms: float
    head_ms: float

    @property
    def empty(self) -> bool:
        return not self.by_self and not self.by_total

    def to_dict(self) -> dict[str, Any]:
        return {
            "by_self": [m.to_dict() for m in self.by_self],
            "by_total": [m.to_dict() for m in self.by_total],
            "base_ms": self.base_ms,
            "head_ms": self.head_ms,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Movers:
        """KeyError, TypeError or ValueError on a malformed document: bundle.py maps them."""
        if not isinstance(data, Mapping):
            raise TypeError(f"movers are an object, got {type(data).__name__}")
        return cls(
            by_self=tuple(Mover.from_dict(m) for m in _list(data["by_self"])),
            by_total=tuple(Mover.from_dict(m) for m in _list(data["by_total"])),
            base_ms=_ms(data["base_ms"]),
            head_ms=_ms(data["head_ms"]),
        )


def movers(
    base: Mapping[Stack, int],
    head: Mapping[Stack, int],
    *,
    base_frames: int,
    head_frames: int,
    rate: int,
    top: int = 10,
) -> Movers:
    """The ``top`` functions whose self and total time per frame moved most, largest first.

    Milliseconds per frame (samples / rate * 1000 / frames) let sides of different length
    compare; ``*_frames`` are the frames the profiled round pushed, warm-up included.
    A function seen on one side only counts 0 on the other; one that did not move at all
    is left out. Ties are broken by name, so the output is deterministic. Samples taken
    while importing are start-up, not per-frame work, and are left out, as are the frames
    of runpy and the import system; ``base_ms``/``head_ms`` still count every sample.
    """
    if base_frames <= 0 or head_frames <= 0 or rate <= 0:
        raise ValueError("frames and rate must be positive")
    base_scale = 1000 / rate / base_frames
    head_scale = 1000 / rate / head_frames
    base_self, base_total = _function_samples(base)
    head_self, head_total = _function_samples(head)
    return Movers(
        by_self=_rank(base_self, head_self, base_scale, head_scale, top),
        by_total=_rank(base_total, head_total, base_scale, head_scale, top),
        base_ms=sum(base.values()) * base_scale,
        head_ms=sum(head.values()) * head_scale,
    )


def _function_samples(folded: Mapping[Stack, int]) -> tuple[Counter[str], Counter[str]]:
    """Samples per function: as the leaf (self), and anywhere in the stack, once (total)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for stack, count in folded.items():
        functions = [f for f in stack if is_function(f)]
        if not functions or is_import(stack):
            continue
        if is_function(stack[-1]):
            own[stack[-1]] += count
        for function in set(functions):
            total[function] += count
    return own, total


def _rank(
    base: Counter[str], head: Counter[str], base_scale: float, head_scale: float, top: int
) -> tuple[Mover, ...]:
    rows = [
        Mover(name, base[name] * base_scale, head[name] * head_scale)
        for name in base.keys() | head.keys()
    ]
    moved = [m for m in rows if m.delta != 0]
    moved.sort(key=lambda m: (-abs(m.delta), m.function))
    return tuple(moved[: max(top, 0)])


def _list(value: Any) -> Iterable[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected an array, got {type(value).__name__}")
    return value


def _ms(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number of milliseconds, got {value!r}")
    if value < 0 or value != value:
        raise ValueError(f"milliseconds must be a non-negative number, got {value!r}")
    return float(value)
