"""Run the harness protocol in a worktree: argv, environment, timeout, process group.

The only module that starts harness processes (through ``procgroup``). Every run is a
new session with its output in files (a pipe can fill and block the harness), and
its whole process group is ended before we return or raise, whatever happened.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from perfwaterfall.errors import HarnessFailed, InvalidDocument, UsageError
from perfwaterfall.measure import processes as procgroup
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.measure.scratch import scratch_dir
from perfwaterfall.measure.spans_round import ReceiverUnavailable, SpanRound, collecting_spans
from perfwaterfall.protocol.document import MAX_DOCUMENT_BYTES, RoundResult, ScenarioInfo
from perfwaterfall.protocol.harness_spec import HarnessSpec, expand_argv
from perfwaterfall.protocol.loading import load_results, loads_json
from perfwaterfall.protocol.parsing import parse_results, parse_scenario_list
from perfwaterfall.protocol.sanitize import shown_lines

STDERR_TAIL_LINES = 20
# Enough for the tail of any sane harness output; a runaway log is not read whole.
_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class SideCheckout:
    """One side of a comparison: where it is checked out and what it adds to the environment."""

    label: str  # "base"/"head" or a sweep value
    ref: RefInfo
    worktree: Path
    env: Mapping[str, str]  # the user's KEY=VALUE for this side


# ---------------------------------------------------------------- environment


def harness_env(side: SideCheckout, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the harness processes of a side (docs/harness-protocol.md, Invocation).

    ``extra`` (where spans go) comes before the user's own variables, which win.
    """
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    root = str(side.worktree)
    env["PYTHONPATH"] = f"{root}{os.pathsep}{old}" if old else root
    env["PERF_WATERFALL_REF"] = side.ref.name
    env["PERF_WATERFALL_SHA"] = side.ref.sha
    env.update(extra or {})
    env.update(side.env)
    return env


# ---------------------------------------------------------------- running


def list_scenarios(
    spec: HarnessSpec, side: SideCheckout, *, timeout: float = 60
) -> tuple[ScenarioInfo, ...]:
    """``HARNESS list`` at one side: the scenarios its harness offers."""
    what = f"{_who(side)}: listing scenarios"
    with scratch_dir("list") as tmp:
        argv = [*expand_argv(spec.argv), "list"]
        out = _run(argv, side, tmp, timeout=timeout, what=what)
        where = f"{what}: the output of `list`"
        try:
            with out.open("rb") as f:  # a runaway output is refused, not read whole
                text = f.read(MAX_DOCUMENT_BYTES + 1)
            return parse_scenario_list(loads_json(text, where), where)
        except InvalidDocument as exc:
            raise HarnessFailed(str(exc), side=side.label, ref=side.ref.name) from None


def run_setup(spec: HarnessSpec, side: SideCheckout, *, timeout: float) -> None:
    """Run the ``setup`` argv once in a fresh worktree; its failure aborts the side."""
    if not spec.setup:
        return
    with scratch_dir("setup") as tmp:
        what = f"{_who(side)}: setup"
        _run(expand_argv(spec.setup), side, tmp, timeout=timeout, what=what)


def graft(spec: HarnessSpec, head_root: Path, base_worktree: Path) -> None:
    """Copy the ``graft`` paths from head into base: same bench, the base's runtime."""
    base = base_worktree.resolve()
    for rel in spec.graft:
        src, dst = head_root / rel, base_worktree / rel
        if not os.path.lexists(src):
            raise UsageError(f"graft path {rel!r} does not exist in {head_root}")
        if not dst.parent.resolve().is_relative_to(base):
            raise UsageError(f"graft path {rel!r} leads outside {base_worktree}")
        _remove(dst)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir() and not src.is_symlink():
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copy2(src, dst, follow_symlinks=False)


