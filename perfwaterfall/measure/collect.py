"""A measurement as a Bundle: the raw rounds plus the context a later ``show`` needs.

Every rendering goes through a Bundle, including a live ``compare``, so ``show`` of a
saved bundle renders exactly what the original run rendered.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from perfwaterfall.analysis.rounds_policy import BUNDLE_KEY as POLICY_KEY
from perfwaterfall.measure import refs
from perfwaterfall.measure.load import LOAD_KEY, load_snapshot
from perfwaterfall.measure.run import Measurement, MeasureRequest, Observer, measure
from perfwaterfall.store.bundle import Bundle, BundleSide, Failure
from perfwaterfall.store.machine import describe_machine

COMMITS_SHOWN = 10


def measure_bundle(
    request: MeasureRequest, observer: Observer | None = None, command: str = ""
) -> Bundle:
    """Measure every side of ``request``; the result keeps raw rounds only, and the
    machine's load before and after them."""
    before = load_snapshot()
    measurement = measure(request, observer)
    load = {"before": before, "after": load_snapshot()}
    repo = refs.open_repo(request.repo)
    warnings = list(measurement.warnings)
    if refs.WORKTREE not in {r.sha for r in measurement.refs} and refs.is_dirty(repo):
        warnings.append(
            "the checkout has uncommitted changes that were not measured; "
            "name WORKTREE as a side to include them"
        )
    commits: list[tuple[str, str]] = []
    total = 0
    if len(measurement.refs) >= 2:
        commits, total = refs.commits_between(
            repo, measurement.refs[0], measurement.refs[-1], limit=COMMITS_SHOWN
        )
    failure = measurement.failure
    return Bundle(
        sides=tuple(
            BundleSide(
                label=label,
                ref=ref,
                env=env,
                rounds={
                    name: per_side[i]
                    for name, per_side in measurement.rounds.items()
                    if per_side[i]
                },
            )
            for i, (label, ref, env) in enumerate(
                zip(measurement.labels, measurement.refs, measurement.envs, strict=True)
            )
        ),
        scenarios=tuple(measurement.scenarios),
        frames=measurement.frames,
        warmup=measurement.warmup,
        planned_rounds=measurement.planned_rounds,
        machine=replace(describe_machine(), keep_awake=measurement.keep_awake),
        commits=tuple(commits),
        commits_total=total,
        warnings=tuple(warnings),
        failure=None if failure is None else Failure(str(failure), failure.stderr_tail),
        command=command,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        extra={LOAD_KEY: load, **_extra(measurement, request)},
    )


def _extra(measurement: Measurement, request: MeasureRequest) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if request.policy.adaptive:
        extra[POLICY_KEY] = request.policy.to_dict()
    if measurement.profile is not None:
        extra["profile"] = measurement.profile.to_dict()
    return extra
