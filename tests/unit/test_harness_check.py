"""No silent A/A: a harness that is not in the worktree it measures is refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from perfwaterfall.errors import HarnessFailed, UsageError
from perfwaterfall.measure.harness import SideCheckout
from perfwaterfall.measure.harness_check import (
    Target,
    check_harness_in_worktrees,
    harness_target,
    inside,
    module_inside,
)
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.protocol.harness_spec import DEFAULT_HARNESS, HarnessSpec

ROOT = Path(__file__).resolve().parents[2]


def side(label: str, worktree: Path, ref: str = "main") -> SideCheckout:
    return SideCheckout(label, RefInfo(ref, "0" * 40, "0000000", "s"), worktree, {})


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (("{python}", "-m", "scenarios"), Target(module="scenarios")),
        (("python3.11", "-X", "dev", "-u", "-m", "a.b"), Target(module="a.b")),
        (("/usr/bin/python", "-mbench"), Target(module="bench")),
        (("{python}", "bench.py", "--fast"), Target(path="bench.py")),
        (("{python}", "-W", "error", "tools/b.py"), Target(path="tools/b.py")),
        (("./bench.sh",), Target(path="./bench.sh")),
        (("{python}", "-c", "print(1)"), Target()),
        (("make", "bench"), Target()),
        (("{python}",), Target()),
    ],
)
def test_what_an_argv_runs(argv: tuple[str, ...], target: Target) -> None:
    assert harness_target(argv) == target


def test_modules_found_in_the_worktree_only(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.py")
    write(tmp_path / "pkg" / "sub.py")
    write(tmp_path / "flat.py")
    (tmp_path / "nsdir").mkdir()
    write(tmp_path / "nsdir" / "run.py")
    assert module_inside("pkg", tmp_path)
    assert module_inside("pkg.sub", tmp_path)
    assert module_inside("flat", tmp_path)
    assert module_inside("nsdir.run", tmp_path)
    assert not module_inside("pkg.missing", tmp_path)
    assert not module_inside("json", tmp_path)  # the standard library is not the worktree
    assert not module_inside("scenarios", tmp_path)
    assert not module_inside("bad-name", tmp_path)


def test_a_namespace_directory_loses_to_an_installed_package(tmp_path, monkeypatch) -> None:
    site = tmp_path / "site"
    write(site / "shadowed" / "__init__.py")
    worktree = tmp_path / "wt"
    write(worktree / "shadowed" / "run.py")
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    assert not module_inside("shadowed.run", worktree)
    write(worktree / "shadowed" / "__init__.py")  # a regular package in the worktree wins
    assert module_inside("shadowed.run", worktree)


def test_files_must_exist_inside_the_worktree(tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    write(worktree / "bench.py")
    outside = write(tmp_path / "elsewhere.py")
    (worktree / "link.py").symlink_to(outside)
    assert inside(Target(path="bench.py"), worktree)
    assert inside(Target(path=str(worktree / "bench.py")), worktree)
    assert not inside(Target(path="missing.py"), worktree)
    assert not inside(Target(path=str(outside)), worktree)
    assert not inside(Target(path="link.py"), worktree)
    assert not inside(Target(path="../elsewhere.py"), worktree)
    assert inside(Target(), worktree)  # `make bench`: trusted


def test_this_repository_keeps_its_default_harness() -> None:
    spec = HarnessSpec(argv=DEFAULT_HARNESS)
    check_harness_in_worktrees(spec, [side("base", ROOT), side("head", ROOT)], named=False)


def test_the_default_outside_the_worktree_is_one_line_naming_the_ways_out(tmp_path) -> None:
    spec = HarnessSpec(argv=DEFAULT_HARNESS)
    with pytest.raises(UsageError) as caught:
        check_harness_in_worktrees(spec, [side("run", tmp_path)], named=False)
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == 2
    for way_out in ("perf-waterfall init", "--harness", "[tool.perf-waterfall]"):
        assert way_out in message
    check_harness_in_worktrees(spec, [side("run", tmp_path)], named=True)  # --harness: trusted


def test_a_base_without_heads_harness_fails_that_side_pointing_to_same_harness(tmp_path) -> None:
    base, head = tmp_path / "base", tmp_path / "head"
    base.mkdir()
    write(head / "perfbench.py")
    spec = HarnessSpec(argv=("{python}", "perfbench.py"), graft=("perfbench.py",))
    sides = [side("base", base), side("head", head, "HEAD")]
    with pytest.raises(HarnessFailed) as caught:
        check_harness_in_worktrees(spec, sides, named=False)
    assert caught.value.exit_code == 1 and caught.value.side == "base"
    assert str(caught.value) == (
        "base (main): the harness `{python} perfbench.py` is not in its worktree "
        "(no file perfbench.py), but head (HEAD) has it: commit it there, or run head's "
        "harness on both sides with --same-harness"
    )


def test_a_table_harness_missing_everywhere(tmp_path: Path) -> None:
    spec = HarnessSpec(argv=("{python}", "-m", "mybench"))
    with pytest.raises(
        UsageError, match=r"of \[tool.perf-waterfall\] is not in the worktree of main"
    ):
        check_harness_in_worktrees(spec, [side("run", tmp_path)], named=False)
