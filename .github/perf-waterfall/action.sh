#!/usr/bin/env bash
# The script of action.yml, runnable anywhere: `action.sh compare`, then `action.sh gate`.
#
# compare: runs `perf-waterfall compare BASE HEAD` with markdown, bundle and SVG outputs,
#   appends the markdown to $GITHUB_STEP_SUMMARY, writes exit-code and the paths to
#   $GITHUB_OUTPUT, and exits 0, so the artifacts are uploaded before the gate fails.
# comment: keeps one pull-request comment with the markdown current (comment.py).
# gate: exits with the compare's status (3: a regression beyond --fail-on-regression).
# record: `perf-waterfall record HEAD` into the results store at PW_STORE (action.yml
#   restores it from the cache before and saves it after), then `publish` of the
#   dashboard to $PW_OUT/site; writes exit-code, store and site to $GITHUB_OUTPUT.
#
# Inputs come as environment variables (never spliced into the script's text):
# PW_PYTHON, PW_BASE, PW_DEFAULT_BASE, PW_HEAD, PW_SCENARIOS, PW_THRESHOLD,
# PW_FAIL_ON_REGRESSION, PW_HARNESS, PW_SAME_HARNESS, PW_FRAMES, PW_ROUNDS, PW_ARGS,
# PW_OUT; comment: PW_MARKDOWN, PW_TOKEN, PW_PR_NUMBER, PW_COMMENT_NAME and GitHub's
# GITHUB_API_URL, GITHUB_REPOSITORY; gate: PW_EXIT_CODE; record: PW_STORE.
set -uo pipefail

compare() {
    local out="${PW_OUT:-${RUNNER_TEMP:-/tmp}/perf-waterfall}"
    local base="${PW_BASE:-${PW_DEFAULT_BASE:-}}" head="${PW_HEAD:-HEAD}"
    local -a args=() extra=()
    mkdir -p "$out" || return 1
    if [ -n "$base" ]; then
        args+=("$base" "$head")
    elif [ "$head" != "HEAD" ]; then
        echo "::error title=perf-waterfall::head is $head but no base was given: set the base input"
        write_output exit-code 2
        return 0
    fi
    local name scenarios="${PW_SCENARIOS:-}"
    for name in ${scenarios//,/ }; do args+=(--scenario "$name"); done
    [ -n "${PW_THRESHOLD:-}" ] && args+=(--threshold "$PW_THRESHOLD")
    [ -n "${PW_FAIL_ON_REGRESSION:-}" ] && args+=(--fail-on-regression "$PW_FAIL_ON_REGRESSION")
    [ -n "${PW_HARNESS:-}" ] && args+=(--harness "$PW_HARNESS")
    [ "${PW_SAME_HARNESS:-false}" = "true" ] && args+=(--same-harness)
    [ -n "${PW_FRAMES:-}" ] && args+=(--frames "$PW_FRAMES")
    [ -n "${PW_ROUNDS:-}" ] && args+=(--rounds "$PW_ROUNDS")
    # args is a list as a shell writes one: quotes keep a space inside an argument.
    if ! "${PW_PYTHON:-python3}" -c 'import shlex, sys
sys.stdout.write("".join(a + "\0" for a in shlex.split(sys.argv[1])))' "${PW_ARGS:-}" \
        > "$out/args"; then
        echo "::error title=perf-waterfall::args is not a list of arguments (unbalanced quote?)"
        write_output exit-code 2
        return 0
    fi
    mapfile -d '' -t extra < "$out/args"

    local md="$out/perf-waterfall.md" bundle="$out/perf-waterfall.json" svg="$out/perf-waterfall.svg"
    rm -f "$md" "$bundle" "$svg"
    "${PW_PYTHON:-python3}" -m perfwaterfall compare "${args[@]}" "${extra[@]}" \
        --format markdown --output "$md" --save "$bundle" --svg "$svg"
    local code=$?

    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        if [ -s "$md" ]; then
            cat "$md" >> "$GITHUB_STEP_SUMMARY"
        else
            printf 'perf-waterfall compare exited %s before writing a report: see the log.\n' \
                "$code" >> "$GITHUB_STEP_SUMMARY"
        fi
    fi
    write_output exit-code "$code"
    [ -s "$md" ] && write_output markdown "$md"
    [ -s "$bundle" ] && write_output bundle "$bundle"
    [ -s "$svg" ] && write_output svg "$svg"
    return 0
}

# comment: creates the pull request's perf-waterfall comment, or updates it (comment.py).
comment() {
    if [ -z "${PW_MARKDOWN:-}" ] || [ ! -s "$PW_MARKDOWN" ]; then
        echo "perf-waterfall: no report to comment with"
        return 0
    fi
    "${PW_PYTHON:-python3}" "$(dirname "${BASH_SOURCE[0]}")/comment.py" "$PW_MARKDOWN"
}

record() {
    local out="${PW_OUT:-${RUNNER_TEMP:-/tmp}/perf-waterfall}"
    local store="${PW_STORE:-$out/store/results.sqlite}" head="${PW_HEAD:-HEAD}"
    local -a args=(--store "$store") extra=()
    local name scenarios="${PW_SCENARIOS:-}"
    for name in ${scenarios//,/ }; do args+=(--scenario "$name"); done
    [ -n "${PW_HARNESS:-}" ] && args+=(--harness "$PW_HARNESS")
    [ -n "${PW_FRAMES:-}" ] && args+=(--frames "$PW_FRAMES")
    [ -n "${PW_ROUNDS:-}" ] && args+=(--rounds "$PW_ROUNDS")
    mkdir -p "$out" "$(dirname "$store")" || return 1
    if ! "${PW_PYTHON:-python3}" -c 'import shlex, sys
sys.stdout.write("".join(a + "\0" for a in shlex.split(sys.argv[1])))' "${PW_ARGS:-}" \
        > "$out/args"; then
        echo "::error title=perf-waterfall::args is not a list of arguments (unbalanced quote?)"
        write_output exit-code 2
        return 2
    fi
    mapfile -d '' -t extra < "$out/args"
    "${PW_PYTHON:-python3}" -m perfwaterfall record "$head" "${args[@]}" "${extra[@]}"
    local code=$?
    write_output exit-code "$code"
    write_output store "$store"
    [ "$code" -eq 0 ] || return "$code"
    "${PW_PYTHON:-python3}" -m perfwaterfall publish "$out/site" --store "$store" || return $?
    write_output site "$out/site"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        printf 'perf-waterfall recorded %s; the dashboard is in the artifact (site/index.html).\n' \
            "$(git rev-parse --short "$head")" >> "$GITHUB_STEP_SUMMARY"
    fi
    return 0
}

gate() {
    local code="${PW_EXIT_CODE:-}"
    case "$code" in
        0) echo "perf-waterfall: no significant regression" ;;
        3) echo "::error title=perf-waterfall::a significant regression beyond" \
               "${PW_FAIL_ON_REGRESSION:-the gate}%: see the job summary" ;;
        "") echo "::error title=perf-waterfall::the compare step did not run"; code=1 ;;
        *) echo "::error title=perf-waterfall::perf-waterfall compare exited $code: see its log" ;;
    esac
    return "$code"
}

write_output() {
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        echo "$1=$2" >> "$GITHUB_OUTPUT"
    else
        echo "$1=$2"
    fi
}

case "${1:-}" in
    compare) compare ;;
    comment) comment ;;
    gate) gate ;;
    record) record ;;
    *) echo "usage: $0 compare|comment|gate|record" >&2; exit 2 ;;
esac
