"""compare --profile with the real py-spy and the real scenarios, and without py-spy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.helpers.cli import run_cli, run_cli_process

ROOT = Path(__file__).parents[2]
SVG = "{http://www.w3.org/2000/svg}"
STAGES = ["VideoIn", "Detector", "Tracker", "Sink"]  # 480p_raw's filters, in frame order
SMALL = ["-s", "480p_raw", "--frames", "3", "--rounds", "2", "--warmup", "1"]


def test_profile_writes_an_svg_per_side_and_names_real_functions(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "140")
    monkeypatch.setenv("SCENARIOS_SCALE", "0.05")
    args = ["compare", "WORKTREE", "WORKTREE", "--repo", ROOT, *SMALL]
    profile = ["--profile", "--profile-dir", tmp_path, "--profile-frames", "20"]
    html = tmp_path / "report.html"
    code, out, err = run_cli(
        [
            *args,
            "--base-env",
            "SCENARIOS_TRANSPORT=copy",
            *profile,
            "--profile-rounds",
            "2",
            "--format",
            "markdown",
            "--html",
            html,
        ],
        capsys,
    )
    assert code == 0, err
    svgs = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert svgs == [
        "perf-waterfall-base-480p_raw.svg",
        "perf-waterfall-diff-480p_raw.svg",
        "perf-waterfall-head-480p_raw.svg",
    ]
    for svg in tmp_path.glob("*.svg"):
        assert ET.parse(svg).getroot().tag.endswith("svg")
    # the differential one: stage towers in frame order, the harness last
    diff = ET.parse(tmp_path / "perf-waterfall-diff-480p_raw.svg").getroot()
    view = next(g for g in diff.iter(f"{SVG}g") if g.get("data-view") == "folded")
    towers = [g.get("data-name") for g in view.iter(f"{SVG}g") if "pw-tower" in g.get("class", "")]
    main = towers[: towers.index("harness") + 1]
    assert [t for t in main if t in STAGES] == [s for s in STAGES if s in main], towers
    assert "harness" in main
    assert 'id="pw-diff-flamegraph"' in html.read_text()  # one file carries the whole story
    assert "samples over 2 rounds" in out
    assert "Where the time moved" in out
    named = re.findall(r"\| ([A-Za-z_.<>\\]+) \(([\w/\\.]+\.py)\)", out)
    assert named, out
    # every function the panel names exists in the file it names
    for function, path in named:
        # py-spy names a comprehension 'f.<locals>.<listcomp>': check the innermost 'def'.
        parts = [p for p in function.replace("\\", "").split(".") if not p.startswith("<")]
        name = parts[-1] if parts else "<module>"
        source = ROOT / path.replace("\\", "") if path.startswith("scenarios") else None
        if source is not None and name not in ("<module>",):
            assert f"def {name}" in source.read_text(), (function, path)


def test_without_py_spy_the_comparison_renders_with_one_clear_line(tmp_path):
    """A venv twin without the py-spy binary (PATH without it too)."""
    twin = tmp_path / "venv"
    (twin / "bin").mkdir(parents=True)
    real = Path(sys.prefix)
    (twin / "pyvenv.cfg").write_text((real / "pyvenv.cfg").read_text())
    (twin / "lib").symlink_to(real / "lib")
    (twin / "bin" / "python").symlink_to(Path(sys.executable).resolve())
    env = {**os.environ, "PATH": "/usr/bin:/bin", "COLUMNS": "120", "SCENARIOS_SCALE": "0.05"}
    args = ["compare", "WORKTREE", "WORKTREE", "--repo", ROOT, *SMALL]

    def twin_cli(*extra: object) -> subprocess.CompletedProcess[str]:
        python = twin / "bin" / "python"
        return run_cli_process([*args, *extra], python=python, env=env, timeout=240, cwd=ROOT)

    done = twin_cli("--profile", "--profile-dir", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "py-spy is not installed" in done.stdout  # in the warnings panel
    assert "Frame waterfall" in done.stdout and "Where the time moved" not in done.stdout
    strict = twin_cli("--profile-strict", "--format", "json")
    assert strict.returncode == 1 and '"scenarios"' in strict.stdout
