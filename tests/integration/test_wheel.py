"""The wheel, installed (not editable) into a fresh venv, is a working tool without `scenarios`.

Offline and quick: the wheel is built from a copy of the sources with the dev
venv's setuptools (no build isolation), installed with --no-deps, and the fresh
venv sees the dev venv's site-packages through a .pth line for the dependencies
(a .pth line adds a path; the .pth files inside it, such as the editable finder
of this checkout, are not run). So perfwaterfall comes from the wheel alone.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from perfwaterfall import __version__
from tests.helpers.gitrepo import SAMPLE_OPS, build_repo
from tests.integration.kit_repo import kit_repo

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str | Path], cwd: Path, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=120, **kw
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin directory of a fresh venv holding the wheel built from this checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "perfwaterfall", src / "perfwaterfall", ignore=ignore)
    pip = [sys.executable, "-m", "pip"]
    build = ["wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp / "dist"]
    done = run([*pip, *build, src], cwd=tmp)
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp / "dist").glob("perf_waterfall-*.whl")
    venv = tmp / "venv"
    assert run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp).returncode == 0
    python = venv / "bin" / "python"
    done = run([*pip, "--python", python, "install", "-q", "--no-deps", "--no-index", wheel], tmp)
    assert done.returncode == 0, done.stderr
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp)
    (Path(purelib.stdout.strip()) / "dev-deps.pth").write_text(sysconfig.get_path("purelib"))
    return venv / "bin"


@pytest.mark.slow
def test_the_installed_tool_runs_a_kit_harness(installed: Path, tmp_path: Path) -> None:
    repo = kit_repo(tmp_path / "kit repo")
    probe = "import perfwaterfall, importlib.util as u; print(perfwaterfall.__file__); "
    where = run([installed / "python", "-c", probe + "print(u.find_spec('scenarios'))"], repo)
    module_file, scenarios = where.stdout.splitlines()
    assert Path(module_file).is_relative_to(installed.parent) and scenarios == "None"

    version = run([installed / "perf-waterfall", "--version"], repo)
    assert version.stdout.strip() == f"perf-waterfall {__version__}", version.stderr

    args = ["compare", "base", "HEAD", "--rounds", "2", "--frames", "2", "--format", "json"]
    done = run([installed / "perf-waterfall", *args], repo)
    assert done.returncode == 0, done.stderr
    (scenario,) = json.loads(done.stdout)["scenarios"]
    assert [st["name"] for st in scenario["stages"]] == ["Decode", "hop 1", "Detector"]

    bare = build_repo(tmp_path / "bare", SAMPLE_OPS)  # no harness, and no scenarios anywhere
    refused = run([installed / "perf-waterfall", "compare", "v1", "HEAD"], bare)
    assert refused.returncode == 2 and "perf-waterfall init" in refused.stderr
