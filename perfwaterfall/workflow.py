"""compare = measure both sides, compare them, and gather what the report shows."""

from __future__ import annotations

from perfwaterfall import gitrefs
from perfwaterfall.checks import check_comparison
from perfwaterfall.compare import Comparison, compare_scenario
from perfwaterfall.engine import Measurement, MeasureRequest, Observer, SideRequest, measure
from perfwaterfall.errors import UsageError
from perfwaterfall.machine import describe_machine
from perfwaterfall.options import CompareOptions
from perfwaterfall.report import Failure, Report, SideInfo

COMMITS_SHOWN = 10


def compare(options: CompareOptions, observer: Observer | None = None, command: str = "") -> Report:
    if options.waterfall and options.scenarios and options.waterfall not in options.scenarios:
        raise UsageError(
            f"--waterfall {options.waterfall} is not among the scenarios chosen with -s"
        )
    repo = gitrefs.open_repo(options.repo)
    base_ref = options.base or gitrefs.default_base_ref(repo)
    request = MeasureRequest(
        repo=options.repo,
        sides=(
            SideRequest("base", base_ref, options.base_env),
            SideRequest("head", options.head, options.head_env),
        ),
        scenarios=options.scenarios,
        frames=options.frames,
        warmup=options.warmup,
        rounds=options.rounds,
        harness=options.harness,
        same_harness=options.same_harness,
        round_timeout_s=options.round_timeout_s,
    )
    measurement = measure(request, observer)
    if options.waterfall and options.waterfall not in {s.name for s in measurement.scenarios}:
        raise UsageError(f"--waterfall {options.waterfall} is not a scenario that was run")

    warnings = list(measurement.warnings)
    if gitrefs.WORKTREE not in (base_ref, options.head) and gitrefs.is_dirty(repo):
        warnings.append(
            "the checkout has uncommitted changes that were not measured; "
            "name WORKTREE as a side to include them"
        )
    comparison = compare_measurement(measurement, options.threshold_pct)
    warnings += check_comparison(comparison, ("base", "head"))
    base, head = measurement.refs
    commits, total = gitrefs.commits_between(repo, base, head, limit=COMMITS_SHOWN)
    return Report(
        base=SideInfo("base", base, dict(options.base_env)),
        head=SideInfo("head", head, dict(options.head_env)),
        comparison=comparison,
        frames=options.frames,
        warmup=options.warmup,
        rounds=options.rounds,
        machine=describe_machine(),
        waterfall=options.waterfall,
        commits=tuple(commits),
        commits_total=total,
        warnings=tuple(warnings),
        failure=_failure(measurement),
        command=command,
    )


def compare_measurement(measurement: Measurement, threshold_pct: float) -> Comparison:
    """Scenarios measured in full on both sides become comparisons; partial ones are dropped."""
    scenarios = []
    for name in measurement.completed():
        base_rounds, head_rounds = measurement.rounds[name]
        scenarios.append(compare_scenario(base_rounds, head_rounds, threshold_pct=threshold_pct))
    return Comparison(scenarios=tuple(scenarios), threshold_pct=threshold_pct)


def _failure(measurement: Measurement) -> Failure | None:
    if measurement.failure is None:
        return None
    return Failure(str(measurement.failure), measurement.failure.stderr_tail)
