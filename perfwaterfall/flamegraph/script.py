"""The differential flamegraph's inline script and style: zoom on click, search, the
start-up toggle and the details line, with no network resource.

It finds its SVG by id, so it runs the same standalone and inlined in the HTML export;
it only moves and hides frames and sets ``textContent`` (names are data, never markup).
"""

from __future__ import annotations

SVG_ID = "pw-diff-flamegraph"
CHAR_PX = 7.0  # average glyph width of the 12 px label font: the labels are cut to fit
TEXT_PAD = 3.0

STYLE = """
#pw-diff-flamegraph { font-family: Verdana, "DejaVu Sans", sans-serif; }
#pw-diff-flamegraph .pw-frame { cursor: pointer; }
#pw-diff-flamegraph .pw-frame rect { stroke: white; stroke-width: 0.5; }
#pw-diff-flamegraph .pw-frame:hover rect { stroke: black; stroke-width: 1; }
#pw-diff-flamegraph .pw-frame text { font-size: 12px; fill: black; pointer-events: none; }
#pw-diff-flamegraph .pw-dark text { fill: white; }
#pw-diff-flamegraph .pw-parent rect { opacity: 0.55; }
#pw-diff-flamegraph .pw-match rect { fill: rgb(230,0,230); }
#pw-diff-flamegraph .pw-tower text { font-weight: bold; }
#pw-diff-flamegraph .pw-button { cursor: pointer; fill: rgb(32,96,160); font-size: 12px; }
#pw-diff-flamegraph .pw-note { fill: rgb(80,80,80); font-size: 12px; }
#pw-diff-flamegraph .pw-heading { font-size: 13px; font-weight: bold; }
"""

SCRIPT = """
(function () {
  "use strict";
  var svg = document.getElementById("%(svg_id)s");
  if (!svg) { return; }
  var CHAR = %(char_px)s, PAD = %(text_pad)s;
  var left = parseFloat(svg.getAttribute("data-left"));
  var panelWidth = parseFloat(svg.getAttribute("data-panel-width"));
  var details = svg.querySelector(".pw-details");
  var matched = svg.querySelector(".pw-matched");
  var startup = svg.querySelector("[data-action=startup]");

  function num(el, name) { return parseFloat(el.getAttribute(name)); }
  function views() { return Array.prototype.slice.call(svg.querySelectorAll(".pw-view")); }
  function current() {
    return views().filter(function (v) { return v.style.display !== "none"; })[0];
  }
  function frames(root) { return Array.prototype.slice.call(root.querySelectorAll(".pw-frame")); }

  function label(name, width) {
    var room = Math.floor((width - 2 * PAD) / CHAR);
    if (room >= name.length) { return name; }
    return room >= 3 ? name.slice(0, room - 2) + ".." : "";
  }
  function place(f, x, w) {
    f.style.display = "";
    f.querySelector("rect").setAttribute("x", (left + x).toFixed(2));
    f.querySelector("rect").setAttribute("width", w.toFixed(2));
    var t = f.querySelector("text");
    t.setAttribute("x", (left + x + PAD).toFixed(2));
    t.textContent = label(f.getAttribute("data-name"), w);
  }
  function unzoom(root) {
    frames(root).forEach(function (f) {
      f.classList.remove("pw-parent");
      place(f, num(f, "data-x"), num(f, "data-w"));
    });
    svg.removeAttribute("data-zoomed");
  }
  function zoom(g) {
    var panel = g.closest(".pw-panel");
    var x0 = num(g, "data-x"), w0 = num(g, "data-w"), d0 = num(g, "data-d");
    var k = panelWidth / w0, eps = 1e-6;
    frames(panel).forEach(function (f) {
      var x = num(f, "data-x"), w = num(f, "data-w"), d = num(f, "data-d");
      if (d < d0 && x <= x0 + eps && x + w >= x0 + w0 - eps) {
        f.classList.add("pw-parent");
        place(f, 0, panelWidth);
      } else if (d >= d0 && x >= x0 - eps && x + w <= x0 + w0 + eps) {
        f.classList.remove("pw-parent");
        place(f, (x - x0) * k, w * k);
      } else {
        f.style.display = "none";
      }
    });
    svg.setAttribute("data-zoomed", g.getAttribute("data-name"));
  }
  function search(term) {
    var hits = 0;
    frames(svg).forEach(function (f) { f.classList.remove("pw-match"); });
    matched.textContent = "";
    if (!term) { return; }
    var needle = term.toLowerCase();
    frames(current()).forEach(function (f) {
      if (f.getAttribute("data-name").toLowerCase().indexOf(needle) >= 0) {
        f.classList.add("pw-match");
        hits += 1;
      }
    });
    matched.textContent = "matched " + hits + " frame" + (hits === 1 ? "" : "s") + ": " + term;
  }
  function askSearch() {
    var term = window.prompt("Search frames (part of a name, any case):", "");
    if (term !== null) { search(term); }
  }
  function toggleStartup() {
    var shown = current();
    views().forEach(function (v) {
      v.style.display = v === shown ? "none" : "";
      unzoom(v);
    });
    var height = current().getAttribute("data-height");
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + svg.getAttribute("width") + " " + height);
    svg.querySelector(".pw-background").setAttribute("height", height);
    var folded = current().getAttribute("data-view") === "folded";
    startup.textContent = folded ? "[show start-up stacks]" : "[fold start-up stacks]";
    search("");
  }

  svg.addEventListener("click", function (event) {
    var action = event.target.closest("[data-action]");
    if (action) {
      var what = action.getAttribute("data-action");
      if (what === "reset") { views().forEach(unzoom); }
      if (what === "search") { askSearch(); }
      if (what === "clear") { search(""); }
      if (what === "startup") { toggleStartup(); }
      return;
    }
    var frame = event.target.closest(".pw-frame");
    if (frame) { zoom(frame); }
  });
  svg.addEventListener("mouseover", function (event) {
    var frame = event.target.closest(".pw-frame");
    if (frame) {
      details.textContent = frame.querySelector("title").textContent.split("\\n").join(" · ");
    }
  });
  svg.addEventListener("mouseout", function () { details.textContent = " "; });
  // Ctrl-F searches frames only when the SVG is the page; inlined in a report, the
  // browser's own find stays the reader's.
  document.addEventListener("keydown", function (event) {
    if (document.documentElement !== svg) { return; }
    if ((event.ctrlKey || event.metaKey) && event.key === "f") {
      event.preventDefault();
      askSearch();
    }
  });
})();
""" % {"svg_id": SVG_ID, "char_px": CHAR_PX, "text_pad": TEXT_PAD}  # noqa: UP031


def fitted_label(name: str, width: float) -> str:
    """The label the script would draw: the name, cut with '..' to fit, or nothing."""
    room = int((width - 2 * TEXT_PAD) // CHAR_PX)
    if room >= len(name):
        return name
    return name[: room - 2] + ".." if room >= 3 else ""
