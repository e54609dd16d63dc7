"""The body of one stage process: receive a frame, do the (simulated) work, pass it on.

Run as ``python -m scenarios.stage --name NAME CONFIG_JSON`` by the driver. The
source (index 0) renders frames when the driver says "go"; the sink (last index)
verifies each frame and reports its timings to the driver. Every timestamp is
``time.perf_counter_ns()`` (CLOCK_MONOTONIC: comparable across processes).

Frame metadata (the first part of a message, before the payload parts; the link
serializes it: JSON over ZeroMQ, ``marshal`` over a Unix socket, see scenarios.link):
``kind`` frame/ping/stop, ``n`` frame index, ``t`` durations so far in stage order,
``crc`` checksum (raw: pixels end to end; JPEG: this hop's encoded bytes),
``ts`` when the sender started this hop, ``ex`` time the sender spent on
verification (excluded from the hop), ``vh`` hops verified, ``nb`` payload bytes;
``st`` the hops' inner parts so far (scenarios.hop_parts), ``te`` and ``ss`` the
sender's stamps after encoding and serializing.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import sys
import time
import traceback
from typing import Any, NoReturn

import numpy as np
import zmq

from scenarios.codec import make_codec
from scenarios.frames import FrameSource, checksum, stamp
from scenarios.hop_parts import hop_parts
from scenarios.link import Link, LinkClosed, open_link
from scenarios.stage_config import CONTROL_HWM, StageConfig
from scenarios.transport import Endpoint, EndpointInfo, Meta, open_endpoint, owns_pool
from scenarios.work import simulate_work

PR_SET_PDEATHSIG = 1
# Frame sockets queue at most this many messages: a queue of 24 MB frames stays bounded.
FRAME_HWM = 2
# On a clean stop the last message ("stop") must not be dropped; on any other exit it may.
STOP_LINGER_MS = 1000

now = time.perf_counter_ns


class StageError(Exception):
    """A stage found something wrong (a bad frame): one line, exit status 1."""


def verify_frame(meta: Meta, image: np.ndarray, *, jpeg: bool, hops: int, where: str) -> None:
    """Bit-exactness: raw frames by their pixels, JPEG frames by every hop's encoded bytes."""
    if jpeg:
        if meta["vh"] != hops:
            raise StageError(f"frame {meta['n']}: {meta['vh']} of {hops} hops verified at {where}")
        return
    got = checksum(image)
    if got != meta["crc"]:
        raise StageError(
            f"frame {meta['n']}: pixels differ at {where} "
            f"(crc {got:#010x}, expected {meta['crc']:#010x})"
        )


