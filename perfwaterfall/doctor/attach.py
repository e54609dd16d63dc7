"""Can py-spy attach here? Installed, allowed by ptrace's rules, and (optionally) tried for real.

``compare --profile`` fails late, after the measured rounds, when the kernel refuses
py-spy; the doctor says so up front. The live test attaches ``py-spy dump`` to a
sleeping child of ours, which is killed and reaped whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
from pathlib import Path

from perfwaterfall.doctor.findings import Finding, read_int
from perfwaterfall.profile.pyspy import PTRACE_DENIED, diagnose, find_py_spy
from perfwaterfall.protocol.sanitize import shown

HEADING = "py-spy attach"
CAP_SYS_PTRACE = 19
ATTACH_TIMEOUT_S = 5.0
_SLEEPER = "import time; print('ready', flush=True); time.sleep(60)"


def pyspy_finding(attach: bool = True) -> Finding:
    py_spy = find_py_spy()
    scope = read_int("/proc/sys/kernel/yama/ptrace_scope")
    root, cap = os.geteuid() == 0, _has_cap_sys_ptrace()
    rights = f"ptrace_scope {'absent' if scope is None else scope}, " + (
        "root" if root else "CAP_SYS_PTRACE" if cap else "not root, no CAP_SYS_PTRACE"
    )
    data: dict[str, object] = {
        "py_spy": None if py_spy is None else shown(py_spy),
        "version": None,
        "ptrace_scope": scope,
        "root": root,
        "cap_sys_ptrace": cap,
        "attach_test": None,
    }
    if py_spy is None:
        return Finding(
            "pyspy",
            HEADING,
            "info",
            f"py-spy not installed; {rights}",
            "only `compare --profile` needs it: `pip install 'perf-waterfall[profile]'`",
            data,
        )
    version = _version(py_spy)
    data["version"] = version
    installed = f"{version or 'py-spy'} at {shown(py_spy)}; {rights}"
    if attach:
        ok, why = attach_test(py_spy)
        data["attach_test"] = "attached" if ok else why
        if ok:
            return Finding(
                "pyspy",
                HEADING,
                "ok",
                f"{installed}; attached to a test process",
                "`compare --profile` can record flamegraphs here",
                data,
            )
        if why == PTRACE_DENIED and scope == 1 and not (root or cap):
            return Finding(
                "pyspy",
                HEADING,
                "info",
                f"{installed}; attach refused",
                "ptrace_scope 1 lets py-spy follow only what it starts, as "
                "`compare --profile` does; attaching to a running pid needs root",
                data,
            )
        return Finding("pyspy", HEADING, "warn", f"{installed}; attach failed", why, data)
    if (scope is not None and scope >= 2 and not (root or cap)) or scope == 3:
        return Finding("pyspy", HEADING, "warn", installed, PTRACE_DENIED, data)
    return Finding(
        "pyspy",
        HEADING,
        "ok",
        f"{installed}; not tried (--no-attach)",
        "ptrace's rules allow py-spy to follow what it starts",
        data,
    )


def attach_test(py_spy: str, timeout: float = ATTACH_TIMEOUT_S) -> tuple[bool, str]:
    """``py-spy dump`` a sleeping Python child: (True, '') or (False, one line why not)."""
    child = subprocess.Popen(
        [sys.executable, "-c", _SLEEPER],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], timeout)
        if not ready or not child.stdout.readline().startswith(b"ready"):
            return False, "the test process did not start in time"
        try:
            done = subprocess.run(
                [py_spy, "dump", "--pid", str(child.pid)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return False, f"py-spy dump did not finish within {timeout:g} s"
        except OSError as exc:
            return False, shown(f"py-spy could not run: {exc}")
        if done.returncode == 0 and "Thread" in done.stdout:
            return True, ""
        denied = diagnose(done.stderr + "\n" + done.stdout)
        if denied is not None:
            return False, denied
        first = next((line for line in done.stderr.splitlines() if line.strip()), "no output")
        return False, shown(f"py-spy dump exited {done.returncode}: {first.strip()}")
    finally:
        child.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=timeout)
        if child.stdout is not None:
            child.stdout.close()


def _version(py_spy: str) -> str | None:
    try:
        done = subprocess.run(
            [py_spy, "--version"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.strip()
    return shown(text) if done.returncode == 0 and text else None


def _has_cap_sys_ptrace() -> bool | None:
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("CapEff:"):
            try:
                return bool(int(line.split()[1], 16) >> CAP_SYS_PTRACE & 1)
            except (IndexError, ValueError):
                return None
    return None
