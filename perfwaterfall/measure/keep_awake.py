"""Keep the CPUs out of deep idle while rounds run: a PM QoS request held at 0.

A vCPU that halts between frames takes tens to hundreds of microseconds to wake (on a
KVM guest each wake-up is a VM exit), and how often it halts depends on what else the
machine does: issue 21 measured the sd of round medians of ``4k_raw`` at 16-104%
without the request and 2-4% with it. It does nothing against other processes
competing for the CPUs, which is most of the noise on a loaded machine.

Writing a 32-bit 0 to ``/dev/cpu_dma_latency`` asks the kernel for zero wake-up
latency for as long as the file stays open; closing it ends the request, so a killed
run cannot leave it behind.

The request is held across every round of a run, so both sides always run under the
same setting, and the setting is recorded: ``held``, ``off`` (the user switched it
off) or ``denied`` (the device could not be opened or written).
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DEVICE = Path("/dev/cpu_dma_latency")
# Another device path: for a test of the denied path, never to be set in normal use.
DEVICE_ENV = "PERF_WATERFALL_PM_QOS_DEVICE"
# "0" (or off, no, false) switches it off where the command line does not say.
SWITCH_ENV = "PERF_WATERFALL_KEEP_AWAKE"
OFF_WORDS = frozenset({"0", "off", "no", "false"})

HELD = "held"
OFF = "off"
DENIED = "denied"
SETTINGS = (HELD, OFF, DENIED)

UDEV_GROUP = "perf"
UDEV_RULE = f'KERNEL=="cpu_dma_latency", GROUP="{UDEV_GROUP}", MODE="0660"'


@dataclass(frozen=True)
class KeepAwake:
    """The setting the rounds ran under, and the one line to say when it was denied."""

    setting: str
    warning: str | None = None


def wanted(flag: bool | None, environ: Mapping[str, str] | None = None) -> bool:
    """The command line decides; else ``$PERF_WATERFALL_KEEP_AWAKE``; else on."""
    if flag is not None:
        return flag
    env = os.environ if environ is None else environ
    return env.get(SWITCH_ENV, "").strip().lower() not in OFF_WORDS


def device_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(DEVICE_ENV) or DEVICE)


@contextmanager
def kept_awake(want: bool, device: Path | None = None) -> Iterator[KeepAwake]:
    """Hold the request for the length of the block; closed on every way out of it."""
    if not want:
        yield KeepAwake(OFF)
        return
    path = device or device_path()
    fd, reason = _open_request(path)
    if fd is None:
        yield KeepAwake(DENIED, denied_line(path, reason))
        return
    try:
        yield KeepAwake(HELD)
    finally:
        os.close(fd)


def denied_reason(want: bool, device: Path | None = None) -> str | None:
    """The one line a run would say if it could not hold the request; None if it could
    (or is not wanted). Opens and closes the device without writing: no request held."""
    if not want:
        return None
    path = device or device_path()
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CLOEXEC))
    except OSError as exc:
        return denied_line(path, _reason(exc))
    return None


def expected_setting(flag: bool | None) -> str:
    """The setting a run with this flag would record, found without holding anything: the
    key under which history keeps rounds, so held and idle rounds are never mixed."""
    want = wanted(flag)
    if not want:
        return OFF
    return DENIED if denied_reason(want) else HELD


def _open_request(path: Path) -> tuple[int | None, str]:
    """The open descriptor holding 0, or None and why it could not be had."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as exc:
        return None, _reason(exc)
    try:
        os.write(fd, struct.pack("i", 0))
    except OSError as exc:
        os.close(fd)
        return None, _reason(exc)
    return fd, ""


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "no such device"
    return os.strerror(exc.errno) if exc.errno else str(exc)


def denied_line(path: Path, reason: str) -> str:
    return (
        f"keep-awake denied ({path}: {reason}): rounds ran with the CPUs free to idle, "
        "so times are noisier; `perf-waterfall doctor` shows the udev rule that permits it"
    )


def effective_latency_us(path: Path | None = None) -> int | None:
    """The kernel's current CPU latency limit (the minimum of every request held), or
    None where the device cannot be read. Opening it adds a request at the default
    value, which leaves the limit as it was."""
    try:
        with open(path or device_path(), "rb") as device:
            data = device.read(4)
    except OSError:
        return None
    return struct.unpack("i", data)[0] if len(data) == 4 else None
