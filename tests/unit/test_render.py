"""Exact-output tests of the terminal rendering at a fixed width (after rich's tests/render.py)."""

import io
import subprocess
import sys
from pathlib import Path

import pytest

from perfwaterfall.render.spans import axis, axis_limit, nice_ticks, span
from perfwaterfall.render.terminal import make_console, print_report
from perfwaterfall.render.theme import FASTER, SLOWER
from perfwaterfall.store.bundle import Failure
from tests.helpers.consoles import truecolor_console
from tests.helpers.golden import assert_golden
from tests.unit.builders import ladder_comparison, report

GOLDEN = Path(__file__).parent / "golden"


def render(rep, width=100, **console_kw) -> str:
    out = io.StringIO()
    console = make_console(file=out, width=width, **console_kw)
    print_report(console, rep)
    return out.getvalue()


def test_report_matches_golden_text():
    text = render(
        report(
            ladder_comparison(),
            commits=(("d4e5f6a", "Send without copying"),),
            commits_total=3,
            warnings=("4k_raw: base is noisy",),
        )
    )
    assert_golden(GOLDEN / "report_w100.txt", text)


def test_real_changes_are_marked_and_noise_is_tilde():
    text = render(report(ladder_comparison()))
    hop1 = next(line for line in text.splitlines() if "hop 1" in line and "ms" in line)
    assert "-11.0 ms -62.8%" in hop1 and "~" not in hop1 and "?" not in hop1
    detector_after = [line for line in text.splitlines() if "Detector" in line][-1]
    assert "~ +" in detector_after or "~ -" in detector_after
    assert "faster" in text and "same ±" in text
    assert "geomean frame time across 2 pipelines" in text


def test_truecolor_uses_green_for_faster_and_no_colour_has_no_escapes():
    console = truecolor_console()
    print_report(console, report(ladder_comparison()))
    ansi = console.file.getvalue()
    r, g, b = (int(FASTER[i : i + 2], 16) for i in (1, 3, 5))
    assert f"38;2;{r};{g};{b}" in ansi
    r, g, b = (int(SLOWER[i : i + 2], 16) for i in (1, 3, 5))
    assert f"38;2;{r};{g};{b}" not in ansi  # nothing got slower
    plain = render(report(ladder_comparison()), no_color=True)
    assert "\x1b[" not in plain


def test_colours_degrade_to_eight_colours():
    # A process of its own: rich caches ANSI codes per style, not per colour system.
    code = (
        "import io, sys;"
        "from rich.console import Console;"
        "from perfwaterfall.render.terminal import print_report;"
        "from perfwaterfall.render.theme import make_theme;"
        "from tests.unit.builders import ladder_comparison, report;"
        "c = Console(file=io.StringIO(), width=100, force_terminal=True,"
        " color_system='standard', theme=make_theme());"
        "print_report(c, report(ladder_comparison()));"
        "sys.stdout.write(c.file.getvalue())"
    )
    ansi = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    ).stdout
    assert "38;2;" not in ansi and "92m" in ansi  # bright green, the 8-colour 'faster'


def test_failure_panel_shows_message_and_stderr_tail():
    text = render(
        report(
            ladder_comparison(),
            failure=Failure("head HEAD 4k_raw round 2 failed", "Traceback\nBoom"),
        )
    )
    assert "Run failed" in text and "round 2 failed" in text and "Boom" in text


def test_a_report_with_no_finished_scenario_still_renders_header():
    from perfwaterfall.analysis.comparison import Comparison

    text = render(report(Comparison((), 2.0), failure=Failure("base main 4k_raw round 1 failed")))
    assert "perf-waterfall" in text and "round 1 failed" in text
    assert "Frame waterfall" not in text


@pytest.mark.parametrize(
    ("begin", "end", "expected"),
    [
        (0, 4, "████    "),
        (0, 0.5, "▌       "),
        (0.5, 1, "▐       "),
        (0, 0.001, "▏       "),
        (2, 3.25, "  █▎    "),
        (7.9, 8, "       ▕"),
    ],
)
def test_span_has_eighth_cell_precision(begin, end, expected):
    assert span(begin, end, 8, 8, "x").plain == expected


def test_ticks_are_round_and_the_axis_ends_on_one():
    assert nice_ticks(33.7) == [0, 5, 10, 15, 20, 25, 30]
    assert axis_limit(55.04) == 60
    lines = axis(60, 61).plain.splitlines()
    assert lines[0].startswith("└") and lines[0].endswith("┘")
    assert lines[1].startswith("0 ms") and lines[1].rstrip().endswith("60")


def test_a_commit_named_by_its_sha_shows_the_sha_once():
    from perfwaterfall.analysis.report import SideInfo
    from perfwaterfall.export.exporters import to_markdown
    from tests.unit.builders import ref

    by_sha = SideInfo("base", ref("a1b2c3d", "a1b2c3d", "Baseline transport"))
    rep = report(ladder_comparison(), base=by_sha)
    text = render(rep, no_color=True)
    assert "a1b2c3d" in text and "a1b2c3d a1b2c3d" not in text and "a1b2c3d  a1b2c3d" not in text
    assert "d4e5f6a" in text  # HEAD is a name: its sha is shown beside it
    md = to_markdown(rep)
    assert "a1b2c3d (a1b2c3d)" not in md and "HEAD (d4e5f6a)" in md


def test_shown_sha_hides_only_a_sha_the_user_typed():
    from perfwaterfall.measure.refs import WORKTREE, RefInfo

    sha = "cafe1234" + "0" * 32

    def shown(name: str, full: str = sha) -> str:
        return RefInfo(name=name, sha=full, short="cafe123", subject="s").shown_sha

    assert shown("cafe123") == shown("CAFE1234") == ""
    assert shown("main") == shown("HEAD~1") == "cafe123"
    assert shown("cafe12x") == "cafe123"  # not hex: a branch name
    assert shown("beef") == "cafe123"  # hex, but not this commit's sha
    assert shown(WORKTREE, WORKTREE) == "cafe123"
