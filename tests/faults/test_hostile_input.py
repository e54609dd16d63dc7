"""Hostile input at the command line: one clear line and exit 2, or a correct run; never a hang.

Every case runs the real CLI as a process (with a deadline) and then looks for what
it may have left: worktrees, temporary files, processes, a changed checkout, and a
file that a ref's shell metacharacters would have created had anything run a shell.
"""

from __future__ import annotations

import inspect
import json
import os
import shlex
import shutil
from pathlib import Path

import pytest

from tests.faults import tools
from tests.faults.tools import FAKE, Run
from tests.helpers.fake_harness import FAKE_HARNESS
from tests.helpers.gitrepo import SAMPLE_OPS, build_repo, run_git

QUICK = ["--frames", "2", "--warmup", "0", "--rounds", "2", "-s", "alpha", "--harness", FAKE]
PWNED = "PWNED"


def compare(repo: Path, workdir: Path, *refs: str, checkout: Path | bool | None = True) -> Run:
    """``compare --repo REPO -- REFS``, watching ``checkout`` (REPO by default) for changes."""
    return tools.run(
        ["compare", "--repo", str(repo), *QUICK, "--", *refs],
        workdir=workdir,
        repo=repo if checkout is True else checkout or None,
        timeout=60,
    )


def assert_refused(r: Run, fragment: str) -> None:
    assert r.code == 2, (r.code, r.err)
    assert fragment in tools.one_line(r.err), r.err
    assert r.leftovers() == []


def assert_no_shell_ran(*dirs: Path) -> None:
    for d in dirs:
        assert not list(d.rglob(PWNED)), f"something ran a shell in {d}"


# ---------------------------------------------------------------- refs


@pytest.mark.parametrize(
    ("refs", "fragment"),
    tools.fast_first(
        [
            (("-x", "HEAD"), "starts with '-'"),
            (("v1", "--upload-pack=touch PWNED"), "starts with '-'"),
            (("--output=PWNED", "HEAD"), "starts with '-'"),
            (("-", "HEAD"), "starts with '-'"),
        ],
        2,
        ids=["dash-x", "upload-pack", "output", "lone-dash"],
    ),
)
def test_refs_starting_with_a_dash_are_refused(
    refs: tuple[str, ...], fragment: str, fake_repo: Path, workdir: Path
) -> None:
    r = compare(fake_repo, workdir, *refs)
    assert_refused(r, fragment)
    assert_no_shell_ran(workdir, fake_repo)


METACHARACTERS = [
    "$(touch PWNED)",
    "`touch PWNED`",
    "v1;touch PWNED",
    "v1 && touch PWNED",
    "v1|touch PWNED",
    "v1>PWNED",
    "v1'\"",
    "*",
    "v1..HEAD",
    "HEAD:pkg",
    "HEAD^{tree}",
    "@{-1}",
    "ü" * 300,
    "x" * 20_000,
    "v1\nHEAD",
]


@pytest.mark.parametrize(
    "ref",
    tools.fast_first(
        [(m,) for m in METACHARACTERS], 3, ids=[str(i) for i in range(len(METACHARACTERS))]
    ),
)
def test_refs_with_shell_metacharacters_are_unknown_refs(
    ref: str, fake_repo: Path, workdir: Path
) -> None:
    r = compare(fake_repo, workdir, ref, "HEAD")
    assert_refused(r, "unknown ref")
    assert_no_shell_ran(workdir, fake_repo)


def test_a_real_branch_named_with_metacharacters_is_measured(
    fake_repo: Path, workdir: Path
) -> None:
    """git allows ``$ ( ) ; | & < > ' "`` in branch names: they are never a shell's."""
    branch = "feat/$(touch${IFS}PWNED);a|b&c<d>'e\"`touch${IFS}PWNED`"
    run_git(fake_repo, "branch", branch, "v1")
    r = compare(fake_repo, workdir, branch, "HEAD")
    assert r.code == 0, r.err
    assert_no_shell_ran(workdir, fake_repo)
    assert r.leftovers() == []


# ---------------------------------------------------------------- repositories


