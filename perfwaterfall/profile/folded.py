"""py-spy's folded stacks, read so that two refs' stacks compare.

Process frames become stage labels, pids and line numbers are dropped, and paths
are made relative to each side's worktree.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

Stack: TypeAlias = tuple[str, ...]
Folded: TypeAlias = dict[Stack, int]

HARNESS_LABEL = "harness"

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
