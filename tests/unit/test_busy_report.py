"""A bundle measured on a busy machine says so, beside every verdict it weakens."""

from dataclasses import replace

from perfwaterfall.analysis.build import build_report
from perfwaterfall.export.markdown import to_markdown
from tests.unit.builders import ladder_bundle

QUIET = {"version": 1, "cpus": 2, "load_avg": [0.1, 0.1, 0.1], "others_cpu": 0.02, "top": []}
BUSY = {
    **QUIET,
    "load_avg": [1.9, 1.5, 1.2],
    "others_cpu": 1.0,
    "top": [{"pid": 42, "name": "spin", "cpu": 1.0}],
}


def report_with(before: dict, after: dict):
    bundle = ladder_bundle()
    return build_report(
        replace(bundle, extra={"load": {"before": before, "after": after}}), threshold_pct=2.0
    )


def test_a_quiet_machine_adds_nothing():
    report = report_with(QUIET, QUIET)
    assert not report.busy
    assert not any("busy machine" in w for w in report.warnings)
    assert "busy machine" not in to_markdown(report)


def test_a_busy_machine_warns_and_marks_the_verdicts_it_weakens():
    report = report_with(BUSY, BUSY)
    assert report.busy
    (warning,) = [w for w in report.warnings if w.startswith("busy machine")]
    assert "spin pid 42" in warning
    table = [ln for ln in to_markdown(report).splitlines() if ln.startswith("| ")]
    rows = {line.split("|")[1].strip(): line for line in table}
    faster = next(line for name, line in rows.items() if "4k" in name)
    same = next(line for name, line in rows.items() if "480p" in name)
    assert "**faster** (-40.2% … -38.8%; busy machine)" in faster
    assert "busy machine" not in same  # a 'same' holds however noisy the rounds were
