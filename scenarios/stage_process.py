"""A stage process as the driver sees it: how it ended, in words a user can act on."""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class StageProcess:
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
