"""The driver: start one process per stage, feed frames, collect per-frame timings.

Frames are fed synchronously by default (frame n+1 enters when frame n has left
the sink) so hop timings are clean; ``Settings.inflight`` > 1 pipelines them.
Whatever happens (success, a dead stage, a stall, SIGINT/SIGTERM) no process,
socket file or shared-memory segment of the run is left behind.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import zmq

from scenarios import preflight, results, socket_dir, transport
from scenarios.catalog import Scenario
from scenarios.config import Settings
from scenarios.errors import Interrupted, RunFailed
from scenarios.link import address_for
from scenarios.stage_config import CONTROL_HWM, StageConfig
from scenarios.stage_process import StageProcess

POLL_MS = 100
STOP_TIMEOUT_S = 10.0
KILL_GRACE_S = 3.0


def run(
    scenario: Scenario,
    frames: int,
    warmup: int,
    settings: Settings,
    *,
    debug: bool = False,
) -> dict[str, Any]:
    """Run the scenario once and return its results document (docs/harness-protocol.md)."""
    preflight.check(scenario, settings)
    driver = _Driver(scenario, settings, debug)
    with _signals_as_exceptions():
        rows, part_rows, info = driver.run(frames, warmup)
    return results.document(
        scenario,
        settings,
        rows,
        part_rows,
        frames=frames,
        warmup=warmup,
        verified=info["verified"],
        payload_bytes=info["payload_bytes"],
        run_id=driver.run_id,
    )


class _Driver:
    def __init__(self, scenario: Scenario, settings: Settings, debug: bool) -> None:
        self.scenario = scenario
        self.settings = settings
        self.debug = debug
        self.run_id = secrets.token_hex(4)
        self.children: list[StageProcess] = []

    def run(
        self, frames: int, warmup: int
    ) -> tuple[list[list[int]], list[list[int]], dict[str, Any]]:
        transport.remove_leftovers()
        socket_dir.remove_leftovers()
        # Named before it is made: a signal can land between any two statements, and
        # the finally must know what to remove wherever it did.
        sock_dir = socket_dir.path_for(self.run_id)
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
            transport.cleanup_run(self.run_id)
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
                slowdown_ms=st.slowdown_of(filt.name),
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
            self.children.append(StageProcess(filt.name, proc, err_path))

    def _feed(
        self, go: zmq.Socket[Any], done: zmq.Socket[Any], frames: int, warmup: int
    ) -> tuple[list[list[int]], list[list[int]], dict[str, Any]]:
        """Per measured frame, its stage durations and its hops' parts (ns); and what was seen."""
        total = warmup + frames
        inflight = self.settings.inflight
        rows: list[list[int]] = []
        part_rows: list[list[int]] = []
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
                part_rows.append([int(v) for v in msg["st"]])
            verified += bool(msg["verified"])
            payload_bytes = max(payload_bytes, int(msg["nb"]))
            received += 1
        return rows, part_rows, {"verified": verified, "payload_bytes": payload_bytes}

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
                # While "stop" travels, a stage that has passed it on exits 0: not a failure
                # (a loaded machine can take longer than one poll to carry it to the sink).
                if rc is not None and not (kind == "stop" and rc == 0):
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


def _input_address(rung: str, sock_dir: Path, index: int) -> str:
    """Where stage ``index`` listens. The source's input is the driver's "go" socket."""
    if index == 0:
        return f"ipc://{sock_dir}/in-0"
    return address_for(rung, f"{sock_dir}/in-{index}")


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
