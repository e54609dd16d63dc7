"""A segment: one slot, a file under ``/dev/shm`` named for its run, creator and slot.

Segments are opened and mapped directly, not through ``multiprocessing.shared_memory``:
then nothing registers with a resource tracker (on 3.11 it would unlink segments an
attaching process merely used, and warn), space is reserved up front with
``posix_fallocate`` (a full ``/dev/shm`` is a clear error, not a SIGBUS on first
write), mappings are pre-faulted with ``MAP_POPULATE``, and readers map ``PROT_READ``
so a received frame cannot be written even by accident.

A 64-byte header (generation, byte count) comes before the payload. A reference
carries the generation; checking it against the header when a frame is mapped and
again when it is let go makes a slot overwritten under a reader an error, never a
silent wrong frame.
"""

from __future__ import annotations

import errno
import mmap
import os
import re
import struct

from scenarios.transport import Meta

SHM_DIR = "/dev/shm"
PREFIX = "scenarios-"
HEADER = 64
_HEADER = struct.Struct("<QQ")  # generation, payload bytes
# scenarios-<run id>-<creator pid>-<stage index>-<slot>
NAME = re.compile(r"^scenarios-([0-9a-f]+)-(\d+)-(\d+)-(\d+)$")


class ShmError(Exception):
    """Shared memory could not be set up or used safely; the message says what to change."""


class StaleSlot(ShmError):
    """A reference whose slot has been refilled since: the owner's invariant broke."""


def segment_name(run_id: str, pid: int, index: int, slot: int) -> str:
    return f"{PREFIX}{run_id}-{pid}-{index}-{slot}"


def creator(name: str) -> int | None:
    """The pid that made segment ``name``, or None for a name this package does not make."""
    m = NAME.match(name)
    return int(m.group(2)) if m else None


def names() -> list[str]:
    """Every segment of any run, of any user, that is in ``/dev/shm`` now."""
    try:
        return [n for n in os.listdir(SHM_DIR) if n.startswith(PREFIX)]
    except OSError:
        return []


def path(name: str) -> str:
    return os.path.join(SHM_DIR, name)


def create(name: str, size: int, what: str) -> mmap.mmap:
    """A new segment of ``size`` bytes, reserved and mapped; ``what`` names it in errors."""
    where = path(name)
    fd = os.open(where, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.posix_fallocate(fd, 0, size)
        except OSError as exc:
            os.unlink(where)
            if exc.errno == errno.ENOSPC:
                raise ShmError(
                    f"{SHM_DIR} is full: cannot reserve {what}; lower "
                    "SCENARIOS_SHM_SLOTS or SCENARIOS_SHM_SLOT_SIZE"
                ) from None
            raise
        # MAP_POPULATE pre-faults every page now, not on the first frame's write.
        return mmap.mmap(fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE)
    finally:
        os.close(fd)


def map_readonly(name: str) -> mmap.mmap:
    """Another stage's segment, whole, for reading only."""
    fd = os.open(path(name), os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        return mmap.mmap(fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ)
    finally:
        os.close(fd)


def write_header(mm: mmap.mmap, generation: int, nbytes: int) -> None:
    _HEADER.pack_into(mm, 0, generation, nbytes)


def check_generation(mm: mmap.mmap, ref: Meta) -> None:
    """The slot still holds what ``ref`` describes: nobody refilled it under the reader."""
    generation, nbytes = _HEADER.unpack_from(mm)
    if generation != ref["gen"] or nbytes != ref["nb"]:
        raise StaleSlot(
            f"slot {ref['seg']} is at generation {generation} ({nbytes} bytes) but the "
            f"reference says {ref['gen']} ({ref['nb']} bytes): it was refilled under a reader"
        )
