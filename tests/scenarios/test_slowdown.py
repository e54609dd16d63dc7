"""SCENARIOS_SLOWDOWN: exactly the injected work, in exactly the named stages, or a refusal."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pytest

from scenarios.config import Settings
from scenarios.errors import UsageError
from tests.scenarios.conftest import harness, load, one_clear_line, validate_results

RUN = ["run", "--scenario", "480p_raw", "--frames", "7", "--warmup", "2"]
FILTERS = ["VideoIn", "Detector", "Tracker", "Sink"]
OWN_WORK_MS = {"VideoIn": 0.0, "Detector": 8.0, "Tracker": 3.0, "Sink": 0.0}


def _medians(doc: dict[str, Any]) -> dict[str, float]:
    names = [s["name"] for s in doc["stages"]]
    return {n: statistics.median(row[i] for row in doc["samples_ms"]) for i, n in enumerate(names)}


def _run(tmp: Path, name: str, **env: str) -> dict[str, Any]:
    out = tmp / f"{name}.json"
    proc = harness(tmp, *RUN, "--output", str(out), **env)
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = load(out)
    validate_results(doc, "480p_raw", 7, FILTERS)
    return doc


@pytest.mark.slow
def test_the_named_stages_and_only_they_take_the_extra_time(run_tmp: Path) -> None:
    """Detector works 8 ms of its own; Sink none, and still gets its 0.2 ms."""
    slowdown = {"Detector": 0.7, "Sink": 0.2}
    plain = _run(run_tmp, "plain")
    slowed = _run(run_tmp, "slowed", SCENARIOS_SLOWDOWN="Detector:0.7,Sink:0.2")
    assert plain["meta"]["slowdown_ms"] == {}
    assert slowed["meta"]["slowdown_ms"] == slowdown
    assert slowed["scenario"]["params"]["work_ms"] == plain["scenario"]["params"]["work_ms"]
    before, after = _medians(plain), _medians(slowed)
    for stage, extra in slowdown.items():
        # Two runs' medians differ by wake-up latency, which a loaded machine stretches to
        # tenths of a millisecond: half the slowdown still tells applied from not applied,
        # and the floor below is exact.
        assert after[stage] - before[stage] >= extra / 2, (stage, before, after)
        # Work ends at a deadline and a sleep never ends early: no frame takes less.
        column = slowed["stages"].index({"name": stage, "kind": "filter"})
        floor = OWN_WORK_MS[stage] + extra
        assert min(row[column] for row in slowed["samples_ms"]) >= floor - 1e-6, stage
    # Both runs sleep the Detector's own 8 ms: what is left of the difference is the 0.7.
    assert after["Detector"] - before["Detector"] < 2 * slowdown["Detector"], (before, after)
    for stage in ("VideoIn", "Tracker"):
        assert abs(after[stage] - before[stage]) < 0.35, (stage, before, after)


@pytest.mark.slow
@pytest.mark.parametrize("value", ["Detecter:0.7", "Detector:0.7,Inference:1"])
def test_a_stage_the_pipeline_does_not_have_is_refused(run_tmp: Path, value: str) -> None:
    """A typo must not measure an unslowed run as if it were slowed."""
    out = run_tmp / "o.json"
    proc = harness(run_tmp, *RUN, "--output", str(out), SCENARIOS_SLOWDOWN=value)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    line = one_clear_line(proc.stderr)
    unknown = value.split(",")[-1].split(":")[0]
    assert "SCENARIOS_SLOWDOWN" in line and unknown in line and "480p_raw" in line, line
    assert "Detector, Tracker" in line  # the stages it could have meant
    assert not out.exists()


@pytest.mark.slow
def test_a_report_refuses_before_running_any_pipeline(run_tmp: Path) -> None:
    proc = harness(
        run_tmp,
        *["report", "-s", "480p_raw", "-s", "1080p_raw", "--frames", "1", "--warmup", "0"],
        SCENARIOS_SLOWDOWN="Detector:0.7",
    )
    assert proc.returncode == 2
    assert "1080p_raw" in one_clear_line(proc.stderr)
    assert proc.stdout == ""


def test_a_bad_value_is_one_line_and_exit_2(run_tmp: Path) -> None:
    proc = harness(run_tmp, *RUN, "--output", str(run_tmp / "o.json"), SCENARIOS_SLOWDOWN="0.7")
    assert proc.returncode == 2
    assert "SCENARIOS_SLOWDOWN" in one_clear_line(proc.stderr)


@pytest.mark.parametrize(
    "value",
    [
        "Detector",
        "Detector:",
        ":0.7",
        "Detector:fast",
        "Detector:-0.7",
        "Detector:nan",
        "Detector:inf",
        "Detector:1e9",
        "Detector:0.7,",
        "Detector=0.7",
        "Detector:0.7;Sink:0.2",
        "Detector:0.7,Detector:0.2",
    ],
)
def test_bad_values_name_the_variable(value: str) -> None:
    with pytest.raises(UsageError, match="SCENARIOS_SLOWDOWN"):
        Settings.from_env({"SCENARIOS_SLOWDOWN": value})


def test_entries_are_parsed_in_order_and_unnamed_stages_get_nothing() -> None:
    s = Settings.from_env({"SCENARIOS_SLOWDOWN": " Detector : 0.7 , Sink:0.2,Tracker:0"})
    assert s.slowdown_ms == (("Detector", 0.7), ("Sink", 0.2), ("Tracker", 0.0))
    assert (s.slowdown_of("Detector"), s.slowdown_of("VideoIn")) == (0.7, 0.0)
    assert (
        Settings.from_env({}).slowdown_ms
        == Settings.from_env({"SCENARIOS_SLOWDOWN": ""}).slowdown_ms
        == ()
    )
