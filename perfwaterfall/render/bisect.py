"""What bisect prints: one line per probe as it goes, then the commit or the range."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from perfwaterfall.analysis.stats import Change
from perfwaterfall.history.bisect import Probe
from perfwaterfall.history.commits import Commit
from perfwaterfall.history.search import Outcome
from perfwaterfall.present.numbers import change_text, one_line, verdict

OUTCOME_STYLE = {
    Outcome.GOOD: "pw.faster",
    Outcome.BAD: "pw.slower",
    Outcome.SKIPPED: "pw.undecided",
    Outcome.FAILED: "pw.error",
}
SUBJECT_WIDTH = 40


def commit_text(commit: Commit) -> Text:
    subject = one_line(commit.subject)
    if len(subject) > SUBJECT_WIDTH:
        subject = subject[: SUBJECT_WIDTH - 1] + "…"
    return Text.assemble((commit.short, "pw.sha"), " ", (subject, "pw.label"))


def probe_line(probe: Probe, step: int) -> Text:
    """'probe 2 · abc1234 subject · +1.02 ms +5.1% (slower) vs GOOD · … · 5 rounds → bad'."""
    line = Text.assemble((f"probe {step} · ", "pw.dim"), commit_text(probe.commit), " · ")
    if probe.outcome is Outcome.FAILED:
        line.append(f"harness failed: {one_line(probe.message)}", "pw.error")
    else:
        line.append_text(_against(probe.vs_good, "GOOD"))
        line.append(" · ", "pw.dim")
        line.append_text(_against(probe.vs_bad, "BAD", reverse=True))
        line.append(f" · {probe.rounds} rounds", "pw.dim")
    line.append(" → ", "pw.dim")
    line.append(probe.outcome.value, OUTCOME_STYLE[probe.outcome])
    return line


def _against(change: Change | None, endpoint: str, *, reverse: bool = False) -> Text:
    if change is None:
        return Text(f"not measured vs {endpoint}", "pw.dim")
    word = verdict(change)
    style = {"faster": "pw.faster", "slower": "pw.slower", "same": "pw.noise"}.get(
        word, "pw.undecided"
    )
    if word == "same":
        relation = f"same as {endpoint}"
    elif word == "undecided":
        relation = (
            f"{endpoint} against it undecided" if reverse else f"undecided against {endpoint}"
        )
    else:
        relation = f"{endpoint} is {word} than it" if reverse else f"{word} than {endpoint}"
    return Text.assemble(change_text(change), " (", (relation, style), ")")


def print_range(console: Console, commits: Sequence[Commit], probes: Sequence[Probe]) -> None:
    """The commits the answer lies in, each with what its probe said, if it was probed."""
    said = {p.commit.sha: p for p in probes}
    console.print(
        Text.assemble(
            ("The regression lies in one of these ", "pw.heading"),
            (str(len(commits)), "pw.heading"),
            (" commits (skipped probes hide which):", "pw.heading"),
        )
    )
    for commit in commits:
        probe = said.get(commit.sha)
        line = Text("  ").append_text(commit_text(commit))
        line.append(f"  {commit.date}", "pw.dim")
        if probe is not None:
            line.append(f"  {probe.outcome.value}", OUTCOME_STYLE[probe.outcome])
            if probe.message:
                line.append(f": {one_line(probe.message)}", "pw.dim")
        console.print(line)


def print_found(console: Console, commit: Commit, what: str) -> None:
    console.print(
        Text.assemble(
            ("First commit where the ", "pw.heading"),
            (what, "pw.heading"),
            (" became slower: ", "pw.heading"),
            commit_text(commit),
            (f"  {commit.date}", "pw.dim"),
        )
    )


def print_skipped(console: Console, probes: Sequence[Probe]) -> None:
    """Every commit skipped because its harness failed, by name: never a silent gap."""
    for probe in probes:
        if probe.outcome is Outcome.FAILED:
            line = Text.assemble(
                ("skipped, harness failed: ", "pw.warning"), commit_text(probe.commit)
            )
            console.print(line)
