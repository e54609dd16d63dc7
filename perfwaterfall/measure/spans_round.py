"""A round whose stage times arrive as OpenTelemetry spans (perfwaterfall/otel/).

``collecting_spans`` sets up where the spans go for one round (a receiver on
127.0.0.1, or a file in the round's scratch directory), gives the harness's extra
environment, and after the harness has exited turns what arrived into a results
document. The receiver stops on every exit path, before the scratch directory goes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.document import MAX_DOCUMENT_BYTES
from perfwaterfall.protocol.harness_spec import SpanSettings

if TYPE_CHECKING:
    from perfwaterfall.otel.receiver import Receiver

#: Where a harness with ``spans = "file"`` writes its OTLP JSON (an absolute path).
FILE_VARIABLE = "PERF_WATERFALL_OTLP_FILE"
SPANS_FILE = "spans.otlp.jsonl"


class ReceiverUnavailable(Exception):
    """The receiver could not listen (a port already taken): the round cannot run."""


@dataclass(frozen=True)
class SpanRound:
    """One round's spans: the harness's extra environment, then the document they make."""

    settings: SpanSettings
    env: dict[str, str]
    file: Path | None = None
    receiver: Receiver | None = None

    def document(self, *, scenario: str, frames: int, warmup: int) -> dict[str, Any]:
        """The results document of the spans that arrived; InvalidDocument if they are bad."""
        from perfwaterfall.otel.convert import spans_to_document
        from perfwaterfall.otel.decode import decode_json_lines

        if self.receiver is not None:
            spans = self.receiver.spans("spans")
        else:
            assert self.file is not None
            spans = decode_json_lines(_read_file(self.file), f"spans file ({FILE_VARIABLE})")
        return spans_to_document(
            spans,
            scenario=scenario,
            frames=frames,
            warmup=warmup,
            kinds=self.settings.kinds,
            frame_key=self.settings.frame_key,
        )


@contextmanager
def collecting_spans(settings: SpanSettings | None, scratch: Path) -> Iterator[SpanRound | None]:
    """Spans for one round, or None when the harness writes its results document itself."""
    if settings is None:
        yield None
        return
    if settings.source == "file":
        path = scratch / SPANS_FILE
        yield SpanRound(settings, {FILE_VARIABLE: str(path)}, file=path)
        return
    from perfwaterfall.otel.receiver import HOST, receiving

    with ExitStack() as stack:
        try:
            receiver = stack.enter_context(receiving(settings.port))
        except OSError as exc:
            at = f"{HOST}:{settings.port or 'any port'}"
            raise ReceiverUnavailable(
                f"cannot start the span receiver on {at} ({exc.strerror or exc})"
            ) from None
        yield SpanRound(settings, receiver.env(), receiver=receiver)


def _read_file(path: Path) -> bytes:
    where = f"spans file ({FILE_VARIABLE})"
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise InvalidDocument(f"{where}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidDocument(f"{where}: the harness wrote no spans file") from None
    except OSError as exc:
        raise InvalidDocument(f"{where}: cannot be read ({exc.strerror})") from None
