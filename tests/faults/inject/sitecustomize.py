"""Pause a perf-waterfall process at one named point, so a test can signal it right there.

Put this directory on ``PYTHONPATH`` and set ``PW_FAULT_PAUSE`` to
``module:attr[.attr]@N[+after]``: the Nth call of that function pauses (before it
runs, or after it returned with ``+after``). Pausing means: write ``PW_FAULT_MARK``
(our pid), then sleep ``PW_FAULT_PAUSE_S`` seconds (default 60), the window in which
the test delivers its signal; with ``PW_FAULT_RELEASE`` the pause ends early once
that file exists (to line up concurrent runs). A dotted attr (``os.replace``) swaps the module's
reference to ``os`` for a proxy, so only that module's calls pause.

The spec is taken out of the environment when read: the harness and git processes
the paused process starts never see it. Modules are patched right after they are
imported, so ``python -m perfwaterfall`` runs unchanged otherwise.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import os
import sys
import time
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any


class _Proxy:
    """Stands for a module inside one other module, with one attribute replaced."""

    def __init__(self, target: Any, name: str, value: Any) -> None:
        self._target, self._name, self._value = target, name, value

    def __getattr__(self, name: str) -> Any:
        return self._value if name == self._name else getattr(self._target, name)


def _pause() -> None:
    mark = os.environ.get("PW_FAULT_MARK")
    if mark:
        tmp = f"{mark}.{os.getpid()}.tmp"
        Path(tmp).write_text(str(os.getpid()))
        os.replace(tmp, mark)  # the test sees the marker whole or not at all
    seconds = float(os.environ.get("PW_FAULT_PAUSE_S", "60"))
    release = os.environ.get("PW_FAULT_RELEASE")
    if not release:
        time.sleep(seconds)
        return
    deadline = time.monotonic() + seconds
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.01)


def _pausing(func: Callable[..., Any], nth: int, after: bool) -> Callable[..., Any]:
    calls = 0

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == nth and not after:
            _pause()
        result = func(*args, **kwargs)
        if calls == nth and after:
            _pause()
        return result

    return wrapper


def _patch(module: ModuleType, attrs: Sequence[str], nth: int, after: bool) -> None:
    if len(attrs) == 1:
        setattr(module, attrs[0], _pausing(getattr(module, attrs[0]), nth, after))
        return
    holder = getattr(module, attrs[0])
    wrapped = _pausing(getattr(holder, attrs[1]), nth, after)
    setattr(module, attrs[0], _Proxy(holder, attrs[1], wrapped))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the real loader of one module to patch it once executed."""

    def __init__(self, name: str, attrs: Sequence[str], nth: int, after: bool) -> None:
        self.name, self.attrs, self.nth, self.after = name, attrs, nth, after

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            _patch(module, self.attrs, self.nth, self.after)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install(text: str) -> None:
    """Parse ``module:attr[.attr]@N[+after]`` and arrange for the patch."""
    where, _, when = text.partition("@")
    module, _, attr = where.partition(":")
    nth_text, _, flag = when.partition("+")
    nth, after = int(nth_text or "1"), flag == "after"
    attrs = attr.split(".")
    if module in sys.modules:
        _patch(sys.modules[module], attrs, nth, after)
    else:
        sys.meta_path.insert(0, _PatchOnImport(module, attrs, nth, after))


_spec = os.environ.pop("PW_FAULT_PAUSE", "")
if _spec:
    install(_spec)
