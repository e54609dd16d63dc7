"""gitrefs on real throw-away repositories: refs, worktrees, and the untouched checkout."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path

import git
import pytest

from perfwaterfall.errors import UsageError
from perfwaterfall.measure import refs, worktrees
from perfwaterfall.measure.refs import WORKTREE, RefInfo
from tests.helpers.gitrepo import (
    build_repo,
    registered_worktrees,
    run_git,
    sample_repo_fixture,  # noqa: F401
    user_state,
)


def sha_of(repo: Path, rev: str) -> str:
    return run_git(repo, "rev-parse", rev).strip()


@pytest.fixture
def repo(sample_repo: Path) -> git.Repo:
    return refs.open_repo(sample_repo)


def assert_no_worktrees(repo_path: Path, *dirs: Path) -> None:
    assert registered_worktrees(repo_path) == []
    assert not list((repo_path / ".git" / "worktrees").glob("*"))
    for d in dirs:
        assert not d.exists()


# ---------------------------------------------------------------- opening and resolving


def test_open_repo_from_a_subdirectory(sample_repo: Path) -> None:
    repo = refs.open_repo(sample_repo / "pkg")
    assert Path(repo.working_tree_dir or "") == sample_repo


@pytest.mark.parametrize("kind", ["missing", "file", "not_a_repo", "bare"])
def test_open_repo_refuses_what_is_not_a_checkout(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "x"
    if kind == "file":
        path.write_text("")
    elif kind == "not_a_repo":
        path.mkdir()
    elif kind == "bare":
        run_git(tmp_path, "init", "-q", "--bare", "x")
    with pytest.raises(UsageError) as info:
        refs.open_repo(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    if kind == "bare":
        assert "bare" in str(info.value)


@pytest.mark.parametrize(
    ("ref", "rev", "subject"),
    [
        ("main", "main", "fourth commit"),
        ("HEAD", "HEAD", "fourth commit"),
        ("HEAD~1", "HEAD~1", "third commit"),
        ("v1", "v1", "first commit"),
        ("feature", "feature", "second commit"),
    ],
)
def test_resolve_ref(sample_repo: Path, repo: git.Repo, ref: str, rev: str, subject: str) -> None:
    info = refs.resolve_ref(repo, ref)
    sha = sha_of(sample_repo, rev)
    assert info == RefInfo(name=ref, sha=sha, short=info.short, subject=subject)
    assert sha.startswith(info.short) and len(info.short) >= 7


def test_resolve_by_sha_and_annotated_tag(sample_repo: Path, repo: git.Repo) -> None:
    run_git(sample_repo, "tag", "-a", "-m", "annotated", "v2", "HEAD~2")
    sha = sha_of(sample_repo, "HEAD~2")
    assert refs.resolve_ref(repo, sha[:10]).sha == sha
    assert refs.resolve_ref(repo, "v2").sha == sha  # peeled to the commit, not the tag object


def test_worktree_ref(sample_repo: Path, repo: git.Repo) -> None:
    info = refs.resolve_ref(repo, WORKTREE)
    assert info.sha == WORKTREE and info.name == WORKTREE
    assert sha_of(sample_repo, "HEAD")[:7] in info.subject


@pytest.mark.parametrize("ref", ["-x", "--output=/tmp/x", "-"])
def test_refs_starting_with_a_dash_are_refused(repo: git.Repo, ref: str) -> None:
    with pytest.raises(UsageError, match="starts with '-'"):
        refs.resolve_ref(repo, ref)


@pytest.mark.parametrize(
    "ref",
    ["nope", "main; touch pwned", "$(touch pwned)", "`id`", "HEAD:README.md", "HEAD^{tree}", ""],
)
def test_refs_that_name_no_commit_are_refused(sample_repo: Path, repo: git.Repo, ref: str) -> None:
    with pytest.raises(UsageError) as info:
        refs.resolve_ref(repo, ref)
    assert "\n" not in str(info.value)
    if ref:
        assert repr(ref) in str(info.value)
    assert not (sample_repo / "pwned").exists()


def test_default_base_ref(tmp_path: Path) -> None:
    main = build_repo(tmp_path / "m", [("commit", "one")])
    assert refs.default_base_ref(refs.open_repo(main)) == "main"
    run_git(main, "update-ref", "refs/remotes/origin/main", "HEAD")
    assert refs.default_base_ref(refs.open_repo(main)) == "origin/main"
    master = build_repo(tmp_path / "o", [("commit", "one"), ("branch", "master")])
    run_git(master, "checkout", "-q", "master")
    run_git(master, "branch", "-D", "main")
    assert refs.default_base_ref(refs.open_repo(master)) == "master"
    run_git(master, "branch", "-m", "master", "trunk")
    with pytest.raises(UsageError, match="origin/main, main, master"):
        refs.default_base_ref(refs.open_repo(master))


def test_commits_between_counts_and_caps(repo: git.Repo) -> None:
    base, head = refs.resolve_ref(repo, "v1"), refs.resolve_ref(repo, "HEAD")
    commits, total = refs.commits_between(repo, base, head)
    assert total == 3
    assert [subject for _, subject in commits] == ["fourth commit", "third commit", "second commit"]
    assert commits[0][0] == head.short
    capped, total = refs.commits_between(repo, base, head, limit=2)
    assert (len(capped), total) == (2, 3)
    assert refs.commits_between(repo, head, head) == ([], 0)
    wt = refs.resolve_ref(repo, WORKTREE)
    assert refs.commits_between(repo, base, wt)[1] == 3  # WORKTREE counts as HEAD


def test_is_dirty(sample_repo: Path, repo: git.Repo) -> None:
    assert not refs.is_dirty(repo)
    (sample_repo / "debug.log").write_text("ignored")
    assert not refs.is_dirty(repo)
    (sample_repo / "new.txt").write_text("untracked")
    assert refs.is_dirty(repo)
    (sample_repo / "new.txt").unlink()
    (sample_repo / "README.md").write_text("edited")
    assert refs.is_dirty(repo)


# ---------------------------------------------------------------- worktrees


def test_worktrees_exist_inside_and_are_gone_after(sample_repo: Path, repo: git.Repo) -> None:
    head, v1 = refs.resolve_ref(repo, "HEAD"), refs.resolve_ref(repo, "v1")
    before = user_state(sample_repo)
    with worktrees.checked_out(repo, [v1, head, head], run_id="t") as paths:
        assert len(set(paths)) == 3  # the same sha twice still gets two worktrees
        assert sorted(registered_worktrees(sample_repo)) == sorted(paths)
        assert worktrees.tool_worktrees(repo) == paths
        assert (paths[0] / "pkg" / "__init__.py").read_text() == "VALUE = 1\n"
        assert (paths[1] / "pkg" / "__init__.py").read_text() == "VALUE = 4\n"
        assert sha_of(paths[2], "HEAD") == head.sha
        assert "perf-waterfall-t-" in paths[0].parent.name
        assert str(os.getpid()) in paths[0].parent.name
    assert_no_worktrees(sample_repo, paths[0].parent)
    assert user_state(sample_repo) == before


def test_worktrees_are_gone_after_an_exception(sample_repo: Path, repo: git.Repo) -> None:
    head = refs.resolve_ref(repo, "HEAD")
    with (
        pytest.raises(RuntimeError),
        worktrees.checked_out(repo, [head, head], run_id="t") as paths,
    ):
        raise RuntimeError("boom")
    assert_no_worktrees(sample_repo, paths[0].parent)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(143)  # what the CLI's SIGTERM handler does


@pytest.mark.parametrize("other_thread", [False, True])
@pytest.mark.parametrize(
    ("signum", "raised"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, SystemExit)]
)
def test_worktrees_are_gone_after_a_signal_even_with_a_second_one_during_cleanup(
    sample_repo: Path,
    repo: git.Repo,
    monkeypatch: pytest.MonkeyPatch,
    signum: int,
    raised: type[BaseException],
    other_thread: bool,
) -> None:
    """With another thread alive, the kernel hands it the signal the main thread holds."""
    head = refs.resolve_ref(repo, "HEAD")
    stop = threading.Event()
    if other_thread:
        threading.Thread(target=stop.wait, daemon=True).start()
    real_steps = worktrees._remove_steps
    sent: list[int] = []

    def interrupted_again(*args: object) -> None:
        if not sent:  # a second signal, once: held until cleanup is done, or retried through
            sent.append(signum)
            os.kill(os.getpid(), signum)
        real_steps(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(worktrees, "_remove_steps", interrupted_again)
    old = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    paths: list[Path] = []
    try:
        with pytest.raises(raised), worktrees.checked_out(repo, [head, head], run_id="t") as got:
            paths = got
            os.kill(os.getpid(), signum)
            threading.Event().wait(5)  # the exception lands here
    finally:
        signal.signal(signal.SIGTERM, old)
        stop.set()
    assert_no_worktrees(sample_repo, paths[0].parent)


def test_a_half_created_worktree_is_cleaned_up(
    sample_repo: Path, repo: git.Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An `add` killed mid-way leaves a locked entry and a directory without `.git`."""
    head = refs.resolve_ref(repo, "HEAD")
    real_create = worktrees._create_worktree

    def half_create(repo: git.Repo, ref: RefInfo, path: Path) -> None:
        real_create(repo, ref, path)
        admin = next((sample_repo / ".git" / "worktrees").iterdir())
        (admin / "locked").write_text("initializing")
        (path / ".git").unlink()
        raise KeyboardInterrupt

    monkeypatch.setattr(worktrees, "_create_worktree", half_create)
    with pytest.raises(KeyboardInterrupt), worktrees.checked_out(repo, [head], run_id="t"):
        pytest.fail("not reached")
    assert_no_worktrees(sample_repo)
    assert not list(Path(tempfile.gettempdir()).glob(f"perf-waterfall-t-{os.getpid()}-*"))


