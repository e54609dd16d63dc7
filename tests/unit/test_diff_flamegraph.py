"""The differential flamegraph from two folded files with one moved function (detect +200
samples) and one vanished (encode, base only): exact widths and colours, towers in frame
order, start-up folded, and the noise rule on seeded A/A and shifted samples."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET

import pytest

from perfwaterfall.flamegraph.layout import NEUTRAL, colour
from perfwaterfall.flamegraph.svg import to_html_fragment, to_svg
from perfwaterfall.flamegraph.tree import STARTUP, DiffFlamegraph, diff_flamegraph
from perfwaterfall.profile.movers import movers
from perfwaterfall.profile.noise import SideSamples, family_z, pooled
from perfwaterfall.profile.rounds import ProfileData, SideProfile
from tests.helpers.profiles import fixture_diff, one_round

SVG_NS = "{http://www.w3.org/2000/svg}"
MODULE, SERVE = "<module> (scenarios/stage.py)", "Stage.serve (scenarios/stage.py)"
SEND, DETECT = "Stage.send (scenarios/stage.py)", "detect (scenarios/stage.py)"
ENCODE = "encode (scenarios/link.py)"
# rate 100 Hz, 10 frames a round: one sample is 1 ms per frame. Head's towers: Detector 850,
# Sink 300, harness 100 ms per frame over 1180 px less the 12 px before the harness.
SCALE = (1180 - 12) / 1250


@pytest.fixture(scope="module")
def diff() -> DiffFlamegraph:
    return fixture_diff()


def frames(svg: str, view: str, panel: str) -> list[tuple[str, float, float, str]]:
    """(name, x, width, fill) of every frame drawn in one panel of one view."""
    root = ET.fromstring(svg.split("\n", 1)[1])
    group = root.find(f".//{SVG_NS}g[@data-view='{view}']")
    assert group is not None
    drawn = group.find(f"{SVG_NS}g[@data-panel='{panel}']")
    assert drawn is not None
    return [
        (
            g.attrib["data-name"],
            float(g.attrib["data-x"]),
            float(g.attrib["data-w"]),
            g.find(f"{SVG_NS}rect").attrib["fill"],  # type: ignore[union-attr]
        )
        for g in drawn.iter(f"{SVG_NS}g")
        if "pw-frame" in g.attrib.get("class", "")
    ]


def px(ms: float) -> float:
    return round(ms * SCALE, 2)


def test_widths_are_heads_ms_per_frame_and_colours_the_self_change(diff):
    red, blue = "rgb(255,0,0)", "rgb(105,105,255)"  # +200 is the largest; -100 is half of it
    assert frames(to_svg(diff), "folded", "main") == [
        ("Detector", 0.0, px(850), NEUTRAL),
        (MODULE, 0.0, px(800), NEUTRAL),
        (SERVE, 0.0, px(800), NEUTRAL),
        (SEND, 0.0, px(200), NEUTRAL),  # its own time did not move; encode under it vanished
        (DETECT, px(200), px(600), red),
        (STARTUP, px(800), px(50), NEUTRAL),
        ("Sink", px(850), px(300), NEUTRAL),
        (MODULE, px(850), px(300), NEUTRAL),
        (SERVE, px(850), px(300), NEUTRAL),
        ("verify (scenarios/stage.py)", px(850), px(300), NEUTRAL),
        ("harness", round(px(1150) + 12, 2), px(100), NEUTRAL),
        ("<module> (scenarios/__main__.py)", round(px(1150) + 12, 2), px(100), NEUTRAL),
        ("run (scenarios/driver.py)", round(px(1150) + 12, 2), px(100), NEUTRAL),
    ]
    # the frames only base reached, in base's shape: encode fills the panel, blue
    assert frames(to_svg(diff), "folded", "gone") == [
        ("Detector", 0.0, 1180.0, NEUTRAL),
        (MODULE, 0.0, 1180.0, NEUTRAL),
        (SERVE, 0.0, 1180.0, NEUTRAL),
        (SEND, 0.0, 1180.0, NEUTRAL),
        (ENCODE, 0.0, 1180.0, blue),
    ]


def test_start_up_is_folded_and_shown_in_the_other_view(diff):
    svg = to_svg(diff)
    folded_names = {name for name, *_ in frames(svg, "folded", "main")}
    full_names = {name for name, *_ in frames(svg, "full", "main")}
    assert STARTUP in folded_names and "_find_and_load (<frozen importlib._bootstrap>)" not in (
        folded_names
    )
    assert STARTUP not in full_names
    assert {"_find_and_load (<frozen importlib._bootstrap>)", "<module> (numpy/__init__.py)"} <= (
        full_names
    )
    assert not any("runpy" in name for name in folded_names | full_names)


def test_tooltips_say_before_after_change_and_noise(diff):
    root = ET.fromstring(to_svg(diff).split("\n", 1)[1])
    titles = [t.text or "" for t in root.iter(f"{SVG_NS}title")]
    detect = next(t for t in titles if t.startswith(DETECT))
    z = family_z(6)  # six stacks end somewhere: the family the noise is set for
    noise = f"{z * 1000**0.5:.1f}"  # Poisson: sqrt(400 + 600) samples of 1 ms
    assert f"self: 400 → 600 ms per frame, +200 ± {noise} ms (real)" in detect
    verify = next(t for t in titles if t.startswith("verify"))
    assert f"~ +0.000 ± {z * 600**0.5:.1f} ms (within sampling noise)" in verify


def test_the_svg_is_self_contained_and_inlines_into_html(diff):
    svg = to_svg(diff)
    assert "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in svg and "<script><![CDATA[" in svg
    fragment = to_html_fragment(diff)
    assert fragment.startswith("<section") and "<?xml" not in fragment


def test_hostile_names_stay_data():
    stacks = {("[harness]", "[x</text><script>alert(1)</script>]", 'f&g ("a".py)'): 5}
    diff = diff_flamegraph("s", ("<b>", "h"), one_round(stacks), one_round(stacks), ())
    root = ET.fromstring(to_svg(diff).split("\n", 1)[1])  # well-formed XML
    assert len(root.findall(f".//{SVG_NS}script")) == 1


def test_flamegraph_pl_colour_scale():
    assert colour(2.0, 2.0, True) == "rgb(255,0,0)"
    assert colour(-2.0, 2.0, True) == "rgb(0,0,255)"
    assert colour(1.0, 2.0, True) == "rgb(255,105,105)"
    assert colour(1.0, 2.0, False) == NEUTRAL  # within noise
    assert colour(0.0, 2.0, True) == NEUTRAL


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means here, and seeded."""
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def sampled(rng: random.Random, rates: dict[str, float], rounds: int) -> SideSamples:
    """``rounds`` py-spy-like rounds: each function's samples Poisson around its rate."""
    stacks = [
        {
            ("[harness]", "[Detector]", name): n
            for name, mean in rates.items()
            if (n := poisson(rng, mean))
        }
        for _ in range(rounds)
    ]
    return SideSamples(tuple(stacks), frames=60, rate=250)


