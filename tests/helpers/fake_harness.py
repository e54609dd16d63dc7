"""A fake harness that speaks the harness protocol with known stage times (stdlib only).

Run it as ``python fake_harness.py list|run ...``; it is steered by environment
variables, so a test can give each side its own behaviour with KEY=VALUE:

FAKE_SCENARIOS    comma-separated scenario names (default "alpha,beta")
FAKE_STAGES       "name:kind:ms;..." (default "VideoIn:filter:1.0;hop 1:ipc:2.0;Sink:filter:0.5")
FAKE_DELTA        "stage=+ms,..." or "scenario/stage=+ms,...": added to those stages
FAKE_JITTER       relative noise, e.g. 0.01 (default 0: every frame has the exact times)
FAKE_SEED         seed for the noise, set per test by tests/conftest.py (fake_results.py)
FAKE_MODE         ok | fail | no_output | invalid_json | wrong_schema | wrong_scenario | killed
                  | hang | ignore_term | stray | nan | infinite | negative | ragged | no_rows
                  | huge | deep | binary | overflow | shifting_stages
FAKE_MODE_SCENARIO  apply FAKE_MODE only to this scenario (others behave "ok")
FAKE_LIST_MODE    ok | fail | invalid_json | bad_name
FAKE_RECORD       append one JSON line per invocation: argv, cwd, pid, pgid, env subset
FAKE_PID_FILE     write "leader_pid child_pid" once a child is started (hang/stray modes)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__:
    from tests.helpers import fake_results
else:  # run as a script: its own directory is first on sys.path
    import fake_results

FAKE_HARNESS = Path(__file__).resolve()
DEFAULT_STAGES = "VideoIn:filter:1.0;hop 1:ipc:2.0;Sink:filter:0.5"


def fake_harness_argv() -> tuple[str, ...]:
    """The harness argv for a HarnessSpec, with the protocol's ``{python}`` placeholder."""
    return ("{python}", str(FAKE_HARNESS))


def _stages(scenario: str) -> list[tuple[str, str, float]]:
    stages = []
    for item in os.environ.get("FAKE_STAGES", DEFAULT_STAGES).split(";"):
        name, kind, ms = item.split(":")
        stages.append((name, kind, float(ms)))
    deltas: dict[str, float] = {}
    for item in filter(None, os.environ.get("FAKE_DELTA", "").split(",")):
        key, _, value = item.partition("=")
        where, _, stage = key.rpartition("/")
        if not where or where == scenario:
            deltas[stage] = deltas.get(stage, 0.0) + float(value)
    return [(n, k, ms + deltas.get(n, 0.0)) for n, k, ms in stages]


def _document(scenario: str, frames: int) -> dict[str, Any]:
    stages = _stages(scenario)
    jitter = float(os.environ.get("FAKE_JITTER", "0"))
    rng = fake_results.seeded_rng(scenario, os.environ.get("PERF_WATERFALL_SHA", ""))
    rows = fake_results.jittered_rows([ms for *_, ms in stages], frames, jitter, rng)
    return fake_results.document(
        scenario,
        f"fake {scenario}",
        stages,
        rows,
        params={"fake": True},
        meta={"harness": "fake"},
    )


