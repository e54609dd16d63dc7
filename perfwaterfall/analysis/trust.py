"""Named warnings about how trustworthy a comparison is (after pyperf's format_checks)."""

from __future__ import annotations

from perfwaterfall.analysis.comparison import Comparison

# Below this many rounds per side an interval is too wide to decide anything but
# the largest changes (two pairs give a t interval with one degree of freedom).
FEWEST_USEFUL_ROUNDS = 3
# Round medians of a quiet pipeline agree within a few percent; beyond this the
# machine was busy or the scenario is unstable, and small changes drown.
NOISY_SPREAD = 0.10


def check_comparison(comparison: Comparison, labels: tuple[str, str]) -> list[str]:
    warnings: list[str] = []
    for sc in comparison.scenarios:
        n_base, n_head = sc.rounds
        if min(n_base, n_head) < FEWEST_USEFUL_ROUNDS:
            warnings.append(
                f"{sc.name}: {n_base} and {n_head} rounds are too few for a verdict; "
                "use --rounds auto or 5 or more"
            )
        for label, est in zip(labels, (sc.frame.base, sc.frame.head), strict=True):
            if est.spread > NOISY_SPREAD and len(est.samples) > 1:
                warnings.append(
                    f"{sc.name}: {label} is noisy, frame time varies {est.spread * 100:.0f}% "
                    "across rounds; close other programs or add --rounds"
                )
    # Only the first 'too few for a verdict' matters when all scenarios share it.
    return _dedupe_rounds_warning(warnings)


def _dedupe_rounds_warning(warnings: list[str]) -> list[str]:
    rounds = [w for w in warnings if "too few for a verdict" in w]
    others = [w for w in warnings if "too few for a verdict" not in w]
    if len(rounds) > 1:
        rounds = ["every scenario" + rounds[0][rounds[0].index(":") :]]
    return rounds + others
