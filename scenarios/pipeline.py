"""The driver: start one process per stage, feed frames, collect per-frame timings.

Frames are fed synchronously by default (frame n+1 enters when frame n has left
the sink) so hop timings are clean; ``Settings.inflight`` > 1 pipelines them.
Whatever happens (success, a dead stage, a stall, SIGINT/SIGTERM) no process,
socket file or shared-memory segment of the run is left behind.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zmq

from scenarios.catalog import Scenario
from scenarios.config import Settings
from scenarios.errors import Interrupted, RunFailed, UsageError
from scenarios.link import address_for
from scenarios.stage import CONTROL_HWM, StageConfig
from scenarios.transport import SHM_RUNGS, cleanup_run, owns_pool, sweep_stale

POLL_MS = 100
STOP_TIMEOUT_S = 10.0
KILL_GRACE_S = 3.0
SCHEMA = "perf-waterfall/results@1"
# A Unix socket path holds at most 107 bytes (sun_path, NUL excluded); the longest
# socket name a run binds in its directory is "credit-NN.dgram".
SOCKET_PATH_MAX = 107
SOCKET_NAME_ROOM = len("/credit-99.dgram")
# scenarios-<run id>-<driver pid>: the run's socket directory (_socket_dir).
_SOCKET_DIR = re.compile(r"^scenarios-[0-9a-f]{8}-(\d{1,10})$")


@dataclass
class _Child:
    name: str
    proc: subprocess.Popen[bytes]
    stderr_path: Path

    def stderr_tail(self, lines: int = 1) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace").strip()
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def describe_exit(self, rc: int) -> str:
        who = f"stage {self.name} (pid {self.proc.pid})"
        if rc < 0:
            try:
                sig = signal.Signals(-rc).name
            except ValueError:
                sig = f"signal {-rc}"
            return f"{who} was killed by {sig}"
        tail = self.stderr_tail()
        return f"{who} exited with status {rc}" + (f": {tail}" if tail else "")


def run(
    scenario: Scenario,
    frames: int,
    warmup: int,
    settings: Settings,
    *,
    debug: bool = False,
) -> dict[str, Any]:
    """Run the scenario once and return its results document (harness-protocol.md)."""
    _preflight(scenario, settings)
    driver = _Driver(scenario, settings, debug)
    with _signals_as_exceptions():
        rows, info = driver.run(frames, warmup)
    info["run_id"] = driver.run_id
    width, height = settings.frame_size(scenario.width, scenario.height)
    params: dict[str, Any] = {"width": width, "height": height, "codec": scenario.codec}
    if scenario.source_size:
        params["source_width"], params["source_height"] = scenario.source_size
    params["work_ms"] = {f.name: f.work_ms for f in scenario.filters}
    meta: dict[str, Any] = {
        "transport": settings.transport,
        "work": settings.work,
        "inflight": settings.inflight,
        "scale": settings.scale,
        "frames": frames,
        "warmup": warmup,
        "verified_frames": info["verified"],
        "frame_bytes": width * height * 3,
        "payload_bytes": info["payload_bytes"],
        "python": sys.version.split()[0],
        # Names this run's shared-memory segments (scenarios-<run_id>-...) and nothing else.
        "run_id": info["run_id"],
    }
    if settings.transport in SHM_RUNGS:
        meta["shm_slots"] = settings.shm_slots
        meta["shm_slot_size"] = settings.shm_slot_size
    return {
        "schema": SCHEMA,
        "scenario": {"name": scenario.name, "label": scenario.label, "params": params},
        "stages": scenario.stages(),
        "samples_ms": [[round(ns / 1e6, 6) for ns in row] for row in rows],
        "meta": meta,
    }


def _preflight(scenario: Scenario, settings: Settings) -> None:
    """Settings that cannot work fail here, in one line, before any process starts."""
    if settings.transport not in SHM_RUNGS:
        return
    from scenarios.transport import shm

    count = len(scenario.filters)
    owners = sum(
        owns_pool(
            settings.transport,
            scenario.codec,
            source=i == 0,
            sink=i == count - 1,
            new_image=f.new_image,
        )
        for i, f in enumerate(scenario.filters)
    )
    width, height = settings.frame_size(scenario.width, scenario.height)
    raw_bytes = width * height * 3 if scenario.codec == "raw" else None
    try:
        shm.preflight(owners, settings.shm_slots, settings.shm_slot_size, raw_bytes)
    except (ValueError, shm.ShmError) as exc:
        raise UsageError(str(exc)) from None


class _Driver:
    def __init__(self, scenario: Scenario, settings: Settings, debug: bool) -> None:
        self.scenario = scenario
        self.settings = settings
        self.debug = debug
        self.run_id = secrets.token_hex(4)
        self.children: list[_Child] = []

    def run(self, frames: int, warmup: int) -> tuple[list[list[int]], dict[str, Any]]:
        sweep_stale()
        _sweep_stale_socket_dirs()
        # Named before it is made: a signal can land between any two statements, and
        # the finally must know what to remove wherever it did.
        sock_dir = _socket_dir(self.run_id)
        ctx: zmq.Context[Any] | None = None
        go: zmq.Socket[Any] | None = None
        done: zmq.Socket[Any] | None = None
        ok = False
        foreign = False  # the name was taken: never remove what another run made
        try:
            try:
                sock_dir.mkdir(mode=0o700)
            except FileExistsError:
                foreign = True
                raise
            ctx = zmq.Context()
            go = ctx.socket(zmq.PUSH)
            done = ctx.socket(zmq.PULL)
            for control in (go, done):
                control.setsockopt(zmq.SNDHWM, CONTROL_HWM)
                control.setsockopt(zmq.RCVHWM, CONTROL_HWM)
                control.setsockopt(zmq.LINGER, 0)
            go.setsockopt(zmq.RECONNECT_IVL, 10)
            done.bind(f"ipc://{sock_dir}/done")
            go.connect(f"ipc://{sock_dir}/in-0")
            self._start(sock_dir)
            # A ping through every stage: all sockets are connected before frame 0.
            go.send(json.dumps({"kind": "ping"}).encode())
            self._expect(done, "ping", "pipeline start")
            result = self._feed(go, done, frames, warmup)
            go.send(json.dumps({"kind": "stop"}).encode())
            self._expect(done, "stop", "pipeline stop", timeout_s=STOP_TIMEOUT_S)
            self._join()
            ok = True
            return result
        finally:
            for sock in (go, done):
                if sock is not None:
                    sock.close(linger=0)
            if ctx is not None:
                ctx.term()
            self._reap()
            cleanup_run(self.run_id)
            if ok or self.debug:
                self._forward_stderr()
            if not foreign:
                shutil.rmtree(sock_dir, ignore_errors=True)

    def _start(self, sock_dir: Path) -> None:
        sc, st = self.scenario, self.settings
        width, height = st.frame_size(sc.width, sc.height)
        count = len(sc.filters)
        for i, filt in enumerate(sc.filters):
            cfg = StageConfig(
                name=filt.name,
                index=i,
                count=count,
                codec=sc.codec,
                width=width,
                height=height,
                work_ms=filt.work_ms,
                new_image=filt.new_image,
                work=st.work,
                transport=st.transport,
                input=_input_address(st.transport, sock_dir, i),
                output=_input_address(st.transport, sock_dir, i + 1)
                if i + 1 < count
                else f"ipc://{sock_dir}/done",
                parent=os.getpid(),
                seed=zlib.crc32(sc.name.encode()),
                run_id=self.run_id,
                sock_dir=str(sock_dir),
                shm_slots=st.shm_slots,
                shm_slot_size=st.shm_slot_size,
                shm_timeout_s=st.stall_s,
                jpeg_quality=st.jpeg_quality,
                debug=self.debug,
            )
            err_path = sock_dir / f"{i}-{filt.name}.stderr"
            with open(err_path, "wb") as err:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "scenarios.stage", "--name", filt.name, cfg.to_json()],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
            self.children.append(_Child(filt.name, proc, err_path))

    def _feed(
        self, go: zmq.Socket[Any], done: zmq.Socket[Any], frames: int, warmup: int
    ) -> tuple[list[list[int]], dict[str, Any]]:
        total = warmup + frames
        inflight = self.settings.inflight
        rows: list[list[int]] = []
        sent = received = verified = 0
        payload_bytes = 0
        while received < total:
            while sent < total and sent - received < inflight:
                go.send(json.dumps({"kind": "frame", "n": sent}).encode())
                sent += 1
            msg = self._expect(done, "done", f"frame {received}")
            if msg["n"] != received:
                raise RunFailed(f"frame {msg['n']} left the pipeline, expected frame {received}")
            if received >= warmup:
                rows.append([int(v) for v in msg["t"]])
            verified += bool(msg["verified"])
            payload_bytes = max(payload_bytes, int(msg["nb"]))
            received += 1
        return rows, {"verified": verified, "payload_bytes": payload_bytes}

    def _expect(
        self, done: zmq.Socket[Any], kind: str, what: str, timeout_s: float | None = None
    ) -> dict[str, Any]:
        """The next message from the sink, while watching every stage stay alive."""
        limit = self.settings.stall_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + limit
        while True:
            if done.poll(POLL_MS):
                msg: dict[str, Any] = json.loads(done.recv())
                if msg.get("kind") != kind:
                    raise RunFailed(f"expected {kind!r} from the sink, got {msg.get('kind')!r}")
                return msg
            for child in self.children:
                rc = child.proc.poll()
                if rc is not None:
                    raise RunFailed(child.describe_exit(rc))
            if time.monotonic() > deadline:
                raise RunFailed(
                    f"{what}: nothing left the pipeline for {limit:g} s "
                    "(raise SCENARIOS_STALL_S if frames are that slow)"
                )

    def _join(self) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in self.children:
            try:
                rc = child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise RunFailed(f"stage {child.name} did not exit after 'stop'") from None
            if rc != 0:
                raise RunFailed(child.describe_exit(rc))

    def _reap(self) -> None:
        """Terminate whatever still runs, then kill; always wait, so no zombie is left."""
        alive = [c for c in self.children if c.proc.poll() is None]
        for child in alive:
            with suppress(ProcessLookupError):
                child.proc.terminate()
        deadline = time.monotonic() + KILL_GRACE_S
        for child in alive:
            try:
                child.proc.wait(timeout=max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()

    def _forward_stderr(self) -> None:
        for child in self.children:
            text = child.stderr_tail(lines=10_000)
            if text:
                print(text, file=sys.stderr)


def _input_address(transport: str, sock_dir: Path, index: int) -> str:
    """Where stage ``index`` listens. The source's input is the driver's "go" socket."""
    if index == 0:
        return f"ipc://{sock_dir}/in-0"
    return address_for(transport, f"{sock_dir}/in-{index}")


def _sweep_stale_socket_dirs() -> None:
    """Socket directories of drivers killed outright (SIGKILL: nothing of theirs ran after)."""
    from scenarios.transport.shm import alive

    for base in {Path(tempfile.gettempdir()), Path("/tmp")}:
        for entry in base.glob("scenarios-*"):
            match = _SOCKET_DIR.match(entry.name)
            if match and not alive(int(match.group(1))) and _ours(entry):
                shutil.rmtree(entry, ignore_errors=True)


def _ours(path: Path) -> bool:
    """A real directory of this user: /tmp is shared, a name proves nothing."""
    try:
        st = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()


def _socket_dir(run_id: str) -> Path:
    """Where the run's sockets go (not made yet): under TMPDIR if their paths fit, else /tmp.

    A long TMPDIR (a CI runner's, macOS's, pytest's) would otherwise fail every run
    at its first bind, with "path too long" from ZeroMQ or the socket module. The
    name is the run's own (random id, pid); ``mkdir`` refuses one that exists.
    """
    sock_dir = Path(tempfile.gettempdir()) / f"scenarios-{run_id}-{os.getpid()}"
    if len(os.fsencode(sock_dir)) + SOCKET_NAME_ROOM <= SOCKET_PATH_MAX:
        return sock_dir
    return Path("/tmp") / sock_dir.name


@contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """SIGINT and SIGTERM unwind the driver through its ``finally`` blocks."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        # Once: a second Ctrl-C must not cut the cleanup short.
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_IGN)
        raise Interrupted(f"interrupted by {signal.Signals(signum).name}; cleaned up")

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
