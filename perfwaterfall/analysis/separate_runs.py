"""Two `run` bundles as one comparison: separate runs, judged unpaired, unlikeness said.

``run`` measures one ref; ``show BASE.json HEAD.json`` puts two of them side by
side. They ran apart (another job, maybe another machine), so their rounds are two
samples (unpaired.py), and whatever else differed between the runs (the machine,
the frames, the warm-up) is said beside every verdict: a 4% slower runner reads
exactly like a 4% slower commit.
"""

from __future__ import annotations

from dataclasses import replace

from perfwaterfall.analysis.comparison import Comparison
from perfwaterfall.errors import UsageError
from perfwaterfall.store.bundle import Bundle, BundleSide
from perfwaterfall.store.fingerprint import machine_differences

# In a paired-up bundle's extra: what differed between the two runs, in words.
SEPARATE_RUNS_KEY = "separate_runs"


def pair_bundles(base: Bundle, head: Bundle) -> Bundle:
    """Two one-side bundles (from ``run``) as one comparison: base's context, both sides.

    Nothing is matched round by round, so each side keeps every round it has (8
    against 5 is fine); a scenario counts when both sides have the fewer planned.
    """
    if len(base.sides) != 1 or len(head.sides) != 1:
        raise UsageError("show BASE HEAD expects two one-side bundles written by `run --save`")
    head_names = {s.name for s in head.scenarios}
    both = set(base.completed()) & set(head.completed())
    return replace(
        base,
        sides=(_side(base, "base", both), _side(head, "head", both)),
        scenarios=tuple(s for s in base.scenarios if s.name in head_names),
        planned_rounds=min(base.planned_rounds, head.planned_rounds),
        warnings=base.warnings + head.warnings,
        failure=base.failure or head.failure,
        commits=(),
        commits_total=0,
        extra={**base.extra, SEPARATE_RUNS_KEY: unlike(base, head)},
    )


def unlike(base: Bundle, head: Bundle) -> dict[str, str]:
    """What differed between the runs, kind -> detail ('frames' -> '20 (base), 40 (head)');
    empty when they were alike."""
    said = {}
    machines = machine_differences(base.machine, head.machine)
    if machines:
        said["machines"] = "; ".join(machines)
    if base.frames != head.frames:
        said["frames"] = f"{base.frames} (base), {head.frames} (head)"
    if base.warmup != head.warmup:
        said["warm-up"] = f"{base.warmup} (base), {head.warmup} (head) frames"
    return said


def is_separate(bundle: Bundle) -> bool:
    """Whether the bundle's sides are two separate runs (paired up by pair_bundles)."""
    return SEPARATE_RUNS_KEY in bundle.extra


def mark_unlike(comparison: Comparison, bundle: Bundle) -> tuple[Comparison, list[str]]:
    """The comparison with its caveat beside every verdict ('! machines differ'), and the
    warning that explains it; unchanged, and no warning, when the runs were alike."""
    said = bundle.extra.get(SEPARATE_RUNS_KEY)
    if not isinstance(said, dict) or not said:
        return comparison, []
    phrases = tuple(f"{_differ(kind)}: {detail}" for kind, detail in said.items())
    caveat = f"! {_differ(', '.join(said))}"
    warning = (
        f"separate runs, not alike ({'; '.join(phrases)}): every verdict may be this "
        "difference, not the code's; `compare BASE HEAD` measures both refs side by side"
    )
    return replace(comparison, caveat=caveat, unlike=phrases), [warning]


def _differ(kinds: str) -> str:
    """'machines differ', 'warm-up differs'."""
    return f"{kinds} {'differs' if kinds == 'warm-up' else 'differ'}"


def _side(bundle: Bundle, label: str, names: set[str]) -> BundleSide:
    """The side's scenarios measured in full on both sides, every round kept."""
    side = bundle.sides[0]
    return replace(side, label=label, rounds={n: side.rounds[n] for n in names})
