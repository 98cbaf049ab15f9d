#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The conventions every verb shares (docs/edgesec.1, CONVENTIONS): -f/--format with text for
# people and json for machines (and what each verb refuses, with a clear message), one prefix
# for every problem ("edgesec: error: ..." / "edgesec: warning: ..."), exit 2 on usage errors,
# "did you mean" for unknown verbs, options and config keys, `help COMMAND`.  Runs nothing
# privileged; touches nothing outside a temporary directory.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_edgesec
tmp=$(mktemp -d /tmp/test-cli-conventions.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export EDGESEC_BASELINE_PROFILE=$SOURCE_DIR/rules/baseline/debian.json
manifest=$SOURCE_DIR/tests/manifests/clean.json

# expect_error WANT_REGEX ARGS...: exit 2, one stderr line starting "edgesec: error: " matching
expect_error() {
	local want=$1 err rc
	shift
	err=$("$EDGESEC" "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 2 ] || fail "edgesec $*: exit $rc, expected 2 (stderr: $err)"
	grep -q '^edgesec: error: ' <<<"$err" || fail "edgesec $*: no 'edgesec: error:' prefix: $err"
	grep -Eq -- "$want" <<<"$err" || fail "edgesec $*: '$err' does not match '$want'"
}

# Unknown verbs and options, for the top level and each verb.
expect_error "unknown command 'snapshto' \(did you mean snapshot\?\)" snapshto
expect_error "unknown command 'basline' \(did you mean baseline\?\)" basline
expect_error "unknown command 'xyzzy' \(see edgesec --help\)" xyzzy
expect_error "unknown option '--fromat' \(did you mean --format\?\)" snapshot --fromat json
expect_error "unknown option '--confg' \(did you mean --config\?\)" run --confg x
expect_error "unknown option '--fails-onyl' \(did you mean --fails-only\?\)" baseline --fails-onyl
expect_error "unknown option '--outptu' \(did you mean --output\?\)" report --outptu x
expect_error "unknown option '--sevrity' \(did you mean --severity\?\)" scan-manifest "$manifest" --sevrity high
expect_error "option '--root' needs a value" baseline --root
expect_error "option '--output' needs a value" report --output

# -f/--format: the same values everywhere, refused with the list and a suggestion.
expect_error "--format must be text or json, not 'yaml'" snapshot -f yaml
expect_error "--format must be text or json, not 'jsno' \(did you mean json\?\)" baseline --format jsno
expect_error "--format must be text, json or sarif, not 'html'" scan-manifest "$manifest" -f html
expect_error "--format must be text or html, not 'json'|--format must be html or text, not 'json'" report -f json x
expect_error "run writes security messages for machines" run -f text
"$EDGESEC" baseline -f json --root "$tmp" >"$tmp/b.json" 2>/dev/null
jq -e '.version == 1' "$tmp/b.json" >/dev/null || fail "baseline -f json is not the versioned document"
"$EDGESEC" scan-manifest -f json "$manifest" >"$tmp/s.json" || fail "scan-manifest -f json"
jq -e '.version == 1' "$tmp/s.json" >/dev/null || fail "scan-manifest -f json is not the versioned document"
"$EDGESEC" scan-manifest "$manifest" | grep -q '^1 file, [0-9]* modules: 0 findings (' ||
	fail "scan-manifest: text is not the default"

# Colour: on a terminal (script(1) gives one), not with NO_COLOR, never into a pipe.
if command -v script >/dev/null; then
	m1=$SOURCE_DIR/tests/manifests/rule-edge001-privileged.json
	out=$(script -qec "\"$EDGESEC\" scan-manifest \"$m1\"" /dev/null 2>&1)
	grep -q $'\033\\[' <<<"$out" || fail "scan-manifest on a terminal: no colour"
	out=$(NO_COLOR=1 script -qec "\"$EDGESEC\" scan-manifest \"$m1\"" /dev/null 2>&1)
	grep -q $'\033\\[' <<<"$out" && fail "scan-manifest with NO_COLOR: colour"
	out=$(TERM=dumb script -qec "\"$EDGESEC\" scan-manifest \"$m1\"" /dev/null 2>&1)
	grep -q $'\033\\[' <<<"$out" && fail "scan-manifest with TERM=dumb: colour"
fi
"$EDGESEC" scan-manifest --color always "$manifest" | grep -q $'\033\\[' || fail "--color always: no colour"

# check-config: text by default, json on request, key suggestions.
echo '{}' | "$EDGESEC" check-config - | grep -q '^snapshotFrequency  *"PT13H"' ||
	fail "check-config: text is not the default"
echo '{}' | "$EDGESEC" check-config -f json - | jq -e . >/dev/null || fail "check-config -f json"
echo '{"snapshotFrequncy": "PT1M", "edgesec": {"hostRot": "/x"}, "logLevel": "debug"}' >"$tmp/c.json"
err=$("$EDGESEC" check-config "$tmp/c.json" 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "check-config with unknown keys: expected exit 2"
grep -q '^edgesec: error: .*"snapshotFrequncy" (did you mean "snapshotFrequency"?)' <<<"$err" ||
	fail "check-config: no suggestion for snapshotFrequncy: $err"
grep -q '"hostRot" in edgesec (did you mean "hostRoot"?)' <<<"$err" || fail "check-config: no suggestion for hostRot"
grep -q '"logLevel" (it belongs in the "edgesec" object)' <<<"$err" || fail "check-config: logLevel not placed"
grep -q '^edgesec: error: .*rejected, nothing applied' <<<"$err" || fail "check-config: no final line"
expect_error "check-config takes only" check-config --output x "$tmp/c.json"

# help COMMAND shows the command's own options.
"$EDGESEC" help baseline | grep -q -- '--fails-only' || fail "help baseline"
"$EDGESEC" help report | grep -q -- '--output' || fail "help report"
"$EDGESEC" help scan-manifest | grep -q -- '--severity' || fail "help scan-manifest"
expect_error "unknown command 'baseln' \(did you mean baseline\?\)" help baseln

echo ok
