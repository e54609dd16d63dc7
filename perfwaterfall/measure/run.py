"""One measurement: refs -> worktrees -> interleaved harness rounds -> raw results.

This is the only place that sequences git, the harness and the plan; it knows
nothing of rendering (progress goes through the ``Observer`` protocol) and
nothing of statistics (it hands back raw rounds).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from perfwaterfall.analysis.adaptive import next_look
from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.errors import HarnessFailed, UsageError
from perfwaterfall.measure import harness, harness_check, scratch, selection, signals
from perfwaterfall.measure.keep_awake import kept_awake, wanted
from perfwaterfall.measure.plan import PlannedRound, interleave
from perfwaterfall.measure.refs import RefInfo, open_repo, resolve_ref
from perfwaterfall.measure.worktrees import checked_out, remove_leftover_worktrees
from perfwaterfall.profile.rounds import ProfileData, ProfileSettings, profile_all
from perfwaterfall.protocol.document import RoundResult, ScenarioInfo
from perfwaterfall.protocol.harness_spec import HarnessSpec, load_harness_spec
from perfwaterfall.protocol.naming import stage_names


class Observer(Protocol):
    """Told what the engine is doing, e.g. to draw a progress display."""

    def stage(self, text: str) -> None: ...

    def planned(self, rounds: Sequence[PlannedRound], labels: Sequence[str]) -> None: ...

    def round_started(self, planned: PlannedRound) -> None: ...

    def round_finished(self, planned: PlannedRound) -> None: ...

    def adapting(self, undecided: Sequence[str], rounds_done: int) -> None: ...


class QuietObserver:
    def stage(self, text: str) -> None:
        pass

    def planned(self, rounds: Sequence[PlannedRound], labels: Sequence[str]) -> None:
        pass

    def round_started(self, planned: PlannedRound) -> None:
        pass

    def round_finished(self, planned: PlannedRound) -> None:
        pass

    def adapting(self, undecided: Sequence[str], rounds_done: int) -> None:
        pass


@dataclass(frozen=True)
class SideRequest:
    """One side to measure: a ref as the user wrote it, a label, extra env."""

    label: str
    ref: str
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Measurement:
    """Raw rounds per scenario per side, as measured; ``failure`` if a round failed."""

    refs: list[RefInfo]
    labels: list[str]
    envs: list[dict[str, str]]
    scenarios: list[ScenarioInfo]
    rounds: dict[str, list[list[RoundResult]]]
    frames: int
    warmup: int
    planned_rounds: int
    warnings: list[str] = field(default_factory=list)
    failure: HarnessFailed | None = None
    profile: ProfileData | None = None
    keep_awake: str | None = None  # the setting every round ran under (keep_awake.SETTINGS)


@dataclass(frozen=True)
class MeasureRequest:
    repo: Path
    sides: tuple[SideRequest, ...]
    scenarios: tuple[str, ...]
    frames: int
    warmup: int
    policy: RoundsPolicy
    harness: str | None = None
    same_harness: bool = False
    round_timeout_s: float = 300.0
    profile: ProfileSettings | None = None  # extra, uncounted py-spy rounds when set
    threshold_pct: float = 2.0  # what adaptive rounds need to call a pipeline decided
    keep_awake: bool | None = None  # hold the PM QoS request; None: the environment decides

    @property
    def rounds(self) -> int:
        """Rounds per side that every scenario gets."""
        return self.policy.minimum


def new_run_id() -> str:
    """Unique per run, so concurrent runs never share a worktree, socket or segment name."""
    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


def measure(request: MeasureRequest, observer: Observer | None = None) -> Measurement:
    """Run every planned round; a failing round stops the run but keeps what was measured."""
    obs = observer or QuietObserver()
    started = time.monotonic()
    obs.stage("resolving refs")
    repo = open_repo(request.repo)
    resolved = [resolve_ref(repo, side.ref) for side in request.sides]
    swept = remove_leftover_worktrees(repo)
    scratch.remove_leftovers()
    spec = load_harness_spec(Path(repo.working_tree_dir or request.repo), request.harness)
    head_index = len(request.sides) - 1

    obs.stage("creating worktrees")
    with checked_out(repo, resolved, run_id=new_run_id()) as paths:
        sides = [
            harness.SideCheckout(label=req.label, ref=ref, worktree=path, env=dict(req.env))
            for req, ref, path in zip(request.sides, resolved, paths, strict=True)
        ]
        if request.same_harness:
            for side in sides[:head_index]:
                harness.graft(spec, sides[head_index].worktree, side.worktree)
        harness_check.check_harness_in_worktrees(spec, sides, named=request.harness is not None)
        if spec.setup:
            for side in sides:
                obs.stage(f"setting up {side.label} ({side.ref.name})")
                harness.run_setup(spec, side, timeout=request.round_timeout_s)

        obs.stage("listing scenarios")
        listed = [harness.list_scenarios(spec, side) for side in sides]
        chosen, warnings = _choose_scenarios(request.scenarios, listed, sides)
        measurement = Measurement(
            refs=resolved,
            labels=[s.label for s in sides],
            envs=[dict(s.env) for s in sides],
            scenarios=chosen,
            rounds={},
            frames=request.frames,
            warmup=request.warmup,
            planned_rounds=request.rounds,
            warnings=warnings,
        )
        if swept:
            measurement.warnings.append(
                f"removed {len(swept)} worktree(s) left behind by an earlier run that was killed"
            )
        plan = interleave([s.name for s in chosen], len(sides), request.rounds)
        obs.planned(plan, measurement.labels)
        # One setting for every round of every side, held from the first to the last.
        with kept_awake(wanted(request.keep_awake)) as awake:
            measurement.keep_awake = awake.setting
            if awake.warning:
                measurement.warnings.append(awake.warning)
            _run_plan(spec, sides, plan, request, measurement, obs)
            if request.policy.adaptive and len(sides) == 2:
                _run_adaptive(spec, sides, request, measurement, obs, started)
            if request.profile is not None and measurement.failure is None:
                obs.stage("profiling with py-spy (not counted)")
                measurement.profile = profile_all(
                    spec, sides, [s.name for s in chosen], request.profile
                )
    return measurement


def _run_adaptive(
    spec: HarnessSpec,
    sides: Sequence[harness.SideCheckout],
    request: MeasureRequest,
    measurement: Measurement,
    obs: Observer,
    started: float,
) -> None:
    """Add interleaved rounds to the pipelines whose frame or IPC verdict is undecided."""
    policy = request.policy
    done = policy.minimum
    while measurement.failure is None and done < policy.maximum:
        if policy.budget_s is not None and time.monotonic() - started > policy.budget_s:
            measurement.warnings.append(
                f"the --budget of {policy.budget_s:g} s ran out after {done} rounds per side"
            )
            return
        look = next_look(
            measurement.rounds,
            threshold_pct=request.threshold_pct,
            looks=policy.looks,
            maximum=policy.maximum,
        )
        measurement.warnings += [w for w in look.futile.values() if w not in measurement.warnings]
        undecided = look.more
        if not undecided:
            return
        batch = min(policy.batch, policy.maximum - done)
        obs.adapting(undecided, done)
        plan = interleave(undecided, len(sides), batch, first_round=done)
        obs.planned(plan, measurement.labels)
        _run_plan(spec, sides, plan, request, measurement, obs)
        done += batch


def _run_plan(
    spec: HarnessSpec,
    sides: Sequence[harness.SideCheckout],
    plan: Sequence[PlannedRound],
    request: MeasureRequest,
    measurement: Measurement,
    obs: Observer,
) -> None:
    """Run the rounds in order into ``measurement``; the first failure ends the plan."""
    for planned in plan:
        signals.check()
        obs.round_started(planned)
        try:
            result = harness.run_round(
                spec,
                sides[planned.side],
                scenario=planned.scenario,
                frames=request.frames,
                warmup=request.warmup,
                round_index=planned.round_index,
                timeout=request.round_timeout_s,
            )
        except HarnessFailed as failure:
            measurement.failure = failure
            return
        per_side = measurement.rounds.setdefault(planned.scenario, [[] for _ in sides])
        earlier = per_side[planned.side]
        if earlier and result.layout != earlier[0].layout:
            # Rounds are compared stage by stage: a harness whose stages change between
            # rounds has no comparison to offer (and must not crash the one we render).
            measurement.failure = _stages_changed(sides[planned.side], planned, earlier[0], result)
            return
        earlier.append(result)
        obs.round_finished(planned)


def _stages_changed(
    side: harness.SideCheckout, planned: PlannedRound, first: RoundResult, result: RoundResult
) -> HarnessFailed:
    what = harness.describe_round(side, planned.scenario, planned.round_index)
    return HarnessFailed(
        f"{what}: the harness reported stages {stage_names(result)}, "
        f"but round 1 reported {stage_names(first)}; stages must not change between rounds",
        side=side.label,
        ref=side.ref.name,
        scenario=planned.scenario,
        round_index=planned.round_index,
    )


def _choose_scenarios(
    wanted: Sequence[str],
    listed: Sequence[Sequence[ScenarioInfo]],
    sides: Sequence[harness.SideCheckout],
) -> tuple[list[ScenarioInfo], list[str]]:
    """Scenarios to run: the user's choice, else all the head lists; only those every side has."""
    head_list = listed[-1]
    by_name = {s.name: s for s in head_list}
    if wanted:
        names = selection.select(wanted, list(by_name), sides[-1].ref.name)
        candidates = [by_name[name] for name in names]
    else:
        candidates = list(head_list)
    chosen, warnings = [], []
    for scenario in candidates:
        missing = [
            side.ref.name
            for side, names in zip(sides, listed, strict=True)
            if scenario.name not in {s.name for s in names}
        ]
        if missing:
            warnings.append(
                f"scenario {scenario.name} is not listed at {', '.join(missing)}: skipped "
                "(--same-harness runs head's harness on both sides)"
            )
        else:
            chosen.append(scenario)
    if not chosen:
        raise UsageError("no scenario to run: " + ("; ".join(warnings) or "the harness lists none"))
    return chosen, warnings
