"""`perf-waterfall doctor`: is this machine quiet enough to measure on?

Read-only and without root, like ``pyperf system show``. It always exits 0: it
describes the machine, it does not gate anything (a script reads ``--format json``).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from perfwaterfall.cli.globals import no_color
from perfwaterfall.errors import UsageError

DOCTOR_FORMATS = ("terminal", "json")
JSON_VERSION = 1


def doctor_command(
    ctx: typer.Context,
    format: Annotated[
        str, typer.Option("--format", metavar="|".join(DOCTOR_FORMATS), help="Output format.")
    ] = "terminal",
    attach: Annotated[
        bool,
        typer.Option(
            "--attach/--no-attach",
            help="Try py-spy on a sleeping child process (else only read ptrace's rules).",
        ),
    ] = True,
) -> None:
    """Check this machine for what makes times noisy: busy CPUs, frequency, idle, py-spy."""
    if format not in DOCTOR_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(DOCTOR_FORMATS)}, got {format!r}")
    # Imported here, as every command does, so `--help` does not pay for it.
    from perfwaterfall.doctor import run_checks

    findings = run_checks(attach_test=attach)
    if format == "json":
        checks = {f.key: f.to_dict() for f in findings}
        print(json.dumps({"version": JSON_VERSION, "checks": checks}, indent=2))
        return
    from perfwaterfall.render.doctor import print_doctor
    from perfwaterfall.render.terminal import make_console

    print_doctor(make_console(no_color=no_color(ctx)), findings)
