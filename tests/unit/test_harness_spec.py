"""Where the harness is named: --harness beats [tool.perf-waterfall] beats the default."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from perfwaterfall.errors import UsageError
from perfwaterfall.measure import harness
from perfwaterfall.measure.harness import SideCheckout
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.protocol import harness_spec
from perfwaterfall.protocol.harness_spec import DEFAULT_HARNESS, HarnessSpec


def write_pyproject(root: Path, table: str) -> Path:
    path = root / "pyproject.toml"
    path.write_text(f'[project]\nname = "x"\n\n[tool.perf-waterfall]\n{table}\n')
    return path


def test_default_without_pyproject(tmp_path: Path) -> None:
    assert harness_spec.load_harness_spec(tmp_path, None) == HarnessSpec(argv=DEFAULT_HARNESS)


def test_default_without_the_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert harness_spec.load_harness_spec(tmp_path, None).argv == DEFAULT_HARNESS


def test_table_beats_default(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        'harness = ["{python}", "bench.py"]\nsetup = ["make", "ext"]\ngraft = ["bench", "b/c.py"]',
    )
    spec = harness_spec.load_harness_spec(tmp_path, None)
    assert spec == HarnessSpec(
        argv=("{python}", "bench.py"), setup=("make", "ext"), graft=("bench", "b/c.py")
    )


def test_cli_beats_table_but_keeps_setup_and_graft(tmp_path: Path) -> None:
    write_pyproject(tmp_path, 'harness = ["table"]\nsetup = ["make"]\ngraft = ["bench"]')
    spec = harness_spec.load_harness_spec(tmp_path, "{python} -m 'my bench' --fast")
    assert spec == HarnessSpec(
        argv=("{python}", "-m", "my bench", "--fast"), setup=("make",), graft=("bench",)
    )


def test_empty_setup_means_none(tmp_path: Path) -> None:
    write_pyproject(tmp_path, "setup = []")
    assert harness_spec.load_harness_spec(tmp_path, None).setup is None


@pytest.mark.parametrize("cli", ["", "   ", "python 'unclosed"])
def test_bad_cli_harness(tmp_path: Path, cli: str) -> None:
    with pytest.raises(UsageError, match="--harness"):
        harness_spec.load_harness_spec(tmp_path, cli)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('harness = "python -m scenarios"', "harness"),
        ("harness = []", "harness"),
        ('harness = ["python", 3]', "harness"),
        ('harness = [""]', "harness"),
        ('setup = "make"', "setup"),
        ("setup = [1]", "setup"),
        ('graft = "bench"', "graft"),
        ('graft = ["../outside"]', "graft"),
        ('graft = ["/etc/passwd"]', "graft"),
        ('graft = ["a/../../b"]', "graft"),
        ('graft = ["."]', "graft"),
        ('graft = [""]', "graft"),
        ('graft = [".git/config"]', "graft"),
    ],
)
def test_malformed_table_names_file_and_key(tmp_path: Path, table: str, key: str) -> None:
    path = write_pyproject(tmp_path, table)
    with pytest.raises(UsageError) as info:
        harness_spec.load_harness_spec(tmp_path, None)
    message = str(info.value)
    assert str(path) in message and key in message and "\n" not in message


def test_unparsable_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.perf-waterfall\nharness = [")
    with pytest.raises(UsageError, match=r"pyproject\.toml"):
        harness_spec.load_harness_spec(tmp_path, None)


def test_table_that_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool]\n"perf-waterfall" = 3\n')
    with pytest.raises(UsageError, match=r"\[tool.perf-waterfall\] must be a table"):
        harness_spec.load_harness_spec(tmp_path, None)


def test_this_repository_names_its_harness() -> None:
    root = Path(__file__).resolve().parents[2]
    assert harness_spec.load_harness_spec(root, None).argv == ("{python}", "-m", "scenarios")


def test_expand_argv_replaces_python() -> None:
    argv = harness_spec.expand_argv(["{python}", "-m", "x", "--py={python}"])
    assert argv == [sys.executable, "-m", "x", f"--py={sys.executable}"]


def test_harness_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYTHONPATH", "/old/path")
    monkeypatch.setenv("KEEP_ME", "1")
    ref = RefInfo(name="origin/main", sha="a" * 40, short="aaaaaaa", subject="s")
    side = SideCheckout(
        label="base", ref=ref, worktree=tmp_path, env={"TRANSPORT": "shm", "KEEP_ME": "2"}
    )
    env = harness.harness_env(side)
    assert env["PYTHONPATH"] == f"{tmp_path}{os.pathsep}/old/path"
    assert env["PERF_WATERFALL_REF"] == "origin/main"
    assert env["PERF_WATERFALL_SHA"] == "a" * 40
    assert env["TRANSPORT"] == "shm"
    assert env["KEEP_ME"] == "2"  # the user's KEY=VALUE wins
    monkeypatch.delenv("PYTHONPATH")
    assert harness.harness_env(side)["PYTHONPATH"] == str(tmp_path)
