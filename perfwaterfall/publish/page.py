"""The dashboard's HTML: an index of machines and pipelines with every change point, and
a page per pipeline with its charts. Everything is inline (style, script, data): the
pages open from disk and load nothing from the network."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from perfwaterfall.publish.chart import Point
from perfwaterfall.publish.history import PipelineHistory
from perfwaterfall.publish.marks import Mark

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:13px}.muted{color:#777}
svg.pw-chart{display:block;margin:6px 0;background:#fff}
svg.depth-2{margin-left:32px}
.plot{fill:none;stroke:#ddd}.band{stroke:#9ab;stroke-width:3;opacity:.7}
.trail{fill:none;stroke:#246;stroke-width:1.5}.hover{stroke:#c60;stroke-width:1}
.title{font-weight:600;font-size:13px}.axis{font-size:11px;fill:#777;text-anchor:end}
.cp{fill:#c22;stroke:#fff;stroke-width:2;cursor:pointer}.cp-rule{stroke:#c22;stroke-dasharray:4 3}
.cp-label{font-size:11px;fill:#c22}
#pw-tip{position:absolute;background:#222;color:#fff;padding:4px 8px;border-radius:3px;
font-size:12px;pointer-events:none;white-space:pre;max-width:640px}
"""

SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('pw-data').textContent);
  var tip = document.getElementById('pw-tip');
  document.querySelectorAll('svg.pw-chart').forEach(function (svg) {
    var n = +svg.dataset.n, left = +svg.dataset.left, width = +svg.dataset.plotWidth;
    var rule = svg.querySelector('.hover');
    svg.addEventListener('mousemove', function (ev) {
      var box = svg.getBoundingClientRect();
      var x = (ev.clientX - box.left) * svg.viewBox.baseVal.width / box.width;
      var i = Math.floor((x - left) / (width / n));
      if (i < 0 || i >= n) { tip.hidden = true; return; }
      var c = data.commits[i], p = data.charts[svg.dataset.chart][i];
      var value = p ? p[0] + ' ms (95% interval ' + p[1] + ' to ' + p[2] + ')' : 'not measured';
      tip.textContent = c[0] + '  ' + c[1] + '\\n' + (c[2] ? c[2] + '\\n' : '') + value;
      tip.style.left = (ev.pageX + 14) + 'px';
      tip.style.top = (ev.pageY + 14) + 'px';
      tip.hidden = false;
      var cx = left + (i + 0.5) * width / n;
      rule.setAttribute('x1', cx); rule.setAttribute('x2', cx);
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; });
  });
})();
"""


@dataclass(frozen=True)
class MarkRow:
    history: PipelineHistory
    mark: Mark
    waterfall: str  # relative to the dashboard's directory


def pipeline_page(
    history: PipelineHistory,
    charts: Sequence[tuple[str, list[Point]]],
    rows: Sequence[MarkRow],
) -> str:
    """``charts``: each chart's SVG and its points, in the order drawn."""
    setup = history.setup
    data = {
        "commits": [[c.short, c.subject, c.date] for c in history.commits],
        "charts": {f"c{i}": points for i, (_, points) in enumerate(charts)},
    }
    title = f"{history.scenario}: {len(history.commits)} commits"
    body = [
        f'<p><a href="index.html">all pipelines</a></p><h1>{escape(title)}</h1>',
        f'<p class="muted">{escape(setup.machine.one_line())} · harness '
        f"<code>{escape(' '.join(setup.harness))}</code> · {setup.frames} frames, "
        f"{setup.warmup} warm-up · machine {setup.fingerprint}</p>",
        "<h2>Change points</h2>",
        _marks_table(rows, with_pipeline=False),
        "<h2>Over the commits</h2>",
        '<p class="muted">Each commit: the mean of its round medians and its 95% interval. '
        "Hover for the commit; a red mark is a change point, and a click opens the waterfall "
        "of that commit against the one before it.</p>",
        *(svg for svg, _ in charts),
    ]
    return _document(title, body, data)


def index_page(histories: Sequence[PipelineHistory], rows: Sequence[MarkRow]) -> str:
    lines = []
    for fingerprint in dict.fromkeys(h.setup.fingerprint for h in histories):
        mine = [h for h in histories if h.setup.fingerprint == fingerprint]
        lines.append(
            f'<h2>Machine {fingerprint}</h2><p class="muted">'
            f"{escape(mine[0].setup.machine.one_line())}</p><table><tr><th>pipeline</th>"
            "<th>commits</th><th>latest frame time</th><th>change points</th></tr>"
        )
        for h in mine:
            latest = next((r for r in reversed(h.lines[0].rounds) if r), ())
            frame = f"{sum(latest) / len(latest):.4g} ms" if latest else "–"
            count = sum(1 for r in rows if r.history is h)
            lines.append(
                f'<tr><td><a href="{h.slug}.html">{escape(h.scenario)}</a></td>'
                f'<td class="num">{len(h.commits)}</td><td class="num">{frame}</td>'
                f'<td class="num">{count}</td></tr>'
            )
        lines.append("</table>")
    body = [
        "<h1>perf-waterfall: history</h1>",
        *lines,
        "<h2>Change points</h2>",
        _marks_table(rows, with_pipeline=True),
    ]
    return _document("perf-waterfall: history", body, {"commits": [], "charts": {}})


def _marks_table(rows: Sequence[MarkRow], *, with_pipeline: bool) -> str:
    if not rows:
        return '<p class="muted">None found.</p>'
    head = "<th>pipeline</th>" if with_pipeline else ""
    out = [
        f'<table class="marks"><tr><th>commit</th><th>subject</th>{head}<th>quantity</th>'
        "<th>before → after</th><th>step</th><th>95% interval</th><th>waterfall</th></tr>"
    ]
    for row in rows:
        mark, commit = row.mark, row.history.commits[row.mark.index]
        where = f"<td>{escape(row.history.scenario)}</td>" if with_pipeline else ""
        out.append(
            f'<tr class="mark" data-commit="{escape(commit.sha)}" '
            f'data-line="{escape(mark.line)}"><td><code>{escape(commit.short)}</code></td>'
            f"<td>{escape(commit.subject)}</td>{where}<td>{escape(mark.line)}</td>"
            f'<td class="num">{mark.before_ms:.4g} → {mark.after_ms:.4g} ms</td>'
            f'<td class="num">{mark.step_pct:+.1f}%</td>'
            f'<td class="num">{mark.low_pct:+.1f}% to {mark.high_pct:+.1f}%</td>'
            f'<td><a class="waterfall" href="{escape(row.waterfall)}">against '
            f"{escape(row.history.commits[mark.previous].short)}</a></td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def _document(title: str, body: Sequence[str], data: object) -> str:
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        + "\n".join(body)
        + '<div id="pw-tip" hidden></div>'
        f'<script type="application/json" id="pw-data">{payload}</script>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )
