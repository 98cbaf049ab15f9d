#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `edgesec report` renders a real snapshot of this machine plus recorded events with hostile
# strings (tests/report/hostile.jsonl: a container named <img src=x onerror=...>, a command
# line with <script>, a host name that closes </title>, an escape sequence) into one HTML
# page, which headless Chromium (Debian's package) loads and dumps.  Checked in the DOM:
#   - nothing external: no src/href/action attribute at all, no script/img/iframe/link/object
#     element, a Content-Security-Policy of default-src 'none';
#   - the hostile strings are there as text, not as elements;
#   - the counts (alerts, container findings, baseline failures, ports, users) and the posture
#     score match what jq computes from the input, and the log line is counted as skipped.
# A screenshot is kept as a test artefact: $BUILD_DIR/test-artefacts/report.png.  Then the text
# form (no escape sequence from the input reaches the terminal), `snapshot -f text`, and the
# refusals (HTML to a terminal, no message in the input).
#
# Needs chromium and jq (scripts/install-deps.sh check), and root for a full snapshot.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_edgesec
need_root "(a snapshot reads /etc/shadow for the baseline)"
command -v jq >/dev/null || fail "jq is not installed (scripts/install-deps.sh check)"
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
	fail "chromium is not installed (Debian: apt-get install chromium; scripts/install-deps.sh check)"

tmp=$(mktemp -d /tmp/test-report-html.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export EDGESEC_BASELINE_PROFILE=$SOURCE_DIR/rules/baseline/debian.json
artefacts=${BUILD_DIR:-$tmp}/test-artefacts
mkdir -p "$artefacts"

chrome() { # args...: headless, no network service worth the name, a fresh profile
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$tmp/profile.XXXXXX")" "$@" 2>>"$tmp/chromium.log"
}

# 1. The input: a real snapshot, then the recorded events moved to start now.
"$EDGESEC" snapshot --state-dir "$tmp/state" >"$tmp/snap.jsonl" 2>"$tmp/snap.err" ||
	fail "edgesec snapshot: $(tail -3 "$tmp/snap.err")"
shift_s=$(($(date +%s) - $(date -d 2026-01-01T00:00:00Z +%s)))
while IFS= read -r line; do
	if jq -e . >/dev/null 2>&1 <<<"$line"; then
		jq -c --argjson d "$shift_s" '.Events[] |= (.TimestampUTC = (.TimestampUTC | fromdate + $d | todate)
			| .TimestampLocal = .TimestampUTC)' <<<"$line"
	else
		printf '%s\n' "$line"
	fi
done <"$SOURCE_DIR/tests/report/hostile.jsonl" >"$tmp/recorded.jsonl"
cat "$tmp/snap.jsonl" "$tmp/recorded.jsonl" >"$tmp/in.jsonl"

# 2. The page.
"$EDGESEC" report "$tmp/in.jsonl" -o "$tmp/report.html" 2>"$tmp/report.err" ||
	fail "edgesec report: $(cat "$tmp/report.err")"
[ "$(stat -c %a "$tmp/report.html")" = 600 ] || fail "the page is not created 0600"
chrome --dump-dom "file://$tmp/report.html" >"$tmp/dom.html" || fail "chromium --dump-dom failed: $(tail -5 "$tmp/chromium.log")"
grep -q 'id="posture"' "$tmp/dom.html" || fail "chromium did not render the page: $(head -c 300 "$tmp/dom.html")"
chrome --screenshot="$artefacts/report.png" --window-size=1280,2000 "file://$tmp/report.html" >/dev/null ||
	fail "chromium --screenshot failed"
[ "$(head -c 8 "$artefacts/report.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] ||
	fail "the screenshot is not a PNG"
[ "$(stat -c %s "$artefacts/report.png")" -gt 20000 ] || fail "the screenshot is nearly empty"

# 3. Nothing external, nothing active: the tags only (text never holds a raw '<').
grep -o '<[^>]*>' "$tmp/dom.html" >"$tmp/tags.txt"
grep -Eiq '<(script|img|iframe|link|object|embed|frame|base|form|audio|video|source)[ >/]' "$tmp/tags.txt" &&
	fail "an active or external element is in the DOM: $(grep -Ei '<(script|img|iframe|link|object|embed|frame|base|form)' "$tmp/tags.txt" | head -3)"