def test_a_path_that_is_not_a_repository(workdir: Path) -> None:
    plain = workdir / "plain dir"
    plain.mkdir()
    r = compare(plain, workdir, "v1", "HEAD", checkout=None)
    assert_refused(r, "is not inside a git repository")


def test_a_path_that_does_not_exist(workdir: Path) -> None:
    r = compare(workdir / "nowhere", workdir, "v1", "HEAD", checkout=None)
    assert_refused(r, "no such directory")


def test_a_path_that_is_a_file(fake_repo: Path, workdir: Path) -> None:
    r = compare(fake_repo / "README.md", workdir, "v1", "HEAD", checkout=fake_repo)
    assert_refused(r, "is not a directory")


def test_a_bare_repository(fake_repo: Path, workdir: Path) -> None:
    bare = workdir / "bare.git"
    run_git(workdir, "clone", "-q", "--bare", str(fake_repo), str(bare))
    assert_refused(compare(bare, workdir, "v1", "HEAD", checkout=None), "bare repository")


def test_the_git_directory_of_a_checkout(fake_repo: Path, workdir: Path) -> None:
    """--repo REPO/.git: measured as its checkout, or refused in one line; never a traceback."""
    r = compare(fake_repo / ".git", workdir, "v1", "HEAD", checkout=fake_repo)
    assert r.code in (0, 2), r.err
    if r.code == 2:
        tools.one_line(r.err)
    assert r.leftovers() == []


@pytest.mark.parametrize("base", tools.fast_first([("v1",), ("HEAD~1",), ("FIRST",)], 1))
def test_a_shallow_clone_without_the_base_commit(base: str, fake_repo: Path, workdir: Path) -> None:
    shallow = workdir / "shallow"
    run_git(workdir, "clone", "-q", "--depth", "1", f"file://{fake_repo}", str(shallow))
    if base == "FIRST":
        base = run_git(fake_repo, "rev-list", "--max-parents=0", "HEAD").strip()
    r = compare(shallow, workdir, base, "HEAD")
    assert_refused(r, "shallow clone")


def test_a_detached_head(fake_repo: Path, workdir: Path) -> None:
    run_git(fake_repo, "checkout", "-q", "--detach", "HEAD~1")
    (fake_repo / "pkg" / "__init__.py").write_text("VALUE = 9\n")
    for head in ("HEAD", "WORKTREE"):
        r = compare(fake_repo, workdir, "v1", head)
        assert r.code == 0, r.err
        assert r.leftovers() == []