def test_an_interrupt_right_after_the_temporary_directory_is_made_leaves_nothing(
    sample_repo: Path, repo: git.Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C taken by another thread runs its handler whenever: even between mkdtemp and `=`."""
    head = refs.resolve_ref(repo, "HEAD")
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp_then_interrupted(**kwargs: str) -> str:
        real_mkdtemp(**kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(refs.tempfile, "mkdtemp", mkdtemp_then_interrupted)
    with pytest.raises(KeyboardInterrupt), worktrees.checked_out(repo, [head], run_id="t"):
        pytest.fail("not reached")
    assert_no_worktrees(sample_repo)
    assert not list(Path(tempfile.gettempdir()).glob(f"perf-waterfall-t-{os.getpid()}-*"))


def test_worktree_side_carries_uncommitted_changes_and_leaves_the_checkout_alone(
    sample_repo: Path, repo: git.Repo
) -> None:
    (sample_repo / "README.md").write_text("stashed\n")
    run_git(sample_repo, "stash", "-q")
    (sample_repo / "README.md").write_text("edited, unstaged\n")
    (sample_repo / "pkg" / "keep.py").unlink()
    (sample_repo / "pkg" / "new module.py").write_text("NEW = 'ü'\n")
    (sample_repo / "debug.log").write_text("ignored, not copied\n")
    (sample_repo / "staged.txt").write_text("staged\n")
    run_git(sample_repo, "add", "staged.txt")
    (sample_repo / "staged.txt").write_text("staged, then edited\n")
    os.symlink("README.md", sample_repo / "link")
    before = user_state(sample_repo)
    head = refs.resolve_ref(repo, "HEAD")
    wt = refs.resolve_ref(repo, WORKTREE)

    with worktrees.checked_out(repo, [head, wt], run_id="t") as (clean, dirty):
        assert (dirty / "README.md").read_text() == "edited, unstaged\n"
        assert not (dirty / "pkg" / "keep.py").exists()
        assert (dirty / "pkg" / "new module.py").read_text() == "NEW = 'ü'\n"
        assert (dirty / "staged.txt").read_text() == "staged, then edited\n"
        assert os.readlink(dirty / "link") == "README.md"
        assert not (dirty / "debug.log").exists()
        assert (clean / "README.md").read_text() == "sample\n"
        assert (clean / "pkg" / "keep.py").exists()
        assert sha_of(dirty, "HEAD") == head.sha
        during = user_state(sample_repo)
        assert {**during, "worktrees": None} == {**before, "worktrees": None}
    assert user_state(sample_repo) == before
    assert_no_worktrees(sample_repo, clean, dirty)


def test_concurrent_runs_get_distinct_directories(sample_repo: Path, repo: git.Repo) -> None:
    head = refs.resolve_ref(repo, "HEAD")
    other = refs.open_repo(sample_repo)
    with (
        worktrees.checked_out(repo, [head, head], run_id="same") as first,
        worktrees.checked_out(other, [head, head], run_id="same") as second,
    ):
        assert first[0].parent != second[0].parent
        assert len(set(first + second)) == 4
        assert len(registered_worktrees(sample_repo)) == 4
    assert_no_worktrees(sample_repo, first[0].parent, second[0].parent)


def test_stale_worktrees_names_those_of_dead_runs(sample_repo: Path, repo: git.Repo) -> None:
    head = refs.resolve_ref(repo, "HEAD")
    with worktrees.checked_out(repo, [head], run_id="t") as (path,):
        assert worktrees.stale_worktrees(repo) == []
        dead = path.parent.with_name(path.parent.name.replace(f"-{os.getpid()}-", "-999999999-"))
        run_git(sample_repo, "worktree", "add", "-q", "--detach", str(dead / "0-x"), head.sha)
        assert worktrees.stale_worktrees(repo) == [dead / "0-x"]
        run_git(sample_repo, "worktree", "remove", "--force", str(dead / "0-x"))
        dead.rmdir()