grep -Eiq '\s(src|href|xlink:href|action|srcset|poster|background)=' "$tmp/tags.txt" &&
	fail "an element has a src/href: $(grep -Ei '\s(src|href|xlink:href|action)=' "$tmp/tags.txt" | head -3)"
grep -Eiq '\son[a-z]+=' "$tmp/tags.txt" && fail "an element has an event handler attribute"
grep -Eiq 'url\(|@import' "$tmp/dom.html" && fail "the style loads something"
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$tmp/dom.html" || fail "no CSP default-src 'none'"

# 4. The hostile strings are text.
for s in '&lt;img src=x onerror=alert(1)&gt;' '&lt;script&gt;alert("x")&lt;/script&gt;' \
	'edge-gw-07&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;' '&lt;b&gt;sensor&lt;/b&gt;'; do
	grep -qF -- "$s" "$tmp/dom.html" || fail "hostile string not shown as text: $s"
done
grep -q $'\033' "$tmp/dom.html" && fail "an escape character reached the page"

# 5. The counts match the input.  Periodic events: the latest snapshot of each name.
latest() { # name → items of the latest event(s) of that name
	jq -s --arg n "$1" '[.[] | objects | .Events[]? | select(.Name == $n)] as $e |
		if ($e | length) == 0 then 0 else
		($e | map(.TimestampUTC) | max) as $t | [$e[] | select(.TimestampUTC == $t) | .Payload | length] | add end' \
		"$tmp/messages.jsonl"
}
all_items() { # name → items of every event of that name
	jq -s --arg n "$1" '[.[] | objects | .Events[]? | select(.Name == $n) | .Payload | length] | add // 0' \
		"$tmp/messages.jsonl"
}
attr() { # element-id attribute → value
	grep -o "id=\"$1\"[^>]*" "$tmp/dom.html" | grep -o "$2=\"[^\"]*\"" | head -1 | cut -d'"' -f2
}
grep '^{' "$tmp/in.jsonl" >"$tmp/messages.jsonl" # jq -s would stop at the log line
alerts=$(all_items Alert)
drift=$(jq -s '[.[] | .Events[] | select(.Name == "DriftAlert") | .Payload[] | [.Kind, .Module, .Setting]] | unique | length' "$tmp/messages.jsonl")
recs=$(jq -s '[.[] | .Events[] | select(.Name == "Recommendation") | .Payload[] |
	select((.RuleId | startswith("HOST") | not) and .Module != "host")] | length' "$tmp/messages.jsonl")
# Host posture findings: the last state of each RuleId + Path, in input order, not Resolved.
host_open='[.[] | .Events[] | select(.Name == "Recommendation") | .Payload[] |
	select((.RuleId | startswith("HOST")) or .Module == "host")] |
	reduce .[] as $i ({}; .[$i.RuleId + " " + $i.Path] = $i) | [.[] | select(.ExtraDetails.Status != "Resolved")]'
host=$(jq -s "$host_open | length" "$tmp/messages.jsonl")
host_seen=$(jq -s '[.[] | .Events[] | select(.Name == "Recommendation") | .Payload[] |
	select((.RuleId | startswith("HOST")) or .Module == "host")] | length > 0' "$tmp/messages.jsonl")
