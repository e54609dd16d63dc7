"""The parser's complaints in the project's words: one line, the flag, what it expects.

typer checks values with pydantic, whose text ("Input should be a valid integer,
unable to parse string as an integer") is not for a user of a command line.
Global flags (--debug, --no-color) are also taken after the command, as people type them.
"""

from __future__ import annotations

from collections.abc import Sequence

import typer

# Flags of the app's callback that carry no value, so they can move before the command.
GLOBAL_FLAGS = ("--debug", "--no-color")
# What a value of a pydantic error type should have been.
EXPECTED = {
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
    "finite_number": "a finite number",
}


def hoist_global_flags(args: Sequence[str]) -> list[str]:
    """``show x --no-color`` as ``--no-color show x``; nothing moves from after ``--``."""
    args = list(args)
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    rest = [a for a in args[:end] if a not in GLOBAL_FLAGS]
    return [*flags, *rest, *args[end:]]


def usage_message(exc: typer.TyperException) -> str:
    """One line for a parser error; a bad value names its flag, what it wants and what it got."""
    param = getattr(exc, "param", None)
    errors = getattr(exc.__cause__, "errors", None)
    if param is None or not callable(errors):
        return exc.format_message()
    flag = _flag(param)
    first = (errors() or [{}])[0]
    got = first.get("input")
    choices = _choices(param)
    if choices:
        expected = "one of " + ", ".join(choices)
    else:
        expected = EXPECTED.get(str(first.get("type")), "a valid value")
    return f"{flag} expects {expected}, got {got!r}"


def _flag(param: object) -> str:
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
    if opts:
        return opts[0]
    metavar = getattr(param, "metavar", None)
    return str(metavar or getattr(param, "name", "") or "a value").upper()


def _choices(param: object) -> list[str]:
    """The allowed values of an enum parameter (typer keeps its annotation's members)."""
    descriptor = getattr(param, "type_descriptor", None)
    return [str(getattr(c, "value", c)) for c in getattr(descriptor, "choices", None) or ()]
