"""`perf-waterfall init` only ever adds: a new harness file, a table appended to pyproject.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from perfwaterfall.cli.init import STARTER, init_repository
from perfwaterfall.errors import UsageError
from perfwaterfall.kit import Scenario, record
from perfwaterfall.protocol.harness_spec import load_harness_spec
from perfwaterfall.protocol.parsing import parse_results

EXISTING = '[project]\nname = "mine"  # keep this comment\n\n[tool.ruff]\nline-length = 99'


def test_into_an_empty_repository(tmp_path: Path) -> None:
    said = init_repository(tmp_path, "perfbench.py")
    assert said[0].startswith("wrote perfbench.py") and said[1].startswith("created with")
    assert (tmp_path / "perfbench.py").read_text() == STARTER
    spec = load_harness_spec(tmp_path, None)
    assert spec.argv == ("{python}", "perfbench.py") and spec.graft == ("perfbench.py",)


def test_appends_without_touching_what_is_there(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(EXISTING.encode())  # no final newline
    said = init_repository(tmp_path, "bench/perf.py")
    after = (tmp_path / "pyproject.toml").read_bytes().decode()
    assert after.startswith(EXISTING + "\n\n[tool.perf-waterfall]\n")
    assert said[1] == (
        "appended [tool.perf-waterfall] to pyproject.toml (harness = bench/perf.py, "
        "graft for --same-harness)"
    )
    data = tomllib.loads(after)
    assert data["tool"]["ruff"] == {"line-length": 99}
    assert data["tool"]["perf-waterfall"]["harness"] == ["{python}", "bench/perf.py"]
    assert (tmp_path / "bench" / "perf.py").is_file()


def test_keeps_crlf_line_endings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\r\nname = "x"\r\n')
    init_repository(tmp_path, "perfbench.py")
    text = (tmp_path / "pyproject.toml").read_bytes()
    assert b"\n" not in text.replace(b"\r\n", b"")


def test_a_second_init_changes_nothing_and_says_so(tmp_path: Path) -> None:
    init_repository(tmp_path, "perfbench.py")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    said = init_repository(tmp_path, "perfbench.py")
    assert said == ["nothing to change: pyproject.toml already has [tool.perf-waterfall]"]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_never_overwrites_a_file_of_the_same_name(tmp_path: Path) -> None:
    (tmp_path / "perfbench.py").write_text("# mine\n")
    with pytest.raises(UsageError, match="exists and is not the starter: init never overwrites"):
        init_repository(tmp_path, "perfbench.py")
    assert (tmp_path / "perfbench.py").read_text() == "# mine\n"
    assert not (tmp_path / "pyproject.toml").exists()


def test_the_starter_kept_when_only_the_table_was_missing(tmp_path: Path) -> None:
    (tmp_path / "perfbench.py").write_text(STARTER)
    said = init_repository(tmp_path, "perfbench.py")
    assert said[0] == "kept perfbench.py: it is already the starter harness"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[project\n", "is not TOML"),
        ("tool = {ruff = {line-length = 99}}\n", "would not be valid TOML with the table"),
    ],
)
def test_a_pyproject_it_cannot_append_to_is_left_alone(tmp_path, content, message) -> None:
    (tmp_path / "pyproject.toml").write_text(content)
    with pytest.raises(UsageError, match=message):
        init_repository(tmp_path, "perfbench.py")
    assert (tmp_path / "pyproject.toml").read_text() == content
    assert not (tmp_path / "perfbench.py").exists()


@pytest.mark.parametrize("name", ["../out.py", "/tmp/x.py", "bench.sh", "a\\b.py"])
def test_the_harness_file_must_be_a_py_path_inside(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match=r"give a \.py path inside the repository"):
        init_repository(tmp_path, name)


def test_the_starter_produces_a_valid_document() -> None:
    namespace: dict[str, object] = {"__name__": "starter"}
    exec(compile(STARTER, "perfbench.py", "exec"), namespace)
    pipeline = namespace["pipeline"]
    assert callable(pipeline)
    scenario = Scenario("small", pipeline, params={"size": 100})
    result = parse_results(record(scenario, frames=2, warmup=1))
    assert [s.name for s in result.stages] == ["load", "process"]
