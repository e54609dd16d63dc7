"""Command-line parameters that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from perfwaterfall.export.formats import FORMATS
from perfwaterfall.present.substages import Unfold

Frames = Annotated[int, typer.Option(help="Measured frames per round.")]
Warmup = Annotated[int, typer.Option(help="Warm-up frames per round, not measured.")]
Rounds = Annotated[int, typer.Option(help="Rounds per side, interleaved A B B A.")]
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
    int, typer.Option("--max-rounds", help="With --rounds auto: at most this many.")
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
        metavar="NAME",
        help="Scenario to run (repeatable; default: all at HEAD).",
    ),
]
Waterfall = Annotated[
    str | None,
    typer.Option(help="Pipeline to draw as a waterfall (default: the one that changed most)."),
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
        "--harness", help='Harness command, e.g. "python -m scenarios" ({python} allowed).'
    ),
]
Threshold = Annotated[
    float, typer.Option(help="Smallest change in % that counts as real (with p < 0.05).")
]
Timeout = Annotated[float, typer.Option(help="Seconds one harness round may take.")]
Repo = Annotated[Path, typer.Option("--repo", help="Repository to measure (any directory in it).")]
Format = Annotated[str, typer.Option("--format", help=f"Output format: {', '.join(FORMATS)}.")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write the output to PATH.")]
Save = Annotated[
    Path | None, typer.Option("--save", help="Save every raw round as a bundle (JSON) to PATH.")
]
Svg = Annotated[Path | None, typer.Option("--svg", help="Also write the rendering as SVG.")]
Html = Annotated[Path | None, typer.Option("--html", help="Also write the rendering as HTML.")]
Gate = Annotated[
    float | None,
    typer.Option(
        "--fail-on-regression",
        help="Exit 3 if a frame time or IPC overhead got significantly slower by more than PCT.",
        metavar="PCT",
    ),
]
