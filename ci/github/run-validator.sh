#!/usr/bin/env bash
# The run step of the GitHub Action (action.yml at the repository's top).
#
# Runs validator on the specs given (INPUT_SPECS; none: the specs of
# [tool.validator] in pyproject.toml) with GitHub's conventions:
#   - annotations on the spec lines (--format github, on standard output);
#   - the Markdown report appended to $GITHUB_STEP_SUMMARY (INPUT_SUMMARY=true);
#   - a JUnit file (INPUT_JUNIT) and a SARIF file for code scanning (INPUT_SARIF);
#   - step outputs: verdict (PASS, FAIL or ERROR) and exit-code.
# INPUT_ARGS holds more options, split as a shell would split them (quotes
# work; nothing is expanded or run). VALIDATOR names the command to run.
# The exit status is validator's: 0 pass, 1 a check failed, 2 unusable input.
set -uo pipefail

validator=${VALIDATOR:-validator}
python=${VALIDATOR_PYTHON:-python3}

split() {  # the shell-like words of "$1", each ended by a NUL
    "$python" -c 'import shlex, sys; sys.stdout.write("".join(w + "\0" for w in shlex.split(sys.argv[1])))' "$1"
}

specs=()
extra=()
if [ -n "${INPUT_SPECS:-}" ]; then
    mapfile -d '' -t specs < <(split "$INPUT_SPECS") || exit 2
fi
if [ -n "${INPUT_ARGS:-}" ]; then
    mapfile -d '' -t extra < <(split "$INPUT_ARGS") || exit 2
fi

reports=(--format github)
for pair in "junit:${INPUT_JUNIT:-}" "sarif:${INPUT_SARIF:-}"; do
    path=${pair#*:}
    if [ -n "$path" ]; then
        mkdir -p -- "$(dirname -- "$path")"
        reports+=(--report "$pair")
    fi
done
if [ "${INPUT_SUMMARY:-true}" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    reports+=(--report "markdown:$GITHUB_STEP_SUMMARY")  # appended: see README
fi

"$validator" "${specs[@]}" "${reports[@]}" "${extra[@]}"
status=$?

case $status in
    0) verdict=PASS ;;
    1) verdict=FAIL ;;
    *) verdict=ERROR ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
        echo "verdict=$verdict"
        echo "exit-code=$status"
    } >> "$GITHUB_OUTPUT"
fi
exit "$status"