def _record(argv: list[str]) -> None:
    path = os.environ.get("FAKE_RECORD")
    if not path:
        return
    keys = ("PYTHONPATH", "PERF_WATERFALL_REF", "PERF_WATERFALL_SHA")
    env = {k: v for k, v in os.environ.items() if k in keys or k.startswith("USER_")}
    entry = {
        "argv": argv,
        "cwd": os.getcwd(),
        "pid": os.getpid(),
        "pgid": os.getpgid(0),
        "env": env,
    }
    with open(path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def _sleeper() -> subprocess.Popen[bytes]:
    """A grandchild for the group-ending tests, with its pid written where the test looks."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)"])
    pid_file = os.environ.get("FAKE_PID_FILE")
    if pid_file:
        Path(pid_file).write_text(f"{os.getpid()} {child.pid}")
    return child


def _list() -> int:
    mode = os.environ.get("FAKE_LIST_MODE", "ok")
    if mode == "fail":
        print("fake harness: cannot list", file=sys.stderr)
        return 3
    if mode == "invalid_json":
        print("[{not json")
        return 0
    names = os.environ.get("FAKE_SCENARIOS", "alpha,beta").split(",")
    if mode == "bad_name":
        names = ["Bad Name"]
    fake_results.print_list(names, lambda n: f"fake {n}")
    return 0


def _run(args: list[str]) -> int:
    opts = fake_results.run_options(args)
    scenario, output = opts["--scenario"], Path(opts["--output"])
    mode = os.environ.get("FAKE_MODE", "ok")
    only = os.environ.get("FAKE_MODE_SCENARIO")
    if only and only != scenario:
        mode = "ok"
    if mode == "fail":
        for i in range(30):
            print(f"fake stderr line {i}", file=sys.stderr)
        print(f"fake harness: scenario {scenario} failed", file=sys.stderr)
        return 1
    if mode in ("hang", "ignore_term"):
        if mode == "ignore_term":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _sleeper()
        time.sleep(1000)
        return 0
    if mode == "stray":
        _sleeper()
    if mode == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "no_output":
        return 0
    if mode == "invalid_json":
        output.write_text("{not json")
        return 0
    if mode in _HOSTILE:
        output.write_bytes(_HOSTILE[mode](_document(scenario, int(opts["--frames"]))))
        return 0
    doc = _document("other" if mode == "wrong_scenario" else scenario, int(opts["--frames"]))
    if mode == "wrong_schema":
        doc["schema"] = "perf-waterfall/results@99"
    output.write_text(json.dumps(doc))
    return 0


def _with_value(doc: dict[str, Any], value: str) -> bytes:
    """The document with its last sample replaced by a raw JSON token (NaN, 1e999, ...)."""
    doc["samples_ms"][-1][-1] = "@@"
    return json.dumps(doc).replace('"@@"', value).encode()


def _overflow(doc: dict[str, Any]) -> bytes:
    """Every value finite, but the last row's sum (its frame time) is not."""
    doc["samples_ms"][-1] = [1e308] * len(doc["samples_ms"][-1])
    return json.dumps(doc).encode()


def _shifting_stages(doc: dict[str, Any]) -> bytes:
    """Stage names that differ from one round (process) to the next."""
    doc["stages"][0]["name"] += f" {os.getpid()}"
    return json.dumps(doc).encode()


def _ragged(doc: dict[str, Any]) -> bytes:
    doc["samples_ms"][-1].pop()
    return json.dumps(doc).encode()


def _no_rows(doc: dict[str, Any]) -> bytes:
    doc["samples_ms"] = []
    return json.dumps(doc).encode()


def _huge(doc: dict[str, Any]) -> bytes:
    """A valid document padded past the 64 MiB a results document may have."""
    doc["meta"]["padding"] = "x" * (65 * 1024 * 1024)
    return json.dumps(doc).encode()


_HOSTILE = {
    "nan": lambda doc: _with_value(doc, "NaN"),
    "infinite": lambda doc: _with_value(doc, "1e999"),
    "negative": lambda doc: _with_value(doc, "-0.5"),
    "ragged": _ragged,
    "overflow": _overflow,
    "shifting_stages": _shifting_stages,
    "no_rows": _no_rows,
    "huge": _huge,
    "deep": lambda doc: b"[" * 200_000 + b"]" * 200_000,
    "binary": lambda doc: bytes(range(256)) * 4,
}


def main(argv: list[str]) -> int:
    _record(argv)
    if argv[:1] == ["list"]:
        return _list()
    if argv[:1] == ["run"]:
        return _run(argv[1:])
    print(f"fake harness: unknown command {argv!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
