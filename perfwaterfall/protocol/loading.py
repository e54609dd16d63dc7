"""From bytes or a file to a RoundResult: bounded in size, every failure one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perfwaterfall.protocol.document import MAX_DOCUMENT_BYTES, RoundResult
from perfwaterfall.protocol.parsing import invalid, parse_results


def loads_json(text: str | bytes, where: str, limit: int = MAX_DOCUMENT_BYTES) -> Any:
    """Decode JSON, turning every decoding problem into one clear line."""
    if len(text) > limit:
        raise invalid(where, f"larger than {limit // (1024 * 1024)} MiB")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise invalid(where, f"not valid JSON ({_short(exc)})") from None


def load_results(path: Path, where: str | None = None) -> RoundResult:
    where = where or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise invalid(where, f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
        text = path.read_bytes()
    except FileNotFoundError:
        raise invalid(where, "no results document was written") from None
    except OSError as exc:
        raise invalid(where, f"cannot be read ({exc.strerror})") from None
    return parse_results(loads_json(text, where), where)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
