"""Ctrl-C, SIGTERM and SIGHUP become one KeyboardInterrupt that cannot be lost.

Python drops an exception raised while a finalizer (``__del__``, a weakref
callback) runs; a signal that lands there would vanish. The handler therefore
also records the request, and the engine checks it between rounds.
"""

from __future__ import annotations

import signal
from types import FrameType

_requested = False


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _requested
    _requested = True
    raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT, SIGTERM and SIGHUP to KeyboardInterrupt, so every cleanup path runs."""
    global _requested
    _requested = False
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # HUP: a closed terminal
        signal.signal(signum, _on_signal)


def check() -> None:
    """Raise KeyboardInterrupt if a signal arrived, even if its first raise was swallowed."""
    if _requested:
        raise KeyboardInterrupt
