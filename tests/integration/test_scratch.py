"""Scratch directories carry their process's pid; a later run sweeps those of dead ones."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from perfwaterfall.measure import scratch


def test_only_scratch_directories_of_dead_processes_are_swept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    names = {
        "dead": f"perf-waterfall-round-{dead.pid}-abc_1234",
        "alive": f"perf-waterfall-list-{os.getpid()}-abc_1234",
        # A worktree root with worktrees in it is gitrefs' to sweep, in its repository.
        "worktree root": f"perf-waterfall-run_1-{dead.pid}-abc_1234",
        "not ours": "perf-waterfall-base-4k_raw.svg",
        # Names anyone can make in /tmp: no pid can be that large; a file, not a directory.
        "no pid": "perf-waterfall-round-99999999999999999999-abc_1234",
        "file": f"perf-waterfall-setup-{dead.pid}-abc_5678",
    }
    for key, name in names.items():
        if key == "file":
            (tmp_path / name).write_text("x")
        else:
            (tmp_path / name).mkdir()
            (tmp_path / name / "stdout").write_text("x")
    empty_root = tmp_path / f"perf-waterfall-run_2-{dead.pid}-abc_9012"
    empty_root.mkdir()  # killed before its first `git worktree add`
    assert sorted(scratch.remove_leftovers()) == sorted([tmp_path / names["dead"], empty_root])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        n for k, n in names.items() if k != "dead"
    )


def test_a_scratch_directory_is_named_after_its_process_and_gone_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with scratch.scratch_dir("round") as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(f"perf-waterfall-round-{os.getpid()}-")
        (tmp / "results.json").write_text("{}")
        assert scratch.remove_leftovers() == []  # ours, and we are alive
    assert list(tmp_path.iterdir()) == []