RATES = {f"f{i} (scenarios/stage.py)": 2.0 + 3 * i for i in range(40)}


def test_aa_marks_no_mover_real_in_nine_of_ten_seeds():
    """The rule's family-wide level on samples that really are Poisson (the real A/A run is
    a benchmark: benchmarks/profile_noise.py)."""
    clean = 0
    for seed in range(10):
        rng = random.Random(seed)
        found = movers(sampled(rng, RATES, 3), sampled(rng, RATES, 3), top=100)
        clean += not any(m.real for m in (*found.by_self, *found.by_total))
    assert clean >= 9


def test_a_moved_function_is_real_in_its_direction_and_sorted_first():
    rng = random.Random(7)
    shifted = {**RATES, "f5 (scenarios/stage.py)": RATES["f5 (scenarios/stage.py)"] + 60}
    found = movers(sampled(rng, shifted, 3), sampled(rng, RATES, 3), top=100)
    first = found.by_self[0]
    assert first.function == "f5 (scenarios/stage.py)" and first.real and first.delta < 0
    assert [m.function for m in found.by_self if m.real] == [first.function]


def test_profile_rounds_round_trip_and_old_bundles_read_as_one_round():
    first, second = {("[harness]", "f (a.py)"): 3}, {("[harness]", "f (a.py)"): 5}
    side = SideProfile(
        frames=10, svg="/tmp/x.svg", folded=pooled([first, second]), rounds=(first, second)
    )
    data = ProfileData(rate=100, sides={"s": [side, side]})
    again = ProfileData.from_dict(json.loads(json.dumps(data.to_dict())))
    assert again.sides["s"][0] == side
    samples = again.sides["s"][0].samples(100)
    assert samples.rounds == (first, second) and samples.samples == 8
    # a bundle written before rounds: the pooled stacks are its one round
    old = data.to_dict()
    for entry in old["scenarios"]["s"]:
        del entry["rounds"]
    legacy = ProfileData.from_dict(old).sides["s"][0]
    assert legacy.rounds == () and legacy.samples(100).rounds == (pooled([first, second]),)
