"""Where a report goes: the terminal or a file, in a format, plus pictures and the gate."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from perfwaterfall.analysis.gate import regressions, unlike_note
from perfwaterfall.analysis.report import Report, SweepReport
from perfwaterfall.cli.options import OutputOptions
from perfwaterfall.errors import EXIT_REGRESSION, EXIT_RUN_FAILED, EXIT_USAGE, UsageError
from perfwaterfall.export.exporters import SWEEP_FORMATS, TEXT_FORMATS
from perfwaterfall.render.selfcontained import offline_svg
from perfwaterfall.render.sweep import print_sweep
from perfwaterfall.render.terminal import Draw, make_console, plain_text, print_report, recorded
from perfwaterfall.store.atomic import write_atomically


def emit_report(report: Report, options: OutputOptions) -> int:
    """Write a comparison where it was asked for; return the exit code it calls for."""
    report = replace(report, gate_pct=options.fail_on_regression)
    _emit(
        lambda console: print_report(console, report),
        lambda fmt: TEXT_FORMATS[fmt](report),
        options,
        extra_html=_diff_flamegraph_html(report),
    )
    return exit_code(report, options.fail_on_regression)


def emit_sweep(sweep: SweepReport, options: OutputOptions) -> int:
    _emit(
        lambda console: print_sweep(console, sweep),
        lambda fmt: SWEEP_FORMATS[fmt](sweep),
        options,
    )
    if sweep.first_last.failure is not None:
        return EXIT_RUN_FAILED
    if not any(c.scenarios for c in (*sweep.comparisons, sweep.first_last.comparison)):
        return _nothing_compared(sweep.first_last.planned_rounds)
    return 0


def write_diff_flamegraph(report: Report) -> None:
    """The differential flamegraph next to py-spy's SVGs, when a profile was made."""
    profile = report.profile
    if profile is None or profile.flamegraph is None or profile.diff_svg is None:
        return
    from perfwaterfall.flamegraph.svg import to_svg

    _write(profile.diff_svg, to_svg(profile.flamegraph))


def _diff_flamegraph_html(report: Report) -> str:
    """The differential flamegraph inlined (script and all) for the HTML export, so one
    file carries the whole story; empty without a profile."""
    profile = report.profile
    if profile is None or profile.flamegraph is None:
        return ""
    from perfwaterfall.flamegraph.svg import to_html_fragment

    return to_html_fragment(profile.flamegraph)


def _emit(
    draw: Draw, export: Callable[[str], str], options: OutputOptions, extra_html: str = ""
) -> None:
    if options.format == "terminal":
        if options.output is None:
            draw(make_console(no_color=options.no_color))
        else:
            _write(options.output, plain_text(draw))
    else:
        text = export(options.format)
        if options.output is None:
            sys.stdout.write(text)
        else:
            _write(options.output, text)
    if options.svg is not None:
        _write(options.svg, offline_svg(recorded(draw).export_svg(title="perf-waterfall")))
    if options.html is not None:
        html = recorded(draw).export_html()
        if extra_html:
            html = html.replace("</body>", f"{extra_html}\n</body>", 1)
        _write(options.html, html)


def exit_code(report: Report, fail_on_regression: float | None) -> int:
    if report.failure is not None:
        return EXIT_RUN_FAILED
    if not report.comparison.scenarios:
        return _nothing_compared(report.planned_rounds)
    if fail_on_regression is not None:
        found = regressions(report.comparison, fail_on_regression)
        note = unlike_note(report.comparison, failed=bool(found))
        if found:
            print(
                f"perf-waterfall: regression over {fail_on_regression:g}%: " + "; ".join(found),
                file=sys.stderr,
            )
        if note is not None:
            print(f"perf-waterfall: {note}", file=sys.stderr)
        if found:
            return EXIT_REGRESSION
    return 0


def _nothing_compared(rounds: int) -> int:
    """Comparing nothing is no pass: a regression gate must not go green on it."""
    print(
        f"perf-waterfall: no scenario was compared: none has its {rounds} rounds on both sides",
        file=sys.stderr,
    )
    return EXIT_USAGE


def _write(path: Path, text: str) -> None:
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