baseline=$(latest OSBaseline)
ports=$(latest ListeningPorts)
users=$(latest LocalUsers)
[ "$alerts" = 5 ] && [ "$drift" = 2 ] && [ "$recs" = 3 ] || fail "the fixture changed: alerts $alerts drift $drift recommendations $recs"
[ "$(attr alerts data-count)" = "$alerts" ] || fail "alerts: page says $(attr alerts data-count), input has $alerts"
[ "$(grep -o 'class="alert"' "$tmp/dom.html" | wc -l)" = "$alerts" ] || fail "alerts: not one row each"
[ "$(grep -o 'class="dot"' "$tmp/dom.html" | wc -l)" = "$alerts" ] || fail "alerts: not one timeline dot each"
[ "$(attr host data-count)" = "$host" ] || fail "host findings: page says $(attr host data-count), input has $host"
grep -q 'tcp 8888 on 0.0.0.0 and :: is reachable' "$tmp/dom.html" || fail "host finding: the Changed state is not shown"
grep -q '/ports/tcp/2222' "$tmp/dom.html" && fail "host finding: a Resolved one is shown"
[ "$(attr containers data-count)" = $((drift + recs)) ] || fail "container findings: page says $(attr containers data-count), input has $((drift + recs))"
[ "$(attr baseline data-count)" = "$baseline" ] || fail "baseline: page says $(attr baseline data-count), input has $baseline"
[ "$(attr ports data-count)" = "$ports" ] || fail "ports: page says $(attr ports data-count), input has $ports"
[ "$(attr users data-count)" = "$users" ] || fail "users: page says $(attr users data-count), input has $users"
[ "$(attr input data-skipped)" = 1 ] || fail "the log line is not counted as skipped ($(attr input data-skipped))"
# Posture: the mean of the OSBaseline Score, the host findings part and the container part,
# each part 100 - (25 critical, 10 high, 4 medium, 1 low) of its open findings (HOST005, the
# baseline again, left out of the host part).
bscore=$(jq -s '[.[] | .Events[] | select(.Name == "OSBaseline")] | max_by(.TimestampUTC) |
	if (.Payload | length) == 0 then 100 else (.Payload[0].ExtraDetails.Score | tonumber) end' "$tmp/messages.jsonl")
penalty=$(jq -s '{"Critical":25,"High":10,"Medium":4,"Low":1} as $w |
	([.[] | .Events[] | select(.Name == "DriftAlert") | .Payload[] | {k: [.Kind, .Module, .Setting], s: .Severity}] | unique_by(.k) | map($w[.s] // 0) | add) +
	([.[] | .Events[] | select(.Name == "Recommendation") | .Payload[] |
	  select((.RuleId | startswith("HOST") | not) and .Module != "host")] | map($w[.Severity] // 0) | add)' "$tmp/messages.jsonl")
hpenalty=$(jq -s "{\"Critical\":25,\"High\":10,\"Medium\":4,\"Low\":1} as \$w | $host_open |
	map(select(.RuleId != \"HOST005\") | \$w[.Severity] // 0) | add // 0" "$tmp/messages.jsonl")
cscore=$((penalty >= 100 ? 0 : 100 - penalty))
hscore=$((hpenalty >= 100 ? 0 : 100 - hpenalty))
if [ "$host_seen" = true ]; then
	want=$(((bscore + hscore + cscore) / 3))
else
	want=$(((bscore + cscore) / 2))
fi
[ "$(attr posture data-score)" = "$want" ] || fail "posture: page says $(attr posture data-score), computed $want (baseline $bscore, host $hscore, containers $cscore)"

# 6. Text: the same facts, no escape sequence from the input when not on a terminal.
"$EDGESEC" report "$tmp/in.jsonl" -f text >"$tmp/report.txt" || fail "report -f text"
grep -q "^Posture: $want/100" "$tmp/report.txt" || fail "text: no 'Posture: $want/100' ($(head -5 "$tmp/report.txt"))"
grep -q $'\033' "$tmp/report.txt" && fail "text: an escape character reached the output"
grep -q '<img src=x onerror=alert(1)>' "$tmp/report.txt" || fail "text: the container name is not shown as it is"
"$EDGESEC" snapshot -f text --state-dir "$tmp/state" >"$tmp/snap.txt" 2>"$tmp/snap-text.err" ||
	fail "snapshot -f text: $(cat "$tmp/snap-text.err")"
grep -q '^Posture: [0-9]*/100' "$tmp/snap.txt" || fail "snapshot -f text: no posture line"
grep -q '^Baseline failures' "$tmp/snap.txt" || fail "snapshot -f text: no baseline section"

# 7. Refusals.
printf 'not a message\n' >"$tmp/junk.txt"
err=$("$EDGESEC" report "$tmp/junk.txt" -o "$tmp/x.html" 2>&1)
[ $? -eq 2 ] && grep -q '^edgesec: error: .*holds no edgesec message' <<<"$err" || fail "junk input: '$err'"
if command -v script >/dev/null; then
	out=$(script -qec "\"$EDGESEC\" report \"$tmp/in.jsonl\"" /dev/null 2>&1)
	grep -q 'give -o FILE' <<<"$out" || fail "HTML written to a terminal: $(head -c 200 <<<"$out")"
fi
ln -s /etc/passwd "$tmp/link.html"
"$EDGESEC" report "$tmp/in.jsonl" -o "$tmp/link.html" >/dev/null 2>&1 && fail "-o followed a symlink"

echo "ok (screenshot: $artefacts/report.png)"
