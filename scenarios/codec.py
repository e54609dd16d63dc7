"""What goes on the wire for an image: the raw pixels, or JPEG (simplejpeg).

Encoding and decoding happen inside the hop, so their cost is part of it.
"""

from __future__ import annotations

import numpy as np
import simplejpeg


class RawCodec:
    """The image's own bytes: encoding is free, decoding is a reshape."""

    name = "raw"

    def encode(self, image: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(image)

    def decode(self, payload: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        image = payload.reshape(shape)
        image.flags.writeable = False
        return image


class JpegCodec:
    """JPEG at a fixed quality; lossy, so frames are checked by their encoded bytes."""

    name = "jpeg"

    def __init__(self, quality: int = 85) -> None:
        self.quality = quality

    def encode(self, image: np.ndarray) -> np.ndarray:
        data = simplejpeg.encode_jpeg(
            np.ascontiguousarray(image), quality=self.quality, colorspace="RGB", fastdct=True
        )
        return np.frombuffer(data, dtype=np.uint8)

    def decode(self, payload: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        image: np.ndarray = simplejpeg.decode_jpeg(payload, colorspace="RGB", fastdct=True)
        if image.shape != shape:
            raise ValueError(f"decoded JPEG has shape {image.shape}, expected {shape}")
        image.flags.writeable = False
        return image


def make_codec(name: str, quality: int = 85) -> RawCodec | JpegCodec:
    return JpegCodec(quality) if name == "jpeg" else RawCodec()
