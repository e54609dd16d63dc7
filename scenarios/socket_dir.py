"""A run's socket directory: where it is made, and removing those of drivers that were killed.

The name carries the driver's pid, so a later run can tell a directory whose driver
died outright (SIGKILL: nothing of it ran after) from one still in use.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from scenarios.pids import alive

# A Unix socket path holds at most 107 bytes (sun_path, NUL excluded); the longest
# socket name a run binds in its directory is "credit-NN.dgram".
SOCKET_PATH_MAX = 107
SOCKET_NAME_ROOM = len("/credit-99.dgram")
# scenarios-<run id>-<driver pid>, as ``path_for`` names it.
_NAME = re.compile(r"^scenarios-[0-9a-f]{8}-(\d{1,10})$")


def path_for(run_id: str) -> Path:
    """Where the run's sockets go (not made yet): under TMPDIR if their paths fit, else /tmp.

    A long TMPDIR (a CI runner's, macOS's, pytest's) would otherwise fail every run
    at its first bind, with "path too long" from ZeroMQ or the socket module. The
    name is the run's own (random id, pid); ``mkdir`` refuses one that exists.
    """
    sock_dir = Path(tempfile.gettempdir()) / f"scenarios-{run_id}-{os.getpid()}"
    if len(os.fsencode(sock_dir)) + SOCKET_NAME_ROOM <= SOCKET_PATH_MAX:
        return sock_dir
    return Path("/tmp") / sock_dir.name


def remove_leftovers() -> None:
    """Socket directories of drivers killed outright (SIGKILL: nothing of theirs ran after)."""
    for base in {Path(tempfile.gettempdir()), Path("/tmp")}:
        for entry in base.glob("scenarios-*"):
            match = _NAME.match(entry.name)
            if match and not alive(int(match.group(1))) and _ours(entry):
                shutil.rmtree(entry, ignore_errors=True)


def _ours(path: Path) -> bool:
    """A real directory of this user: /tmp is shared, a name proves nothing."""
    try:
        st = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
