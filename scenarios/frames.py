"""Deterministic synthetic frames: a natural-looking picture that pans per frame.

Every frame differs (a pan offset plus the frame index stamped into the first
pixels), so a stale or overwritten buffer shows up as a checksum mismatch. The
picture has gradients, shapes and light texture rather than noise, so JPEG sizes
are realistic.
"""

from __future__ import annotations

import zlib

import numpy as np

CHANNELS = 3
# The first bytes of every frame hold its index (little-endian u64): frames are unique.
STAMP_BYTES = 8
# render_and_checksum works in bands this size: each is checksummed while still in L2.
BAND_BYTES = 256 * 1024


def checksum(data: np.ndarray) -> int:
    """CRC-32 of a frame's bytes; cheap (about 3.5 ms for a 4K frame) and always outside timing."""
    return zlib.crc32(np.ascontiguousarray(data).data)


class FrameSource:
    """The camera: renders frame ``n`` of a seeded picture into a caller's buffer."""

    def __init__(self, width: int, height: int, seed: int) -> None:
        self.width = width
        self.height = height
        # Room to pan: about 1.5 % of the frame each way, at least a few pixels.
        self.pad_x = max(4, width // 64)
        self.pad_y = max(4, height // 64)
        self._canvas = paint(width + self.pad_x, height + self.pad_y, seed)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.height, self.width, CHANNELS)

    def render(self, index: int, out: np.ndarray) -> np.ndarray:
        """Write frame ``index`` into ``out`` (shape ``self.shape``, uint8) and return it."""
        np.copyto(out, self._crop(index))
        stamp(out, index)
        return out

    def render_and_checksum(self, index: int, out: np.ndarray) -> tuple[np.ndarray, int]:
        """``render`` into a C-contiguous ``out``, and the ``checksum`` of the result.

        Band by band: each band is checksummed right after it is written, from the
        cache, instead of reading the whole frame back from memory afterwards. For a
        4K frame that is 25 MB less memory traffic, and the checksum (verification,
        not work) no longer flushes every other process's code and data out of the
        caches just before the frame is handed over.
        """
        crop = self._crop(index)
        rows = max(1, BAND_BYTES // (self.width * CHANNELS))
        crc = 0
        for y in range(0, self.height, rows):
            band = out[y : y + rows]
            np.copyto(band, crop[y : y + rows])
            if y == 0:
                stamp(out, index)
            crc = zlib.crc32(band.data, crc)
        return out, crc

    def _crop(self, index: int) -> np.ndarray:
        dx = (index * 3) % self.pad_x
        dy = (index * 2) % self.pad_y
        return self._canvas[dy : dy + self.height, dx : dx + self.width]


def stamp(image: np.ndarray, value: int, offset: int = 0) -> None:
    """Write ``value`` into the image's bytes at ``offset`` (image must be C-contiguous)."""
    flat = image.reshape(-1)
    flat[offset : offset + STAMP_BYTES] = np.frombuffer(
        (value & (2**64 - 1)).to_bytes(STAMP_BYTES, "little"), dtype=np.uint8
    )


def paint(width: int, height: int, seed: int) -> np.ndarray:
    """A seeded picture: sky-to-ground gradient, soft blobs, boxes, light texture."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    img = np.empty((height, width, CHANNELS), dtype=np.float32)
    horizon = 0.45 + 0.1 * np.sin(x * 6.0 + rng.uniform(0, 6)) * 0.3
    ground = y > horizon
    img[..., 0] = np.where(ground, 70 + 60 * y, 110 + 80 * y + 20 * x)
    img[..., 1] = np.where(ground, 95 + 50 * y - 20 * x, 150 + 60 * y)
    img[..., 2] = np.where(ground, 50 + 30 * y, 210 - 40 * y)
    for _ in range(14):
        _blob(img, rng)
    for _ in range(10):
        _box(img, rng)
    # Light texture: coarse smooth variation plus fine grain of a few levels.
    cell = max(2, min(width, height) // 90)
    coarse = rng.normal(0, 6, (height // cell + 1, width // cell + 1, 1)).astype(np.float32)
    img += np.repeat(np.repeat(coarse, cell, axis=0), cell, axis=1)[:height, :width]
    img += rng.normal(0, 2.5, (height, width, 1)).astype(np.float32)
    np.clip(img, 0, 255, out=img)
    return img.astype(np.uint8)


def _blob(img: np.ndarray, rng: np.random.Generator) -> None:
    h, w = img.shape[:2]
    r = int(rng.uniform(0.03, 0.15) * min(h, w)) + 1
    cy, cx = int(rng.uniform(0, h)), int(rng.uniform(0, w))
    y0, y1, x0, x1 = max(0, cy - r), min(h, cy + r), max(0, cx - r), min(w, cx + r)
    yy = np.arange(y0, y1, dtype=np.float32)[:, None] - cy
    xx = np.arange(x0, x1, dtype=np.float32)[None, :] - cx
    weight = np.clip(1.0 - (yy * yy + xx * xx) / float(r * r), 0.0, 1.0)[..., None]
    color = rng.uniform(20, 235, CHANNELS).astype(np.float32)
    patch = img[y0:y1, x0:x1]
    patch += (color - patch) * (weight * 0.85)


def _box(img: np.ndarray, rng: np.random.Generator) -> None:
    h, w = img.shape[:2]
    bh, bw = int(rng.uniform(0.03, 0.2) * h) + 1, int(rng.uniform(0.02, 0.15) * w) + 1
    y0, x0 = int(rng.uniform(0.3, 0.95) * h), int(rng.uniform(0, 1) * w)
    color = rng.uniform(30, 220, CHANNELS).astype(np.float32)
    img[y0 : y0 + bh, x0 : x0 + bw] = color
    # A darker edge, so JPEG has some sharp lines to code.
    img[y0 : y0 + 2, x0 : x0 + bw] *= 0.5
