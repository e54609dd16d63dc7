"""The script behind action.yml, run as the action runs it, against a real repository.

GitHub's runner is stood in for by the variables it sets: GITHUB_STEP_SUMMARY and
GITHUB_OUTPUT are files, RUNNER_TEMP a directory, and the inputs arrive as PW_*. GitHub's
REST API is stood in for by a server on 127.0.0.1 that answers as its issue-comments
endpoints do, reached through GITHUB_API_URL as on a runner.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.kit_repo import kit_repo

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".github" / "perf-waterfall" / "action.sh"


def action(step: str, cwd: Path, tmp: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    env = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "GITHUB_OUTPUT": str(tmp / "output.txt"),
        "RUNNER_TEMP": str(tmp / "runner"),
        "PW_PYTHON": sys.executable,
        **inputs,
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), step], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    written = tmp / "output.txt"
    lines = written.read_text().splitlines() if written.exists() else []
    outputs = dict(line.split("=", 1) for line in lines)
    return done.returncode, outputs, done.stdout + done.stderr


@pytest.mark.slow
def test_a_regression_is_summarised_uploaded_and_gated(tmp_path: Path) -> None:
    repo = kit_repo(tmp_path / "repo")
    code, outputs, log = action(
        "compare",
        repo,
        tmp_path,
        PW_BASE="base",
        PW_HEAD="HEAD",
        PW_SCENARIOS="pipe",
        PW_FAIL_ON_REGRESSION="5",
        PW_ROUNDS="5",
        PW_FRAMES="3",
        PW_ARGS="--warmup 1 --head-env KIT_SLOW_MS=5",
    )
    assert code == 0, log  # the artifacts are uploaded before the gate fails
    assert outputs["exit-code"] == "3", log
    summary = (tmp_path / "summary.md").read_text()
    assert "Detector" in summary and "pipe" in summary
    for key in ("markdown", "bundle", "svg"):
        assert Path(outputs[key]).is_relative_to(tmp_path / "runner"), outputs
        assert Path(outputs[key]).stat().st_size > 0
    assert Path(outputs["svg"]).read_text().lstrip().startswith("<svg")

    code, _, log = action("gate", repo, tmp_path, PW_EXIT_CODE="3", PW_FAIL_ON_REGRESSION="5")
    assert code == 3 and "::error title=perf-waterfall::a significant regression" in log


def test_the_gate_passes_a_clean_run_and_fails_a_missing_one(tmp_path: Path) -> None:
    assert action("gate", tmp_path, tmp_path, PW_EXIT_CODE="0")[0] == 0
    assert action("gate", tmp_path, tmp_path, PW_EXIT_CODE="2")[0] == 2
    assert action("gate", tmp_path, tmp_path, PW_EXIT_CODE="")[0] == 1


def test_a_refused_compare_still_writes_a_summary(tmp_path: Path) -> None:
    repo = kit_repo(tmp_path / "repo")
    code, outputs, _ = action("compare", repo, tmp_path, PW_BASE="no-such-ref")
    assert code == 0 and outputs["exit-code"] == "2" and "bundle" not in outputs
    assert "exited 2 before writing a report" in (tmp_path / "summary.md").read_text()


def test_action_yml_feeds_every_input_the_script_reads() -> None:
    yml = (ROOT / "action.yml").read_text()
    script = SCRIPT.read_text()
    read = set(re.findall(r"\$\{?(PW_[A-Z_]+)", script))
    given = set(re.findall(r"^\s+(PW_[A-Z_]+):", yml, flags=re.M))
    assert read <= given, read - given
    assert '.github/perf-waterfall/action.sh" compare' in yml
    assert '.github/perf-waterfall/action.sh" gate' in yml
    assert "${{ inputs." not in "".join(ln for ln in yml.splitlines() if "run:" in ln)


class CommentsApi:
    """The issue-comments endpoints of GitHub's REST API on 127.0.0.1, recording each call."""

    def __init__(self, existing: int = 0) -> None:
        self.comments: list[dict[str, object]] = [
            {"id": 1000 + i, "body": f"someone else's comment {i}"} for i in range(existing)
        ]
        self.calls: list[tuple[str, str, str]] = []  # method, path, Authorization
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def reply(self, code: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def read_body(self) -> dict[str, object]:
                return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

            def handle_call(self) -> None:
                url = urlsplit(self.path)
                api.calls.append((self.command, url.path, self.headers["Authorization"]))
                listing = re.fullmatch(r"/repos/o/r/issues/7/comments", url.path)
                one = re.fullmatch(r"/repos/o/r/issues/comments/(\d+)", url.path)
                if self.command == "GET" and listing:
                    query = parse_qs(url.query)
                    size, page = int(query["per_page"][0]), int(query["page"][0])
                    self.reply(200, api.comments[(page - 1) * size : page * size])
                elif self.command == "POST" and listing:
                    comment = {"id": 5000 + len(api.comments), **self.read_body()}
                    api.comments.append(comment)
                    self.reply(201, comment)
                elif self.command == "PATCH" and one:
                    (comment,) = [c for c in api.comments if c["id"] == int(one.group(1))]
                    comment.update(self.read_body())
                    self.reply(200, comment)
                else:
                    self.reply(404, {"message": "Not Found"})

            do_GET = do_POST = do_PATCH = handle_call

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CommentsApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def ours(self) -> list[dict[str, object]]:
        return [c for c in self.comments if "<!-- perf-waterfall comment" in str(c["body"])]


def comment(api: CommentsApi, tmp: Path, report: str) -> tuple[int, str]:
    markdown = tmp / "perf-waterfall.md"
    markdown.write_text(report)
    code, _, log = action(
        "comment",
        tmp,
        tmp,
        PW_MARKDOWN=str(markdown),
        PW_TOKEN="workflow-token",
        PW_PR_NUMBER="7",
        GITHUB_API_URL=api.url,
        GITHUB_REPOSITORY="o/r",
    )
    return code, log


def test_the_pull_request_gets_one_comment_kept_current(tmp_path: Path) -> None:
    with CommentsApi(existing=100) as api:  # ours lands on the second page of comments
        code, log = comment(api, tmp_path, "**perf-waterfall** first push\n")
        assert code == 0 and "created comment" in log, log
        assert [m for m, _, _ in api.calls] == ["GET", "GET", "POST"]  # two pages, then create
        del api.calls[:]

        code, log = comment(api, tmp_path, "**perf-waterfall** second push\n")
        assert code == 0 and "updated comment" in log, log
        assert [(m, p) for m, p, _ in api.calls] == [
            ("GET", "/repos/o/r/issues/7/comments"),
            ("GET", "/repos/o/r/issues/7/comments"),
            ("PATCH", "/repos/o/r/issues/comments/5100"),
        ]
        assert {auth for _, _, auth in api.calls} == {"Bearer workflow-token"}
        (ours,) = api.ours()
        assert "second push" in str(ours["body"]) and "first push" not in str(ours["body"])
        assert len(api.comments) == 101


def test_no_api_no_failure_and_no_pull_request_no_call(tmp_path: Path) -> None:
    with CommentsApi() as api:
        url = api.url
    down = CommentsApi()
    down.url = url  # nothing listens there any more
    code, log = comment(down, tmp_path, "report\n")
    assert code == 0 and "::warning title=perf-waterfall::no pull-request comment" in log


def test_args_are_a_list_that_keeps_quoted_spaces(tmp_path: Path) -> None:
    """A stand-in interpreter records the argv the action gives perf-waterfall."""
    seen = tmp_path / "argv.txt"
    python = tmp_path / "python"
    python.write_text(
        "#!/bin/bash\n"
        f'if [ "$1" = "-m" ]; then printf "%s\\n" "$@" > {shlex.quote(str(seen))}; exit 0; fi\n'
        f'exec {shlex.quote(sys.executable)} "$@"\n'
    )
    python.chmod(0o755)
    args = "--head-env 'KIT_MSG=a b'\n--warmup 1"
    code, outputs, log = action(
        "compare", tmp_path, tmp_path, PW_BASE="b", PW_PYTHON=str(python), PW_ARGS=args
    )
    assert code == 0, log
    argv = seen.read_text().splitlines()
    assert argv[argv.index("--head-env") + 1] == "KIT_MSG=a b"
    assert argv[argv.index("--warmup") + 1] == "1"

    code, outputs, log = action(
        "compare", tmp_path, tmp_path, PW_BASE="b", PW_PYTHON=str(python), PW_ARGS="'open"
    )
    assert code == 0 and outputs["exit-code"] == "2" and "args is not a list" in log
