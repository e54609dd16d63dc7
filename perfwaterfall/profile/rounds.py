"""The profiled rounds: extra, uncounted rounds per side under py-spy.

Sampling perturbs timing, so these rounds run after the measured ones and never
enter the statistics. py-spy writes one format per run: raw rounds give the folded
stacks for the movers and the differential flamegraph (several, alternating sides, so
the spread between rounds says how much of a change is noise), one flamegraph round
per side the py-spy SVG. A profile that cannot be made is a note, not a failure, unless
asked for strictly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfwaterfall.errors import HarnessFailed
from perfwaterfall.measure import harness
from perfwaterfall.measure.scratch import scratch_dir
from perfwaterfall.profile.folded import Folded, parse_folded
from perfwaterfall.profile.noise import SideSamples, pooled
from perfwaterfall.profile.pyspy import DEFAULT_RATE, NOT_FOUND, output_path, record_argv
from perfwaterfall.profile.pyspy import diagnose as diagnose_denied
from perfwaterfall.protocol import harness_spec
from perfwaterfall.protocol.sanitize import number_text, shown

# Raw rounds per side: two give a spread between rounds, three a steadier one.
DEFAULT_PROFILE_ROUNDS = 3
# Beyond these a bundle's profile is not one py-spy wrote: refused before movers divide by it.
MAX_RATE = 1_000_000
MAX_COUNT = 2**53  # exact in a float, so per-frame arithmetic stays finite


@dataclass(frozen=True)
class ProfileSettings:
    py_spy: str | None  # None: not installed; the profile is then a note saying so
    directory: Path
    frames: int
    warmup: int
    rate: int = DEFAULT_RATE
    timeout: float = 600.0
    rounds: int = DEFAULT_PROFILE_ROUNDS  # raw rounds per side


@dataclass(frozen=True)
class SideProfile:
    frames: int  # frames each profiled round pushed, warm-up included
    svg: str
    folded: Folded  # every raw round's stacks added up
    rounds: tuple[Folded, ...] = ()  # each raw round's stacks; () in bundles before them

    def samples(self, rate: int) -> SideSamples:
        return SideSamples(self.rounds or (self.folded,), self.frames, rate)


@dataclass
class ProfileData:
    rate: int
    sides: dict[str, list[SideProfile]] = field(default_factory=dict)  # scenario -> per side
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "problems": self.problems,
            "scenarios": {
                name: [_side_dict(p) for p in per_side] for name, per_side in self.sides.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Any) -> ProfileData:
        """KeyError/TypeError/ValueError on a malformed document (bundle.py maps them).

        Rate and frames divide the sample counts: 0, inf or a 400-digit integer
        there is refused here, not met as a crash while the movers are drawn.
        """
        scenarios = data["scenarios"]
        return cls(
            rate=_count(data["rate"], "rate", 1, MAX_RATE),
            problems=[shown(str(p)) for p in data["problems"]],
            sides={
                shown(str(name)): [_side_profile(p) for p in per_side]
                for name, per_side in scenarios.items()
            },
        )


def _side_dict(side: SideProfile) -> dict[str, Any]:
    data: dict[str, Any] = {
        "frames": side.frames,
        "svg": side.svg,
        "folded": _pairs(side.folded),
    }
    if len(side.rounds) > 1:  # one round is the pooled stacks already
        data["rounds"] = [_pairs(r) for r in side.rounds]
    return data


def _pairs(folded: Folded) -> list[list[Any]]:
    return [[list(stack), count] for stack, count in folded.items()]


def _side_profile(data: Any) -> SideProfile:
    """``rounds`` is optional (bundles before it hold the pooled stacks only); when present
    it is the truth, and the pooled stacks are its sum."""
    folded = _folded(data["folded"])
    rounds = tuple(_folded(r) for r in data.get("rounds", ()))
    return SideProfile(
        frames=_count(data["frames"], "frames", 1, MAX_COUNT),
        svg=shown(str(data["svg"])),
        folded=pooled(rounds) if rounds else folded,
        rounds=rounds,
    )


def _count(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            f"{what} must be an integer from {low} to {high}, got {number_text(value)}"
        )
    return value


def _folded(pairs: Any) -> Folded:
    """Stacks to sample counts; stacks that are one once shown add up, as py-spy's would."""
    folded: Folded = {}
    for stack, n in pairs:
        if not isinstance(stack, list):
            raise TypeError(f"a stack is an array of frames, got {type(stack).__name__}")
        key = tuple(shown(str(f)) for f in stack)
        folded[key] = folded.get(key, 0) + _count(n, "a sample count", 0, MAX_COUNT)
    return folded


