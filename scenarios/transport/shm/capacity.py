"""Refuse early what cannot fit: a frame in its slot, the pools in ``/dev/shm``.

Checked by the driver before any process starts, and again by each pool before it
allocates, so a bad setting is one line naming the variable to change.
"""

from __future__ import annotations

import os

from scenarios.transport.shm.segments import HEADER, SHM_DIR, ShmError


def check_fits(nbytes: int, slot_size: int) -> None:
    """A frame must fit its slot; say by how much it does not, and what to raise."""
    if nbytes > slot_size:
        raise ValueError(
            f"a frame of {nbytes} bytes does not fit a shared-memory slot of {slot_size} bytes; "
            f"raise SCENARIOS_SHM_SLOT_SIZE to at least {nbytes}"
        )


def free_bytes() -> int:
    st = os.statvfs(SHM_DIR)
    return st.f_bavail * st.f_frsize


def check_room(nbytes: int, what: str) -> None:
    """Refuse early when ``/dev/shm`` cannot hold ``nbytes`` (before allocating anything)."""
    free = free_bytes()
    if nbytes > free:
        raise ShmError(
            f"{what} needs {nbytes / 2**20:.0f} MiB of {SHM_DIR} but only {free / 2**20:.0f} MiB "
            "is free; lower SCENARIOS_SHM_SLOTS or SCENARIOS_SHM_SLOT_SIZE"
        )


def preflight(owners: int, slots: int, slot_size: int, frame_bytes: int | None) -> None:
    """The driver's early check, before any process starts: frames fit, pools fit."""
    if frame_bytes is not None:
        check_fits(frame_bytes, slot_size)
    check_room(
        owners * slots * (HEADER + slot_size), f"{owners} pools of {slots} x {slot_size} bytes"
    )