def test_a_repository_with_a_submodule(fake_repo: Path, workdir: Path) -> None:
    library = build_repo(workdir / "library", [("write", "lib.txt", "1\n"), ("commit", "lib")])
    run_git(
        fake_repo,
        *("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "sub mod"),
    )
    run_git(fake_repo, "commit", "-q", "-m", "add a submodule", tick=20)
    (fake_repo / "sub mod" / "lib.txt").write_text("changed inside the submodule\n")
    (fake_repo / "pkg" / "__init__.py").write_text("VALUE = 7\n")
    for refs in (("HEAD~1", "HEAD"), ("HEAD", "WORKTREE")):
        r = compare(fake_repo, workdir, *refs)
        assert r.code == 0, r.err
        assert r.leftovers() == []


NAMES = ["new file ü.txt", "tab\tname", "new\nline", "日本語/ファイル", "-leading-dash"]
# A harness that, at the WORKTREE side, records every file of its worktree, then is the fake.
SNAPSHOT = """
import json, os, runpy, sys
if sys.argv[1] == "list" and os.environ["PERF_WATERFALL_SHA"] == "WORKTREE":
    json.dump(snapshot("."), open(os.environ["SNAPSHOT"], "w"))
sys.argv, sys.path[:0] = [FAKE, *sys.argv[1:]], [os.path.dirname(FAKE)]  # as a script
runpy.run_path(FAKE, run_name="__main__")
"""


def snapshot(root: str) -> dict[str, str]:
    """Every file and symlink under ``root`` but .git: relative path -> content or link target."""
    files = {}
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if x != ".git"]
        for name in names:
            if name == ".git":  # a worktree's .git is a file
                continue
            path = os.path.join(d, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                files[rel] = "-> " + os.readlink(path)
            else:
                files[rel] = Path(path).read_bytes().decode("latin-1")
    return files


def test_paths_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    """Repository, TMPDIR and changed file names with spaces, non-ASCII and worse; WORKTREE
    copies each of them exactly (a deletion and a symlink too)."""
    workdir = tmp_path / "work dir ü 日本"
    repo = build_repo(workdir / "the repo ü", SAMPLE_OPS)
    for name in NAMES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(name)
    (repo / os.fsdecode(b"not-utf8-\xff.txt")).write_text("bytes")
    (repo / "README.md").unlink()
    (repo / "link ü").symlink_to("pkg/keep.py")
    harness = workdir / "snapshot harness.py"
    source = inspect.getsource(snapshot)
    harness.write_text(
        f"from pathlib import Path\nFAKE = {str(FAKE_HARNESS)!r}\n{source}{SNAPSHOT}"
    )
    taken = workdir / "snapshot.json"
    command = f"{{python}} {shlex.quote(str(harness))}"  # the last --harness wins
    r = tools.run(
        ["compare", "--repo", str(repo), *QUICK, "--harness", command, "HEAD", "WORKTREE"],
        workdir=workdir,
        repo=repo,
        env={"SNAPSHOT": str(taken)},
        timeout=60,
    )
    assert r.code == 0, r.err
    assert json.loads(taken.read_text()) == snapshot(str(repo))
    assert r.leftovers() == []


@pytest.mark.faults
@pytest.mark.timeout(120)
def test_the_real_harness_under_a_tmpdir_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    """Socket directories and worktrees of the real harness live under such a TMPDIR."""
    workdir = tmp_path / "w ü 日"
    repo = tools.copy_scenarios_repo(workdir / "r ü")
    for rung in ("nocopy", "shm-loan"):
        args = ["compare", "base", "HEAD", "--repo", str(repo), "-s", "480p_raw"]
        r = tools.run(
            [*args, "--frames", "2", "--warmup", "0", "--rounds", "1"],
            workdir=workdir,
            repo=repo,
            env={"SCENARIOS_SCALE": "0.05", "SCENARIOS_TRANSPORT": rung},
            timeout=100,
        )
        assert r.code == 0, r.out
        assert r.leftovers() == []


# ---------------------------------------------------------------- the harness table

MALFORMED = {
    "not-toml": "[tool.perf-waterfall\nharness = ",
    "harness-a-string": '[tool.perf-waterfall]\nharness = "python -m bench"\n',
    "harness-empty": "[tool.perf-waterfall]\nharness = []\n",
    "harness-numbers": "[tool.perf-waterfall]\nharness = [1, 2]\n",
    "harness-empty-program": '[tool.perf-waterfall]\nharness = ["", "x"]\n',
    "table-a-number": "[tool]\nperf-waterfall = 5\n",
    "setup-a-string": '[tool.perf-waterfall]\nsetup = "make"\n',
    "graft-a-string": '[tool.perf-waterfall]\ngraft = "bench.py"\n',
    "graft-outside": '[tool.perf-waterfall]\ngraft = ["../outside"]\n',
    "graft-git-dir": '[tool.perf-waterfall]\ngraft = [".git/config"]\n',
    "not-utf8": b'[tool.perf-waterfall]\nharness = ["\xff"]\n',
    "a-directory": None,
}


@pytest.mark.parametrize(
    "case", tools.fast_first([(c,) for c in MALFORMED], 3, ids=list(MALFORMED))
)
def test_a_malformed_harness_table(case: str, fake_repo: Path, workdir: Path) -> None:
    pyproject = fake_repo / "pyproject.toml"
    content = MALFORMED[case]
    if content is None:
        pyproject.mkdir()
    elif isinstance(content, bytes):
        pyproject.write_bytes(content)
    else:
        pyproject.write_text(content)
    r = tools.run(
        ["compare", "--repo", str(fake_repo), "v1", "HEAD", "--same-harness"],
        workdir=workdir,
        repo=fake_repo,
        timeout=60,
    )
    assert_refused(r, "pyproject.toml")
    if content is None:
        shutil.rmtree(pyproject)