class ProfileProblem(Exception):
    """This side's profile could not be made; the message says why."""


def record_raw(
    spec: harness_spec.HarnessSpec,
    side: harness.SideCheckout,
    scenario: str,
    settings: ProfileSettings,
) -> Folded:
    """One raw profiled round: its stacks, paths relative to the side's worktree."""
    assert settings.py_spy is not None
    with scratch_dir("profile") as tmp:
        raw = tmp / "stacks.folded"
        wrap = record_argv(settings.py_spy, raw, "raw", settings.rate)
        _record(spec, side, scenario, settings, wrap)
        try:
            folded = parse_folded(raw.read_text(errors="replace"), roots=[side.worktree])
        except OSError:
            raise ProfileProblem(f"{side.label}: py-spy wrote no samples for {scenario}") from None
    if not folded:
        raise ProfileProblem(f"{side.label}: py-spy recorded no samples of {scenario}")
    return folded


def record_svg(
    spec: harness_spec.HarnessSpec,
    side: harness.SideCheckout,
    scenario: str,
    settings: ProfileSettings,
) -> Path:
    """py-spy's own flamegraph of one side: ``DIR/perf-waterfall-<side>-<scenario>.svg``."""
    assert settings.py_spy is not None
    svg = output_path(settings.directory, side.label, scenario, "flamegraph")
    wrap = record_argv(settings.py_spy, svg, "flamegraph", settings.rate)
    _record(spec, side, scenario, settings, wrap)
    if not svg.is_file():
        raise ProfileProblem(f"{side.label}: py-spy recorded no samples of {scenario}")
    return svg


def profile_scenario(
    spec: harness_spec.HarnessSpec,
    sides: list[harness.SideCheckout],
    scenario: str,
    settings: ProfileSettings,
) -> list[SideProfile]:
    """``settings.rounds`` raw rounds per side, the sides alternating A B B A as the measured
    rounds do (a machine getting busier weighs on both), then one SVG round per side."""
    rounds: list[list[Folded]] = [[] for _ in sides]
    for r in range(max(settings.rounds, 1)):
        order = list(enumerate(sides))
        for i, side in order if r % 2 == 0 else reversed(order):
            rounds[i].append(record_raw(spec, side, scenario, settings))
    return [
        SideProfile(
            frames=settings.frames + settings.warmup,
            svg=str(record_svg(spec, side, scenario, settings)),
            folded=pooled(side_rounds),
            rounds=tuple(side_rounds),
        )
        for side, side_rounds in zip(sides, rounds, strict=True)
    ]


def _record(
    spec: harness_spec.HarnessSpec,
    side: harness.SideCheckout,
    scenario: str,
    settings: ProfileSettings,
    wrap: list[str],
) -> None:
    try:
        harness.run_round(
            spec,
            side,
            scenario=scenario,
            frames=settings.frames,
            warmup=settings.warmup,
            round_index=0,
            timeout=settings.timeout,
            wrap=wrap,
        )
    except HarnessFailed as failed:
        denied = diagnose_denied(failed.stderr_tail)
        raise ProfileProblem(denied or f"profiled round failed: {failed}") from None


def profile_all(
    spec: harness_spec.HarnessSpec,
    sides: list[harness.SideCheckout],
    scenarios: list[str],
    settings: ProfileSettings,
) -> ProfileData:
    """Profile every scenario on every side; the first problem stops the profiling (a
    denied ptrace or a missing py-spy would only repeat itself)."""
    data = ProfileData(rate=settings.rate)
    if settings.py_spy is None:
        data.problems.append(NOT_FOUND)
        return data
    settings.directory.mkdir(parents=True, exist_ok=True)
    for scenario in scenarios:
        try:
            data.sides[scenario] = profile_scenario(spec, sides, scenario, settings)
        except ProfileProblem as problem:
            data.problems.append(str(problem))
            break
    return data
