"""What the fake harnesses share: seeded jitter, the results document, the argv (stdlib only).

Used by ``fake_harness.py`` (run from this directory) and by ``bench_harness.py``
(written into a test repository as ``bench.py``, with this file beside it as
``fake_results.py``), so it imports nothing but the standard library.

The jitter is seeded, never drawn from the clock or the pid:

FAKE_SEED         the test's seed (tests/conftest.py derives it from the test's id);
                  "0" outside the test suite
FAKE_SEED_COUNTS  a file in which each draw of a key is counted, so that round 2
                  draws other numbers than round 1, and the same ones on every run
                  of the test (rounds run one after another, in a fixed order)
"""

from __future__ import annotations

import fcntl
import json
import os
import random
from collections.abc import Sequence
from typing import Any

SCHEMA = "perf-waterfall/results@1"

Stage = tuple[str, str, float]  # name, kind, ms


def seeded_rng(*salt: str) -> random.Random:
    """A generator seeded by the test's seed, ``salt`` and how often it was drawn before."""
    key = "/".join(salt)
    draws = 0
    counts = os.environ.get("FAKE_SEED_COUNTS")
    if counts:
        with open(counts, "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # concurrent runs of one test count in turn
            f.seek(0)
            draws = sum(1 for line in f if line.rstrip("\n") == key)
            f.write(key + "\n")
    return random.Random(f"{os.environ.get('FAKE_SEED', '0')}/{key}/{draws}")


def jittered_rows(
    stage_ms: Sequence[float], frames: int, jitter: float, rng: random.Random
) -> list[list[float]]:
    """``frames`` rows of ``stage_ms``, each value off by up to ``jitter`` (relative)."""
    return [
        [max(0.0, ms * (1 + rng.uniform(-jitter, jitter))) for ms in stage_ms]
        for _ in range(frames)
    ]


def document(
    name: str,
    label: str,
    stages: Sequence[Stage],
    rows: list[list[float]],
    *,
    params: dict[str, Any],
    meta: dict[str, Any],
) -> dict[str, Any]:
    """A results document (docs/harness-protocol.md)."""
    return {
        "schema": SCHEMA,
        "scenario": {"name": name, "label": label, "params": params},
        "stages": [{"name": n, "kind": k} for n, k, _ in stages],
        "samples_ms": rows,
        "meta": meta,
    }


def run_options(args: Sequence[str]) -> dict[str, str]:
    """``--scenario X --frames N --output PATH ...`` as a dict."""
    return dict(zip(args[::2], args[1::2], strict=False))


def print_list(names: Sequence[str], label: Any) -> None:
    """The answer to ``list``: each name with ``label(name)``."""
    print(json.dumps([{"name": n, "label": label(n)} for n in names]))
