"""The socket rungs of the copy ladder: the whole payload travels in the ZeroMQ message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from scenarios.transport import Endpoint, EndpointInfo, Meta


class ZmqEndpoint(Endpoint):
    """``copy``, ``memoryview``, ``recv-nocopy`` and ``nocopy``: each drops one more copy."""

    def __init__(self, info: EndpointInfo) -> None:
        super().__init__(info)
        rung = info.rung
        self._bytearray = rung == "copy"
        self.recv_copy = rung in ("copy", "memoryview")
        self.send_copy = rung != "nocopy"

    def encode(self, payload: np.ndarray, meta: Meta) -> list[Any]:
        view = payload.data.cast("B")
        # The baseline copies the image into a bytearray before the socket copies it again.
        return [bytearray(view)] if self._bytearray else [view]

    def decode(self, parts: Sequence[Any], meta: Meta) -> np.ndarray:
        # bytes (copying receive) or a zmq.Frame (copy=False): both export a buffer, and a
        # view over a Frame keeps the whole message alive for as long as it lives.
        flat = np.frombuffer(parts[0], dtype=np.uint8)
        flat.flags.writeable = False
        return flat
