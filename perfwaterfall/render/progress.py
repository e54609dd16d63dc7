"""The live progress display on stderr while rounds run (an engine Observer)."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from perfwaterfall.measure.plan import PlannedRound


class ProgressDisplay:
    """Scenario, side and round, elapsed time and an estimate of what is left."""

    def __init__(self, console: Console, rounds_per_side: int) -> None:
        self._rounds = rounds_per_side
        self._labels: Sequence[str] = ()
        self._undecided = ""
        self._progress = Progress(
            SpinnerColumn(style="pw.border"),
            TextColumn("[pw.heading]{task.description}"),
            BarColumn(complete_style="pw.border", finished_style="pw.border"),
            MofNCompleteColumn(),
            TextColumn("rounds ·"),
            TimeElapsedColumn(),
            TextColumn("· left"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressDisplay:
        # Live display only on a terminal: in a CI log it would be noise on stderr.
        if self._progress.console.is_terminal:
            self._progress.start()
            self._task = self._progress.add_task("starting", total=None)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._progress.stop()

    def stage(self, text: str) -> None:
        self._update(description=text)

    def planned(self, rounds: Sequence[PlannedRound], labels: Sequence[str]) -> None:
        self._labels = labels
        self._update(total=len(rounds), completed=0)

    def round_started(self, planned: PlannedRound) -> None:
        label = self._labels[planned.side] if self._labels else str(planned.side)
        if self._undecided:
            where = f"round {planned.round_index + 1} · {self._undecided}"
        else:
            where = f"round {planned.round_index + 1}/{self._rounds}"
        self._update(description=f"{planned.scenario} · {label} · {where}")

    def round_finished(self, planned: PlannedRound) -> None:
        if self._task is not None:
            self._progress.advance(self._task)

    def adapting(self, undecided: Sequence[str], rounds_done: int) -> None:
        """More rounds for what is still undecided: the line says which pipelines."""
        self._undecided = "undecided: " + ", ".join(undecided)

    def _update(self, **fields: object) -> None:
        if self._task is not None:
            self._progress.update(self._task, **fields)  # type: ignore[arg-type]
