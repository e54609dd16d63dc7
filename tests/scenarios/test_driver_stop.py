"""While "stop" travels the pipeline, a stage that passed it on and exited 0 is no failure.

A loaded machine once took longer than the driver's 100 ms poll to carry "stop" from the
source to the sink; the source had exited 0 by then and the run was failed for it.
Real processes and a real ZeroMQ socket: a stage that has exited 0, and a sink whose
message arrives late.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import zmq

from scenarios.catalog import BY_NAME
from scenarios.config import Settings
from scenarios.driver import _Driver
from scenarios.errors import RunFailed
from scenarios.stage_process import StageProcess


def late_message(address: str, ctx: zmq.Context[Any], kind: str) -> threading.Thread:
    def send() -> None:
        time.sleep(0.3)  # three of the driver's polls: the exit is seen before the message
        push = ctx.socket(zmq.PUSH)
        push.connect(address)
        push.send(json.dumps({"kind": kind, "n": 0}).encode())
        push.close(linger=1000)

    thread = threading.Thread(target=send)
    thread.start()
    return thread


@pytest.mark.parametrize(("kind", "fails"), [("stop", False), ("done", True)])
def test_a_stage_that_exited_0_fails_a_frame_but_not_the_stop(
    tmp_path: Path, kind: str, fails: bool
) -> None:
    driver = _Driver(BY_NAME["480p_raw"], Settings(), debug=False)
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    driver.children.append(StageProcess("VideoIn", exited, tmp_path / "err"))
    ctx: zmq.Context[Any] = zmq.Context()
    done = ctx.socket(zmq.PULL)
    address = f"ipc://{tmp_path}/done"
    done.bind(address)
    sender = late_message(address, ctx, kind)
    try:
        if fails:
            with pytest.raises(RunFailed, match=r"stage VideoIn .* exited with status 0"):
                driver._expect(done, kind, "frame 0", timeout_s=10)
        else:
            assert driver._expect(done, kind, "pipeline stop", timeout_s=10)["kind"] == "stop"
    finally:
        sender.join()
        done.close(linger=0)
        ctx.term()
