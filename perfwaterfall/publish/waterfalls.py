"""The waterfall behind a change point: its commit against the commit before it, drawn
from the stored rounds as ``show --html`` draws a comparison (one self-contained file)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from perfwaterfall.analysis.build import build_report
from perfwaterfall.history.cache import TaggedRound
from perfwaterfall.history.pairing import paired_rounds
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.render.terminal import print_report, recorded
from perfwaterfall.results.rows import Setup, StoredCommit
from perfwaterfall.results.store import ResultsStore
from perfwaterfall.store.atomic import write_atomically
from perfwaterfall.store.bundle import Bundle, BundleSide

THRESHOLD_PCT = 2.0


def write_waterfall(
    store: ResultsStore,
    setup: Setup,
    scenario: str,
    before: StoredCommit,
    after: StoredCommit,
    path: Path,
) -> None:
    def tagged(commit: StoredCommit) -> list[TaggedRound]:
        rounds = store.rounds(setup, commit.sha, scenario).get(scenario, [])
        return [TaggedRound(session, result) for session, result in rounds]

    base, head = paired_rounds(tagged(before), tagged(after))
    bundle = Bundle(
        sides=(
            BundleSide("before", _ref(before), {}, {scenario: base}),
            BundleSide("after", _ref(after), {}, {scenario: head}),
        ),
        scenarios=(head[-1].scenario,),
        frames=setup.frames,
        warmup=setup.warmup,
        planned_rounds=len(head),
        machine=setup.machine,
        commits=((after.short, after.subject),),
        commits_total=1,
        command="perf-waterfall publish",
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    report = build_report(bundle, threshold_pct=THRESHOLD_PCT, waterfall=scenario)
    html = recorded(lambda console: print_report(console, report)).export_html()
    write_atomically(path, html)


def _ref(commit: StoredCommit) -> RefInfo:
    return RefInfo(name=commit.short, sha=commit.sha, short=commit.short, subject=commit.subject)
