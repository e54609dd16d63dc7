"""A harness that reports, from inside each round, whether the run holds the keep-awake request.

Committed as ``bench.py`` with ``fake_results.py`` beside it (tests/integration/
test_keep_awake.py). Each round appends one JSON line to ``$AWAKE_OUT``: the scenario,
whether a descriptor of process ``$AWAKE_PID`` points at the PM QoS device, and the
kernel's latency limit read from it (None where it cannot be read).
``AWAKE_FAIL`` names a scenario that fails (exit 3).
"""

from __future__ import annotations

import json
import os
import struct
import sys

from fake_results import document, jittered_rows, print_list, run_options, seeded_rng

DEVICE = "/dev/cpu_dma_latency"
STAGES = [("Source", "filter", 1.0), ("hop", "ipc", 0.5), ("Sink", "filter", 1.0)]


def holds_device(pid: str) -> bool:
    fds = f"/proc/{pid}/fd"
    for fd in os.listdir(fds):
        try:
            if os.readlink(f"{fds}/{fd}") == DEVICE:
                return True
        except OSError:
            continue
    return False


def limit_us() -> int | None:
    try:
        with open(DEVICE, "rb") as device:
            return int(struct.unpack("i", device.read(4))[0])
    except OSError:
        return None


def main(args: list[str]) -> int:
    if args[0] == "list":
        print_list(["one", "two"], str.upper)
        return 0
    opts = run_options(args[1:])
    name = opts["--scenario"]
    seen = {"scenario": name, "held": holds_device(os.environ["AWAKE_PID"]), "limit": limit_us()}
    with open(os.environ["AWAKE_OUT"], "a") as out:
        out.write(json.dumps(seen) + "\n")
    if name == os.environ.get("AWAKE_FAIL"):
        print("bench: simulated failure", file=sys.stderr)
        return 3
    sha = os.environ["PERF_WATERFALL_SHA"]
    rows = jittered_rows(
        [ms for *_, ms in STAGES], int(opts["--frames"]), 0.002, seeded_rng(name, sha)
    )
    doc = document(name, name.upper(), STAGES, rows, params={}, meta={"sha": sha})
    with open(opts["--output"], "w") as output:
        json.dump(doc, output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
