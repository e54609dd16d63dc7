"""`perf-waterfall list`: the scenarios a ref's harness offers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from perfwaterfall.cli.globals import no_color
from perfwaterfall.cli.params import HarnessCmd, Repo
from perfwaterfall.measure import harness, harness_check, refs, worktrees
from perfwaterfall.measure.run import new_run_id
from perfwaterfall.protocol import harness_spec


def list_command(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(help="Ref whose harness to ask (WORKTREE allowed).")
    ] = "HEAD",
    repo: Repo = Path("."),
    harness_cmd: HarnessCmd = None,
) -> None:
    """List the scenarios the harness offers at REF."""
    git_repo = refs.open_repo(repo)
    info = refs.resolve_ref(git_repo, ref)
    spec = harness_spec.load_harness_spec(Path(git_repo.working_tree_dir or repo), harness_cmd)
    with worktrees.checked_out(git_repo, [info], run_id=new_run_id()) as (path,):
        side = harness.SideCheckout("ref", info, path, {})
        harness_check.check_harness_in_worktrees(
            spec, [side], named=harness_cmd is not None, hint=_uncommitted(spec, git_repo, ref)
        )
        scenarios = harness.list_scenarios(spec, side)
    from rich.text import Text

    from perfwaterfall.render.terminal import make_console

    out = make_console(no_color=no_color(ctx))
    width = max((len(s.name) for s in scenarios), default=0)
    for s in scenarios:
        out.print(Text.assemble((f"{s.name:<{width}}", "pw.label"), f"  {s.label}"))


def _uncommitted(spec: harness_spec.HarnessSpec, git_repo: object, ref: str) -> str:
    """The way out when the harness is in the work tree but not in REF: right after init."""
    target = harness_check.harness_target(spec.argv)
    root = Path(getattr(git_repo, "working_tree_dir", None) or ".")
    if ref == refs.WORKTREE or target.path is None or not (root / target.path).exists():
        return ""
    return (
        f"; it is in your work tree, not committed: `perf-waterfall list {refs.WORKTREE}` "
        "lists it as it is now"
    )