class Stage:
    """One stage's loop; sockets and the transport endpoint live as long as it."""

    def __init__(self, cfg: StageConfig, ctx: zmq.Context[Any]) -> None:
        self.cfg = cfg
        self.ctx = ctx
        self.shape = (cfg.height, cfg.width, 3)
        self.codec = make_codec(cfg.codec, cfg.jpeg_quality)
        self.jpeg = cfg.codec == "jpeg"
        self.endpoint: Endpoint = open_endpoint(
            EndpointInfo(
                rung=cfg.transport,
                stage=cfg.name,
                index=cfg.index,
                run_id=cfg.run_id,
                sock_dir=cfg.sock_dir,
                shm_slots=cfg.shm_slots,
                shm_slot_size=cfg.shm_slot_size,
                shm_timeout_s=cfg.shm_timeout_s,
                owns_pool=owns_pool(
                    cfg.transport,
                    cfg.codec,
                    source=cfg.is_source,
                    sink=cfg.is_sink,
                    new_image=cfg.new_image,
                ),
                codec=cfg.codec,
            ),
            ctx,
        )
        self.source = FrameSource(cfg.width, cfg.height, cfg.seed) if cfg.is_source else None
        # The source's input and the sink's output are the driver's go and done sockets.
        self.inp = self._link(cfg.input, cfg.is_source, self.endpoint.recv_copy, listen=True)
        self.out = self._link(cfg.output, cfg.is_sink, self.endpoint.send_copy, listen=False)
        self.work_ns = cfg.work_ns

    def _link(self, address: str, control: bool, copy: bool, *, listen: bool) -> Link:
        """A control link queues many tiny messages, copied; a frame link few, as the rung says.

        ipc:// addresses are ZeroMQ, unix: addresses a Unix socket (scenarios.link); the
        driver picks per link. The endpoint returns credits while the stage waits.
        """
        return open_link(
            address,
            self.ctx,
            listen=listen,
            hwm=CONTROL_HWM if control else FRAME_HWM,
            copy=True if control else copy,
            service=self.endpoint,
        )

    def serve(self) -> None:
        """Handle messages until "stop" has been passed on."""
        while True:
            meta, parts = self.inp.recv()
            arrived = now()
            kind = meta["kind"]
            if kind != "frame":
                self.out.send({"kind": kind})
                if kind == "stop":
                    return
                continue
            self.frame(meta, parts, arrived)

    def frame(self, meta: Meta, parts: list[Any], arrived: int) -> None:
        cfg = self.cfg
        n: int = meta["n"]
        if self.source is not None:
            meta = {"kind": "frame", "n": n, "t": [], "st": [], "vh": 0, "crc": None}
            image = self.endpoint.new_image(self.shape)
            if self.jpeg:
                self.source.render(n, image)
            else:
                # Checksummed as it is rendered (band by band, from the cache).
                image, meta["crc"] = self.source.render_and_checksum(n, image)
        else:
            image = self.receive(meta, parts, arrived)
        del parts

        if cfg.new_image and not self.jpeg:
            self.verify(meta, image)
        start = now()
        if cfg.new_image:
            # A filter that changes pixels copies first: received images are read-only.
            fresh = self.endpoint.new_image(self.shape)
            np.copyto(fresh, image)
            stamp(fresh, n * 1000 + cfg.index, offset=8)
            image = fresh
        if self.work_ns > 0:
            simulate_work(start + self.work_ns, cfg.work)
        meta["t"].append(now() - start)
        if cfg.new_image and not self.jpeg:
            meta["crc"] = checksum(image)

        if cfg.is_sink:
            self.verify(meta, image)
            del image
            self.endpoint.release(meta)
            done = {
                "kind": "done",
                "n": n,
                "t": meta["t"],
                "st": meta["st"],
                "verified": True,
                "nb": meta["nb"],
            }
            self.out.send(done)
            return
        self.send(meta, image)

    def receive(self, meta: Meta, parts: list[Any], arrived: int) -> np.ndarray:
        """The receiving half of a hop: ends when a read-only image is in hand."""
        payload = self.endpoint.decode(parts, meta)
        viewed = now()
        excluded = 0
        if self.jpeg:
            t = now()
            got = checksum(payload)
            if got != meta["crc"]:
                raise StageError(
                    f"frame {meta['n']}: JPEG bytes arrived corrupted at {self.cfg.name} "
                    f"(crc {got:#010x}, sent {meta['crc']:#010x})"
                )
            meta["vh"] += 1
            excluded = now() - t
        image = self.codec.decode(payload, self.shape)
        ended = now()
        meta["t"].append(ended - meta["ts"] - meta["ex"] - excluded)
        # The sender's checksum shifts the stamps before it (hop_parts.hop_parts).
        meta["st"] += hop_parts(
            jpeg=self.jpeg,
            started=meta["ts"] + meta["ex"],
            encoded=meta["te"],
            serialized=meta["ss"],
            ready=self.inp.ready_ns,
            arrived=arrived,
            viewed=viewed,
            ended=ended,
            excluded=excluded,
        )
        return image

    def send(self, meta: Meta, image: np.ndarray) -> None:
        """The sending half of a hop: starts as serialization starts."""
        in_meta = dict(meta)
        t0 = now()
        payload = self.codec.encode(image)
        encoded = now()
        excluded = 0
        if self.jpeg:
            meta["crc"] = checksum(payload)
            excluded = now() - encoded
        out = {**meta, "ts": t0, "ex": excluded, "te": encoded + excluded}
        out["nb"] = int(payload.nbytes)
        wire = self.endpoint.encode(payload, out)
        out["ss"] = now()
        self.out.send(out, wire)
        del wire, payload, image
        self.endpoint.release(in_meta)

    def verify(self, meta: Meta, image: np.ndarray) -> None:
        verify_frame(meta, image, jpeg=self.jpeg, hops=self.cfg.index, where=self.cfg.name)

    def close(self, clean: bool) -> None:
        linger = STOP_LINGER_MS if clean else 0
        self.inp.close(0)
        self.out.close(linger)
        self.endpoint.close()


def die_with_parent(parent: int) -> None:
    """Ask the kernel for SIGKILL when the driver dies; quit if it already has."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        os._exit(1)


def _terminate(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


def await_driver() -> NoReturn:
    """A neighbour died: the driver sees that, names it, and terminates this stage.

    Exiting instead would race the dead stage for the driver's attention and could
    get the wrong stage named. Nothing spins: the process sleeps until SIGTERM (the
    driver) or SIGKILL (PR_SET_PDEATHSIG, should the driver be gone too).
    """
    while True:
        time.sleep(3600)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scenarios.stage")
    parser.add_argument("--name", required=True, help="shown in ps and py-spy")
    parser.add_argument("config")
    args = parser.parse_args(argv)
    cfg = StageConfig(**json.loads(args.config))
    die_with_parent(cfg.parent)
    # Ctrl-C reaches the whole process group; the driver alone decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)
    ctx: zmq.Context[Any] = zmq.Context()
    stage: Stage | None = None
    clean = False
    try:
        stage = Stage(cfg, ctx)
        stage.serve()
        clean = True
        return 0
    except StageError as exc:
        print(f"{cfg.name}: {exc}", file=sys.stderr)
        return 1
    except LinkClosed:
        await_driver()
    except Exception as exc:
        if cfg.debug:
            traceback.print_exc()
        print(f"{cfg.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        if stage is not None:
            stage.close(clean)
        ctx.term()


if __name__ == "__main__":
    sys.exit(main())
