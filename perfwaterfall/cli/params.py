"""Command-line parameters that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from perfwaterfall.cli.options import threshold_checked
from perfwaterfall.export.formats import FORMATS
from perfwaterfall.present.substages import Unfold

Frames = Annotated[int, typer.Option(metavar="N", help="Measured frames per round.")]
Warmup = Annotated[int, typer.Option(metavar="N", help="Warm-up frames per round, not measured.")]
Rounds = Annotated[int, typer.Option(metavar="N", help="Rounds per side, interleaved A B B A.")]
AdaptiveRounds = Annotated[
    str,
    typer.Option(
        "--rounds",
        metavar="auto|N",
        help="Rounds per side, interleaved A B B A. auto: 5, then more only for "
        "pipelines whose frame or IPC verdict is undecided.",
    ),
]
MaxRounds = Annotated[
    int, typer.Option("--max-rounds", metavar="N", help="With --rounds auto: at most this many.")
]
Budget = Annotated[
    float | None,
    typer.Option(
        "--budget", metavar="SECONDS", help="With --rounds auto: start no more rounds after this."
    ),
]
Scenarios = Annotated[
    list[str] | None,
    typer.Option(
        "--scenario",
        "-s",
        metavar="PATTERN",
        help="Scenarios to run: a name or a glob such as '4k_*' (repeatable; default: all).",
    ),
]
Waterfall = Annotated[
    str | None,
    typer.Option(
        metavar="NAME", help="Pipeline to draw as a waterfall (default: the one that changed most)."
    ),
]
Substages = Annotated[
    Unfold,
    typer.Option(
        "--substages",
        help="Waterfall rows that unfold into their sub-stages: changed (a part not ~ same), "
        "all, or none.",
    ),
]
DEFAULT_SUBSTAGES = Unfold.CHANGED
HarnessCmd = Annotated[
    str | None,
    typer.Option(
        "--harness",
        metavar="COMMAND",
        help='Harness command, e.g. "python -m scenarios" ({python} allowed).',
    ),
]
Threshold = Annotated[
    float,
    typer.Option(
        metavar="PCT",
        callback=threshold_checked,
        help="The margin of 'same': a change whose interval lies within ±PCT% is called same. "
        "Whether a change is real (faster, slower) does not depend on it.",
    ),
]
Timeout = Annotated[
    float, typer.Option(metavar="SECONDS", help="Seconds one harness round may take.")
]
Repo = Annotated[
    Path,
    typer.Option("--repo", metavar="DIR", help="Repository to measure (any directory in it)."),
]
Format = Annotated[str, typer.Option("--format", metavar="|".join(FORMATS), help="Output format.")]
Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="PATH", help="Write the output to PATH."),
]
Save = Annotated[
    Path | None,
    typer.Option("--save", metavar="PATH", help="Save every raw round as a bundle (JSON) to PATH."),
]
Svg = Annotated[
    Path | None, typer.Option("--svg", metavar="PATH", help="Also write the rendering as SVG.")
]
Html = Annotated[
    Path | None,
    typer.Option("--html", metavar="PATH", help="Also write the rendering as HTML."),
]
Gate = Annotated[
    float | None,
    typer.Option(
        "--fail-on-regression",
        help="Exit 3 if a frame time or IPC overhead got significantly slower by more than PCT.",
        metavar="PCT",
    ),
]
KeepAwakeFlag = Annotated[
    bool | None,
    typer.Option(
        "--keep-awake/--no-keep-awake",
        help="Hold the CPUs out of deep idle while rounds run (PM QoS /dev/cpu_dma_latency "
        "at 0; default: on unless $PERF_WATERFALL_KEEP_AWAKE=0). Both sides run under it.",
        show_default=False,
    ),
]
