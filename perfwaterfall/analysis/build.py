"""A Bundle becomes a Report: pair the sides, compare them, add the warnings and the profile.

Every rendering goes through a Bundle, including a live ``compare``, so
``show`` of a saved bundle renders exactly what the original run rendered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from perfwaterfall.analysis.comparison import Comparison, compare_family
from perfwaterfall.analysis.report import ProfileView, Report, SideInfo, SweepReport
from perfwaterfall.analysis.rounds_policy import rounds_policy
from perfwaterfall.analysis.separate_runs import is_separate, mark_unlike
from perfwaterfall.analysis.trust import check_comparison
from perfwaterfall.errors import InvalidDocument, UsageError
from perfwaterfall.flamegraph.tree import diff_flamegraph
from perfwaterfall.measure.load import LOAD_KEY, busy_warning
from perfwaterfall.profile.movers import movers
from perfwaterfall.profile.pyspy import output_path
from perfwaterfall.profile.rounds import ProfileData
from perfwaterfall.store.bundle import Bundle, BundleSide
from perfwaterfall.store.machine import with_harness


def compare_sides(bundle: Bundle, base: int, head: int, threshold_pct: float) -> Comparison:
    """Scenarios measured in full on both sides become comparisons; partial ones are dropped."""
    b, h = bundle.sides[base], bundle.sides[head]
    pairs = [(b.rounds[name], h.rounds[name]) for name in bundle.completed()]
    return compare_family(
        pairs,
        threshold_pct=threshold_pct,
        looks=rounds_policy(bundle).looks,
        paired=not is_separate(bundle),  # two `run` bundles: rounds that never ran together
    )


def build_report(
    bundle: Bundle,
    *,
    threshold_pct: float,
    waterfall: str | None = None,
    sides: Sequence[int] = (0, -1),
    substages: str = "changed",
) -> Report:
    """The Report of a two-side comparison of ``bundle`` (first and last side by default)."""
    if len(bundle.sides) < 2:
        raise UsageError("this bundle holds one side; show it next to another: show BASE HEAD")
    base_i, head_i = sides
    comparison = compare_sides(bundle, base_i, head_i, threshold_pct)
    if waterfall and comparison.scenarios and comparison.get(waterfall) is None:
        names = ", ".join(s.name for s in comparison.scenarios)
        raise UsageError(f"--waterfall {waterfall} is not among the measured scenarios: {names}")
    base, head = bundle.sides[base_i], bundle.sides[head_i]
    comparison, unlike = mark_unlike(comparison, bundle)
    warnings = [*unlike, *bundle.warnings, *check_comparison(comparison, (base.label, head.label))]
    busy = busy_around(bundle)
    if busy is not None:
        warnings.append(busy)
    profile = _profile_view(bundle, comparison, waterfall, (base_i, head_i))
    if profile is not None:
        warnings += [f"profile not made: {p}" for p in profile.problems]
    report = Report(
        base=SideInfo(base.label, base.ref, dict(base.env)),
        head=SideInfo(head.label, head.ref, dict(head.env)),
        comparison=comparison,
        frames=bundle.frames,
        warmup=bundle.warmup,
        planned_rounds=bundle.planned_rounds,
        machine=with_harness(bundle.machine, [_metas(base), _metas(head)]),
        waterfall=waterfall,
        commits=bundle.commits,
        commits_total=bundle.commits_total,
        warnings=tuple(warnings),
        failure=bundle.failure,
        command=bundle.command,
        profile=profile,
        policy=rounds_policy(bundle),
        busy=busy is not None,
        substages=substages,
    )
    return report


def _metas(side: BundleSide) -> list[Mapping[str, Any]]:
    """The side's documents' meta, where the harness reports its interpreter and packages."""
    return [r.meta for rounds in side.rounds.values() for r in rounds]


def _profile_view(
    bundle: Bundle, comparison: Comparison, waterfall: str | None, sides: tuple[int, int]
) -> ProfileView | None:
    """Movers of the drawn pipeline (else the first profiled one), from the stored stacks."""
    raw = bundle.extra.get("profile")
    if raw is None:
        return None
    try:
        data = ProfileData.from_dict(raw)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidDocument(f"bundle: malformed profile ({exc})") from None
    drawn = comparison.get(waterfall) if waterfall else comparison.most_changed()
    names = [drawn.name] if drawn is not None else []
    name = next((n for n in [*names, *data.sides] if n in data.sides), None)
    if name is None:
        return ProfileView(None, None, (), tuple(data.problems))
    if len(data.sides[name]) != len(bundle.sides):
        raise InvalidDocument(f"bundle: the profile of {name} does not have one entry per side")
    base, head = data.sides[name][sides[0]], data.sides[name][sides[1]]
    base_samples, head_samples = base.samples(data.rate), head.samples(data.rate)
    profiled = comparison.get(name)
    stages = [s.name for s in profiled.head_stages] if profiled is not None else []
    labels = (bundle.sides[sides[0]].label, bundle.sides[sides[1]].label)
    diff_svg = output_path(Path(base.svg).parent, "diff", name, "flamegraph")
    return ProfileView(
        scenario=name,
        movers=movers(base_samples, head_samples),
        svg_paths=(*(Path(p.svg) for p in data.sides[name]), diff_svg),
        problems=tuple(data.problems),
        flamegraph=diff_flamegraph(name, labels, base_samples, head_samples, stages),
        diff_svg=diff_svg,
    )


def build_sweep(
    bundle: Bundle,
    *,
    key: str,
    threshold_pct: float,
    waterfall: str | None = None,
    substages: str = "changed",
) -> SweepReport:
    """Each value against the first, and the first against the last for the waterfall."""
    values = tuple(side.env.get(key, side.label) for side in bundle.sides)
    comparisons = tuple(
        compare_sides(bundle, 0, i, threshold_pct) for i in range(1, len(bundle.sides))
    )
    first_last = build_report(
        bundle, threshold_pct=threshold_pct, waterfall=waterfall, substages=substages
    )
    return SweepReport(key=key, values=values, comparisons=comparisons, first_last=first_last)


def busy_around(bundle: Bundle) -> str | None:
    """The busy-machine warning from the load recorded before and after the run, if any."""
    load = bundle.extra.get(LOAD_KEY)
    if not isinstance(load, dict):
        return None
    return busy_warning(load.get("before"), load.get("after"))
