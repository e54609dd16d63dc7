"""The markdown a PR reviewer reads: verdicts counted, the gate's state, warnings in view,
a legend for every mark, and a Reproduce line without the run's temporary paths."""

from __future__ import annotations

import re
from dataclasses import replace

from perfwaterfall.analysis.build import build_report
from perfwaterfall.export.markdown import to_markdown
from perfwaterfall.export.reproduce import reproduce
from perfwaterfall.protocol.document import Stage
from tests.unit.builders import bundle, ladder_bundle, rounds

KIT = (Stage("load", "stage"), Stage("process", "stage"))


def markdown(data, gate: float | None = None) -> str:
    return to_markdown(replace(build_report(data, threshold_pct=2.0), gate_pct=gate))


def slower_bundle(**kw):
    """A harness without ipc stages whose 'app' got 30% slower."""
    names = dict(name="app", label="a small app", stages=KIT)
    return bundle(
        {"app": rounds([4.0, 6.0], seed=1, **names)},
        {"app": rounds([4.0, 9.0], seed=2, **names)},
        **kw,
    )


def test_the_headline_counts_verdicts_and_states_the_gate():
    ladder = markdown(ladder_bundle(), gate=5)
    assert "**1 faster** · 1 same of 2 scenarios (frame time)" in ladder
    assert "regression gate >5%: passed" in ladder
    slower = markdown(slower_bundle(), gate=5)
    assert "**1 slower** of 1 scenario" in slower
    assert "regression gate >5%: **failed** (app frame time +30" in slower
    assert "no regression gate" in markdown(ladder_bundle())
    assert markdown(slower_bundle(), gate=50).count("regression gate >50%: passed") == 1


def test_warnings_are_outside_the_collapsed_details():
    text = markdown(replace(ladder_bundle(), warnings=("base is noisy",)))
    assert "> - base is noisy" in text
    assert text.index("base is noisy") < text.index("<details>")
    assert text.count("base is noisy") == 1


def test_every_mark_in_the_table_is_in_the_legend():
    text = markdown(ladder_bundle())
    (legend,) = [ln for ln in text.splitlines() if ln.startswith("*Marks:*")]
    table = "\n".join(ln for ln in text.splitlines() if ln.startswith("| "))
    for mark in ("\\~", "?", "…", "≥", "**"):
        if mark in table:
            assert mark in legend, mark
    assert "\\~" in table and "≥" in table and "…" in table  # the fixture uses them


def test_a_harness_without_ipc_stages_has_no_pipeline_columns():
    text = markdown(slower_bundle())
    header = next(ln for ln in text.splitlines() if ln.startswith("| "))
    assert header == "| Pipeline | Frame time (ms) | Verdict |"
    assert "IPC" not in text and "hop" not in text.lower() and "fps" not in text


def test_reproduce_names_the_refs_and_options_and_no_temporary_path():
    runner = "/home/runner/work/_temp/perf-waterfall"
    command = (
        f"perf-waterfall --no-color compare --scenario 'a b' --threshold 3 --frames 5 "
        f"--format markdown --output {runner}/pw.md --save={runner}/pw.json "
        f"--svg {runner}/pw.svg --same-harness --repo {runner}/repo"
    )
    text = markdown(replace(ladder_bundle(), command=command))
    (line,) = re.findall(r"^perf-waterfall .*$", text, flags=re.M)
    assert line == (
        "perf-waterfall compare main HEAD --scenario 'a b' --threshold 3 --frames 5 --same-harness"
    )
    assert "_temp" not in text


def test_reproduce_keeps_other_commands_refs_and_refuses_nonsense():
    assert reproduce("perf-waterfall sweep HEAD --env K=a,b -o /tmp/x", "HEAD", "HEAD") == (
        "perf-waterfall sweep HEAD --env K=a,b"
    )
    assert reproduce("perf-waterfall compare", "origin/main", "HEAD") == (
        "perf-waterfall compare origin/main HEAD"
    )
    assert reproduce("unbalanced 'quote", "a", "b") == ""
    assert reproduce("", "a", "b") == ""
