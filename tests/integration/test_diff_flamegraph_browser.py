"""The differential flamegraph in a real browser (the distribution's headless Chromium):
it renders with the stage towers named, a click zooms, reset restores, search marks,
the start-up toggle swaps views, and the same works inlined in an HTML page."""

from __future__ import annotations

import pytest

from perfwaterfall.flamegraph.svg import to_html_fragment, to_svg
from tests.helpers import browser as browser_helpers
from tests.helpers.browser import chromium, new_page
from tests.helpers.profiles import fixture_diff

MAIN = ".pw-view[data-view=folded] .pw-panel[data-panel=main]"
DETECT = f"{MAIN} .pw-frame[data-name='detect (scenarios/stage.py)']"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def svg_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("diff") / "perf-waterfall-diff-tiny.svg"
    path.write_text(to_svg(fixture_diff()))
    return path


def width(page, selector: str) -> float:
    return float(page.locator(f"{selector} rect").get_attribute("width"))


def test_renders_towers_and_zooms_on_click(browser, svg_file):
    with new_page(browser) as page:
        page.goto(svg_file.as_uri())
        towers = page.locator(f"{MAIN} .pw-tower")
        assert towers.locator("text").all_text_contents() == ["Detector", "Sink", "harness"]
        # rendered, not just parsed: the browser laid the Detector tower out ~794 px wide
        box = towers.first.locator("rect").bounding_box()
        assert box is not None and 780 < box["width"] < 800
        assert width(page, DETECT) == pytest.approx(560.64)

        page.locator(DETECT).click()
        assert width(page, DETECT) == pytest.approx(1180)  # the clicked frame fills the width
        assert page.locator(f"{MAIN} .pw-tower[data-name=Sink]").is_hidden()
        assert "pw-parent" in (towers.first.get_attribute("class") or "")
        assert page.locator("svg").get_attribute("data-zoomed") == "detect (scenarios/stage.py)"

        page.locator(DETECT).hover()
        details = page.locator(".pw-details").text_content() or ""
        assert "detect (scenarios/stage.py)" in details and "+200" in details

        page.locator("[data-action=reset]").click()
        assert width(page, DETECT) == pytest.approx(560.64)
        assert page.locator(f"{MAIN} .pw-tower[data-name=Sink]").is_visible()
        assert page.errors == []


def test_search_and_the_start_up_toggle(browser, svg_file):
    with new_page(browser) as page:
        page.goto(svg_file.as_uri())
        page.once("dialog", lambda dialog: dialog.accept("SERVE"))
        page.locator("[data-action=search]").click()
        # Stage.serve in Detector and in Sink, and Detector's in the "only at base" panel
        assert page.locator(".pw-match").count() == 3
        assert page.locator(f"{MAIN} .pw-match").count() == 2
        assert page.locator(".pw-matched").text_content() == "matched 3 frames: SERVE"

        page.locator("[data-action=startup]").click()
        assert page.locator(".pw-view[data-view=folded]").is_hidden()
        full = ".pw-view[data-view=full] .pw-panel[data-panel=main]"
        assert page.locator(f"{full} .pw-frame[data-name='<module> (numpy/__init__.py)']").count()
        full_height = page.locator(".pw-view[data-view=full]").get_attribute("data-height")
        assert page.locator("svg").get_attribute("height") == full_height
        assert page.locator(".pw-match").count() == 0  # a new view starts unsearched
        assert page.errors == []


def test_works_inlined_in_html(browser):
    fragment = to_html_fragment(fixture_diff())
    html = f"<!DOCTYPE html><html><body><pre>report</pre>{fragment}</body></html>"
    with new_page(browser) as page:
        page.set_content(html)
        page.locator(DETECT).click()
        assert width(page, DETECT) == pytest.approx(1180)
        assert page.errors == []


def test_a_missing_browser_fails_the_test_never_skips_it(monkeypatch, tmp_path):
    monkeypatch.setattr(browser_helpers, "CHROMIUM", tmp_path / "chromium")
    with pytest.raises(pytest.fail.Exception, match="make test"), chromium():
        pass
