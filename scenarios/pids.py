"""Whether a run that left something behind is over: its pid is gone."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Whether process ``pid`` may exist: only a pid the kernel says is gone counts as dead.

    One we may not signal, or a number no pid can be (a name someone made up), is
    treated as alive, so nothing is removed on its account.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True
