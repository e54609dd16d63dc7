"""Help that reads as words: ``--frames N``, ``REF``, not typer's ``<int>`` and ``{ref}``.

Parameters that name their own metavar keep it; the rest get one from their type
here, once for the whole app, so a new option cannot bring Python's types back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Python types to the word a user reads in --help.
TYPE_WORDS: dict[object, str] = {int: "N", float: "NUMBER", str: "TEXT", Path: "PATH"}


def words_for_metavars(command: Any) -> None:
    """Give every parameter of ``command`` and its subcommands a metavar made of words."""
    for param in command.params:
        if param.param_type_name == "argument":
            _plain_argument(param)
        elif param.metavar is None:
            param.metavar = _word(param)
    for sub in getattr(command, "commands", {}).values():
        words_for_metavars(sub)


def _plain_argument(param: Any) -> None:
    """``BUNDLE...`` in the usage line and the list, as click writes it, not ``{bundle}...``
    followed by ``<list[Path]>`` (typer's methods, replaced on this one object)."""
    word = param.metavar or (param.name or "value").upper()
    many = "..." if param.nargs != 1 else ""
    param.metavar = word
    usage = f"{word}{many}" if param.required else f"[{word}]{many}"
    param._usage_display_name = lambda: usage
    param._rich_display_name = lambda: f"{word}{many}"
    param.display_type_rich = lambda ctx: None


def _word(param: Any) -> str | None:
    if getattr(param, "is_flag", False):
        return None
    descriptor = getattr(param, "type_descriptor", None)
    if getattr(descriptor, "choices", None):
        return None  # typer writes the choices itself: changed|all|none
    return TYPE_WORDS.get(getattr(descriptor, "annotation", None))
