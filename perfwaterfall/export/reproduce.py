"""The command a reviewer can run again: refs by name and the options that shape the
measurement, without the paths the run wrote to (a CI runner's temporary directory)."""

from __future__ import annotations

import shlex

# Options that only say where output went, or where the repository was: not the measurement.
DROPPED = frozenset(
    {"--output", "-o", "--save", "--svg", "--html", "--profile-dir", "--format", "--repo"}
    | {"--debug", "--no-color"}
)
# Options that take no value.
FLAGS = frozenset(
    {"--same-harness", "--profile", "--profile-strict", "--debug", "--no-color", "--help"}
)


def reproduce(command: str, base: str, head: str) -> str:
    """``perf-waterfall compare BASE HEAD [options]`` from the argv a bundle recorded; the
    refs are those measured (a default base is named), other commands keep their own."""
    try:
        argv = shlex.split(command)
    except ValueError:
        return ""
    if not argv:
        return ""
    kept, positional = _split(argv[1:])
    if not positional:
        return ""
    subcommand, refs = positional[0], positional[1:]
    if subcommand == "compare":
        refs = [base, head]
    return shlex.join(["perf-waterfall", subcommand, *refs, *kept])


def _split(args: list[str]) -> tuple[list[str], list[str]]:
    """(options kept, positional arguments) of an argv without its program name."""
    kept: list[str] = []
    positional: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            positional += args[i + 1 :]
            break
        if not token.startswith("-") or token == "-":
            positional.append(token)
            i += 1
            continue
        name, has_value, _ = token.partition("=")
        takes_next = name not in FLAGS and not has_value
        taken = args[i : i + (2 if takes_next else 1)]
        if name not in DROPPED:
            kept += taken
        i += len(taken)
    return kept, positional
