"""Keep one perf-waterfall comment on a pull request current (standard library only).

    python comment.py REPORT.md

The first run creates the comment; every later run finds it by its hidden marker and
updates it, so a pull request never collects one comment per push. It talks to the
REST API's issue-comments endpoints at $GITHUB_API_URL with the workflow's token:
GITHUB_TOKEN (PW_TOKEN), GITHUB_REPOSITORY, and the pull request's number from
PW_PR_NUMBER or the event payload at GITHUB_EVENT_PATH. Exits 0 with a ::warning when
it cannot comment (a fork's read-only token), so the report is never lost for it.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

MARKER_PREFIX = "<!-- perf-waterfall comment"
PER_PAGE = 100
MAX_BODY = 65_000  # GitHub refuses comments over 65,536 characters


def marker(name: str) -> str:
    """The hidden line that finds our comment again; one per artifact name."""
    return f"{MARKER_PREFIX}: {name} -->"


class Api:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url.rstrip("/"), token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")


def pr_number() -> int | None:
    given = os.environ.get("PW_PR_NUMBER", "").strip()
    if given:
        return int(given)
    event = os.environ.get("GITHUB_EVENT_PATH", "")
    if not event or not Path(event).is_file():
        return None
    payload = json.loads(Path(event).read_text())
    number = (payload.get("pull_request") or {}).get("number")
    return int(number) if number is not None else None


def find_comment(api: Api, repo: str, number: int, tag: str) -> int | None:
    page = 1
    while True:
        path = f"/repos/{repo}/issues/{number}/comments?per_page={PER_PAGE}&page={page}"
        comments = api.call("GET", path)
        for comment in comments:
            if tag in (comment.get("body") or ""):
                return int(comment["id"])
        if len(comments) < PER_PAGE:
            return None
        page += 1


def upsert(report: str) -> str:
    """Create or update the comment; return what was done, for the log."""
    repo = os.environ["GITHUB_REPOSITORY"]
    token = os.environ.get("PW_TOKEN") or os.environ.get("GITHUB_TOKEN", "")
    number = pr_number()
    if number is None:
        return "not a pull request: no comment"
    if not token:
        raise RuntimeError("no token: give the action github-token")
    api = Api(os.environ.get("GITHUB_API_URL", "https://api.github.com"), token)
    tag = marker(os.environ.get("PW_COMMENT_NAME", "perf-waterfall"))
    if len(report) > MAX_BODY:
        report = report[:MAX_BODY] + "\n\n(cut: the whole report is in the job summary)\n"
    body = {"body": f"{tag}\n{report}"}
    found = find_comment(api, repo, number, tag)
    if found is None:
        created = api.call("POST", f"/repos/{repo}/issues/{number}/comments", body)
        return f"created comment {created.get('id')} on #{number}"
    api.call("PATCH", f"/repos/{repo}/issues/comments/{found}", body)
    return f"updated comment {found} on #{number}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: comment.py REPORT.md", file=sys.stderr)
        return 2
    try:
        print(f"perf-waterfall: {upsert(Path(argv[1]).read_text(encoding='utf-8'))}")
    except (OSError, RuntimeError, ValueError, KeyError, urllib.error.URLError) as exc:
        print(f"::warning title=perf-waterfall::no pull-request comment: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