def run_round(
    spec: HarnessSpec,
    side: SideCheckout,
    *,
    scenario: str,
    frames: int,
    warmup: int,
    round_index: int,
    timeout: float,
    wrap: Sequence[str] | None = None,
) -> RoundResult:
    """One ``HARNESS run``: one round of one scenario at one side.

    ``round_index`` is 0-based (HarnessFailed keeps it so); messages count from 1.
    ``wrap`` is an argv prefix such as ``py-spy record ... --``.
    """
    what = describe_round(side, scenario, round_index)
    names = {"side": side.label, "ref": side.ref.name, "scenario": scenario}
    with scratch_dir("round") as tmp, _spans_for(spec, tmp, what, round_index, names) as spans:
        output = tmp / "results.json"
        args = ["run", "--scenario", scenario, "--frames", str(frames), "--warmup", str(warmup)]
        argv = [*(wrap or ()), *expand_argv(spec.argv), *args, "--output", str(output)]
        _run(
            argv,
            side,
            Path(tmp),
            timeout=timeout,
            what=what,
            round_index=round_index,
            names=names,
            extra_env=spans.env if spans else None,
        )
        try:
            if spans is None:
                result = load_results(output, "results document")
            else:  # the spans are the stage times; a document the harness wrote is not read
                doc = spans.document(scenario=scenario, frames=frames, warmup=warmup)
                result = parse_results(doc, "spans")
        except InvalidDocument as exc:
            tail = _tail(Path(tmp, "stderr"))
            raise HarnessFailed(
                f"{what}: {exc}", round_index=round_index, stderr_tail=tail, **names
            ) from None
    if result.scenario.name != scenario:
        raise HarnessFailed(
            f"{what}: the harness wrote results for scenario {result.scenario.name!r}",
            round_index=round_index,
            **names,
        )
    return result


@contextmanager
def _spans_for(
    spec: HarnessSpec, tmp: Path, what: str, round_index: int, names: Mapping[str, str]
) -> Iterator[SpanRound | None]:
    """The round's span collection (None without ``spans``); a receiver that cannot
    listen fails the round, naming it."""
    with ExitStack() as stack:
        try:
            spans = stack.enter_context(collecting_spans(spec.spans, tmp))
        except ReceiverUnavailable as exc:
            raise HarnessFailed(f"{what}: {exc}", round_index=round_index, **names) from None
        yield spans


def describe_round(side: SideCheckout, scenario: str, round_index: int) -> str:
    """How messages name a round: side, ref, scenario, and the round counted from 1."""
    return f"{_who(side)}, scenario {scenario!r}, round {round_index + 1}"


def _who(side: SideCheckout) -> str:
    return f"{side.label} ({side.ref.name})"


def _run(
    argv: Sequence[str],
    side: SideCheckout,
    tmp: Path,
    *,
    timeout: float,
    what: str,
    round_index: int | None = None,
    names: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Path:
    """Run one process with its output in ``tmp``; its stdout file, or HarnessFailed."""
    names = names or {"side": side.label, "ref": side.ref.name}
    stdout_path, stderr_path = tmp / "stdout", tmp / "stderr"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        try:
            status = procgroup.run_in_group(
                argv,
                cwd=side.worktree,
                env=harness_env(side, extra_env),
                stdout=out,
                stderr=err,
                timeout=timeout,
            )
        except procgroup.GroupTimeout:
            problem = f"timed out after {timeout:g}s"
        except OSError as exc:
            problem = f"cannot start {argv[0]!r} ({exc.strerror or exc})"
        else:
            problem = "" if status == 0 else _describe_status(status)
    if problem:
        tail = _tail(stderr_path) or _tail(stdout_path)
        raise HarnessFailed(
            f"{what}: {problem}", round_index=round_index, stderr_tail=tail, **names
        )
    return stdout_path


def _describe_status(status: int) -> str:
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"harness was killed by {name}"
    return f"harness exited with status {status}"


def _tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    """The last ``lines`` lines of a file, reading at most its last 64 KiB, shown safely.

    A harness's stderr is anything it printed: its escape sequences would reach our
    terminal, so each line's control characters are made visible (sanitize.py).
    """
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - _TAIL_BYTES))
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace").rstrip()
    return "\n".join(shown_lines(text).split("\n")[-lines:])


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
