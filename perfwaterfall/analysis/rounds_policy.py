"""How many rounds a comparison runs: a fixed number, or adaptive ("auto").

Adaptive rounds run ``minimum`` rounds per side, then add ``batch`` more (interleaved)
only to pipelines whose frame or IPC verdict is still undecided, until they are
decided, ``maximum`` is reached or the budget is spent. Every look at the data
could stop a pipeline, so the verdicts' levels are divided among ``looks``: stopping
early cannot raise the chance of calling noise real.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from perfwaterfall.errors import InvalidDocument

AUTO_MINIMUM = 5
AUTO_BATCH = 3
AUTO_MAXIMUM = 8
BUNDLE_KEY = "rounds_policy"


@dataclass(frozen=True)
class RoundsPolicy:
    minimum: int
    maximum: int
    batch: int = AUTO_BATCH
    budget_s: float | None = None  # no new batch starts after this many seconds

    @classmethod
    def fixed(cls, rounds: int) -> RoundsPolicy:
        return cls(minimum=rounds, maximum=rounds, batch=1)

    @classmethod
    def auto(cls, maximum: int = AUTO_MAXIMUM, budget_s: float | None = None) -> RoundsPolicy:
        return cls(
            minimum=min(AUTO_MINIMUM, maximum), maximum=maximum, batch=AUTO_BATCH, budget_s=budget_s
        )

    @property
    def adaptive(self) -> bool:
        return self.maximum > self.minimum

    @property
    def looks(self) -> int:
        """How many times the verdicts may be read: after the minimum and after each batch."""
        return 1 + math.ceil((self.maximum - self.minimum) / self.batch)

    def describe(self) -> str:
        if not self.adaptive:
            return f"{self.minimum} rounds"
        return f"{self.minimum} to {self.maximum} rounds (auto)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "minimum": self.minimum,
            "maximum": self.maximum,
            "batch": self.batch,
            "budget_s": self.budget_s,
        }


def rounds_policy(bundle: Any) -> RoundsPolicy:
    """The policy a bundle was measured with; bundles from before it existed had fixed rounds."""
    raw = bundle.extra.get(BUNDLE_KEY)
    if raw is None:
        return RoundsPolicy.fixed(bundle.planned_rounds)
    try:
        policy = RoundsPolicy(
            minimum=_count(raw["minimum"]),
            maximum=_count(raw["maximum"]),
            batch=_count(raw["batch"]),
            budget_s=None if raw.get("budget_s") is None else float(raw["budget_s"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise InvalidDocument(f"bundle: malformed {BUNDLE_KEY} ({exc})") from None
    if policy.maximum < policy.minimum or policy.looks > 1000:
        raise InvalidDocument(f"bundle: {BUNDLE_KEY} has maximum below minimum or too many looks")
    return policy


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise ValueError(f"expected a count from 1 to 10000, got {value!r}")
    return value
