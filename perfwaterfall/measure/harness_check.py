"""No silent A/A: refuse a harness that is not part of the worktree it would measure.

Without ``[tool.perf-waterfall]``, ``{python} -m scenarios`` in a repository with no
``scenarios`` package runs whatever Python finds elsewhere (the copy installed
beside perf-waterfall): the same code on both sides, shown as a real result. So
before anything runs, the harness named by the table or the default must be found
inside each side's worktree. ``--harness`` is trusted as typed. Only what can be
told from the argv is judged: ``PYTHON -m MODULE``, ``PYTHON SCRIPT`` and
``./path``; any other command (``make bench``) is trusted too.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.machinery import (
    BYTECODE_SUFFIXES,
    EXTENSION_SUFFIXES,
    SOURCE_SUFFIXES,
    ExtensionFileLoader,
    FileFinder,
    ModuleSpec,
    SourceFileLoader,
    SourcelessFileLoader,
)
from pathlib import Path

from perfwaterfall.errors import HarnessFailed, UsageError
from perfwaterfall.measure.harness import SideCheckout
from perfwaterfall.protocol.harness_spec import DEFAULT_HARNESS, PYTHON_PLACEHOLDER, HarnessSpec

_PYTHON = re.compile(r"^(python|pypy)[0-9.]*(\.exe)?$")
_OPTIONS_WITH_VALUE = {"-W", "-X", "--check-hash-based-pycs"}
_LOADERS = (
    (ExtensionFileLoader, EXTENSION_SUFFIXES),
    (SourceFileLoader, SOURCE_SUFFIXES),
    (SourcelessFileLoader, BYTECODE_SUFFIXES),
)


@dataclass(frozen=True)
class Target:
    """What a harness argv runs: a module (``-m``) or a file; both None when unknown."""

    module: str | None = None
    path: str | None = None


def check_harness_in_worktrees(
    spec: HarnessSpec, sides: Sequence[SideCheckout], *, named: bool, hint: str = ""
) -> None:
    """Refuse before anything runs unless every side's worktree holds the harness.

    The default or a harness no side has: UsageError (exit 2, one line). A named
    harness some sides lack (a base that predates it) fails that side as a
    failing ``list`` would (HarnessFailed, exit 1), with the way to graft it.
    """
    if named:
        return
    target = harness_target(spec.argv)
    missing = [s for s in sides if not inside(target, s.worktree)]
    if not missing:
        return
    have = [s for s in sides if s not in missing]
    if spec.argv == DEFAULT_HARNESS or not have:
        raise UsageError(_refusal(spec, target, missing, two_sided=len(sides) > 1) + hint)
    side = missing[0]
    raise HarnessFailed(
        _missing_here(spec, target, side, have[-1]), side=side.label, ref=side.ref.name
    )


def harness_target(argv: Sequence[str]) -> Target:
    """The module or script an argv runs, as far as the argv alone tells."""
    if not argv:
        return Target()
    program, rest = argv[0], list(argv[1:])
    if program != PYTHON_PLACEHOLDER and not _PYTHON.match(Path(program).name):
        return Target(path=program) if "/" in program else Target()
    while rest:
        arg = rest.pop(0)
        if arg == "-m":
            return Target(module=rest[0]) if rest else Target()
        if arg.startswith("-m") and not arg.startswith("--"):
            return Target(module=arg[2:])
        if arg in ("-c", "-") or (arg.startswith("-c") and not arg.startswith("--")):
            return Target()
        if arg in _OPTIONS_WITH_VALUE:
            rest = rest[1:]
        elif not arg.startswith("-"):
            return Target(path=arg)
    return Target()


def inside(target: Target, worktree: Path) -> bool:
    """Whether ``target`` would be taken from ``worktree`` (unknown targets are trusted)."""
    if target.module is not None:
        return module_inside(target.module, worktree)
    if target.path is not None:
        path = Path(os.path.realpath(worktree / target.path))
        return path.is_file() and path.is_relative_to(Path(os.path.realpath(worktree)))
    return True


def module_inside(module: str, root: Path) -> bool:
    """Whether ``python -m module``, with ``root`` first on sys.path, runs a file under it.

    Found without importing anything. A namespace package (a directory without
    ``__init__.py``) only counts when no regular package of that name is installed:
    Python prefers one found anywhere on the path.
    """
    parts = module.split(".")
    if not all(p.isidentifier() for p in parts):
        return False
    locations = [str(root)]
    for depth in range(1, len(parts) + 1):
        found = _find(".".join(parts[:depth]), locations)
        if found is None:
            return False
        if depth == 1 and found.origin is None and _installed_elsewhere(parts[0], root):
            return False
        locations = list(found.submodule_search_locations or ())
    return True


def _find(name: str, locations: Sequence[str]) -> ModuleSpec | None:
    for location in locations:
        spec = FileFinder(location, *_LOADERS).find_spec(name)
        if spec is not None and (spec.loader is not None or spec.submodule_search_locations):
            return spec
    return None


def _installed_elsewhere(name: str, root: Path) -> bool:
    others = [p for p in sys.path if p and Path(p) != root and os.path.isdir(p)]
    return any(
        spec is not None and spec.origin is not None
        for spec in (FileFinder(p, *_LOADERS).find_spec(name) for p in others)
    )


def _shown(spec: HarnessSpec) -> str:
    return "`" + " ".join(a if a == PYTHON_PLACEHOLDER else shlex.quote(a) for a in spec.argv) + "`"


def _what(target: Target) -> str:
    return f"module {target.module}" if target.module else f"file {target.path}"


def _refusal(
    spec: HarnessSpec, target: Target, missing: list[SideCheckout], *, two_sided: bool
) -> str:
    where = " or ".join(dict.fromkeys(s.ref.name for s in missing))
    if spec.argv == DEFAULT_HARNESS:
        same = ", the same on both sides" if two_sided else ""
        return (
            f"no harness named: the default {_shown(spec)} is not in the worktree of {where} "
            f"(no {_what(target)} there), so Python would run code from elsewhere{same}. "
            "Run `perf-waterfall init` to write one, or name yours with "
            "--harness or in [tool.perf-waterfall] in pyproject.toml"
        )
    return (
        f"the harness {_shown(spec)} of [tool.perf-waterfall] is not in the worktree of "
        f"{where} (no {_what(target)} there): add it to the repository, fix harness in "
        "pyproject.toml, or name one with --harness"
    )


def _missing_here(spec: HarnessSpec, target: Target, side: SideCheckout, has: SideCheckout) -> str:
    if target.path is not None and target.path in spec.graft:
        how = "--same-harness"
    else:
        files = json.dumps(target.path) if target.path else "its files"
        how = f"--same-harness and graft = [{files}] in [tool.perf-waterfall]"
    return (
        f"{side.label} ({side.ref.name}): the harness {_shown(spec)} is not in its worktree "
        f"(no {_what(target)}), but {has.label} ({has.ref.name}) has it: commit it there, "
        f"or run head's harness on both sides with {how}"
    )
