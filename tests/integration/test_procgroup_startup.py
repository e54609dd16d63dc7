"""An interrupt that lands inside Popen, after the fork, must not leave the child's session."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from perfwaterfall.measure import processes as procgroup


def test_an_interrupt_inside_popen_ends_the_session_it_started(monkeypatch, tmp_path):
    real_popen = subprocess.Popen
    started: list[int] = []

    def popen_then_interrupted(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        # Fake only the timing: a real child is started, then the interrupt "lands".
        child = real_popen(*args, **kwargs)
        started.append(child.pid)
        raise KeyboardInterrupt

    monkeypatch.setattr(procgroup.subprocess, "Popen", popen_then_interrupted)
    with tempfile.TemporaryFile() as out, pytest.raises(KeyboardInterrupt):
        procgroup.run_in_group(
            [sys.executable, "-c", "import time; time.sleep(60)"],
            cwd=tmp_path,
            env={},
            stdout=out,
            stderr=out,
            timeout=60,
        )
    assert started
    assert procgroup.wait_gone(started[0], 5.0)
    assert started[0] not in procgroup.own_child_sessions()


def test_own_child_sessions_sees_only_session_leaders_we_started(tmp_path: Path) -> None:
    leader = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True
    )
    plain = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        sessions = procgroup.own_child_sessions()
        assert leader.pid in sessions and plain.pid not in sessions
    finally:
        for p in (leader, plain):
            p.kill()
            p.wait()
    assert leader.pid not in procgroup.own_child_sessions()
