"""The SVG and HTML exports in Chromium with the network off: every glyph drawn from the
machine's own fonts, and not one request beyond the file itself (rich's SVG asked a CDN
for Fira Code)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.browser import chromium
from tests.helpers.cli import run_cli_process

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ladder.bundle.json"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exports")
    paths = {"svg": out / "report.svg", "html": out / "report.html"}
    argv = ["show", FIXTURE, "--format", "json", "--svg", paths["svg"], "--html", paths["html"]]
    done = run_cli_process(argv, env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    return paths


def open_offline(browser, path: Path) -> tuple[object, list[str], object]:
    context = browser.new_context(offline=True, viewport={"width": 1400, "height": 1000})
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return page, asked, context


def glyph_width(page, selector: str, text: str) -> float:
    """The laid-out width of the first element under ``selector`` holding ``text``."""
    box = page.locator(selector, has_text=text).first.bounding_box()
    assert box is not None, text
    return float(box["width"])


@pytest.mark.parametrize("kind", ["svg", "html"])
def test_an_export_renders_offline_and_asks_for_nothing(exports, kind: str) -> None:
    text = exports[kind].read_text()
    assert "https://" not in text.replace("https://www.textualize.io", "")
    with chromium() as browser:
        page, asked, context = open_offline(browser, exports[kind])
        try:
            element = "text" if kind == "svg" else "span"
            # rendered glyphs, not empty boxes of zero width: text and box drawing alike
            assert glyph_width(page, element, "Frame waterfall") > 50
            assert glyph_width(page, element, "█") > 3
            families = page.evaluate(
                "[...document.fonts].filter(f => f.status !== 'unloaded').map(f => f.family)"
            )
            assert families == []  # no web font was loaded (or tried)
        finally:
            context.close()
    assert asked == [exports[kind].as_uri()], asked
