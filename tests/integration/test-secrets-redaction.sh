#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Secrets in the command lines of real processes (docs/security.md, "Secrets"): while
# `edgesec run` captures them (eBPF, else whatever capture works here), processes run with a
# connection string, a bearer token, a URL password, sshpass -p, mysql -p, a --token= option,
# an environment assignment, a SAS token, a password with a blank in it (one argument), bare
# tokens (GitHub, JWT) and a secret in an argument so long that the capture cuts it (its tail
# is kept: it must not leak) in their arguments.  Then:
#   A. local mode (--output FILE): every process is reported, with [REDACTED] where the
#      secret was and the harmless parts kept (HostName=, sr=, se=); no secret in the output
#      or the log; ExtraDetails SecretsRedacted on the events, Heartbeat SecretsRedacted > 0;
#   B. hub mode with the broker unreachable: the same events wait in the spool; a dump of the
#      SQLite file (bodies, .dump, and the raw bytes of spool.db*) holds the markers and
#      [REDACTED], no
#      secret, and no byte of the connection string's key; the state directory is 0700 and
#      the spool 0600;
#   C. redactSecrets false: the secret does reach the output (the switch works, and this test
#      can see a leak);
#   D. mistyped command lines of edgesec itself (an unknown option, a stray operand, a --hub
#      URL with a password): the error on stderr names what was wrong, redacted.
#
# Needs root (process capture); exits 77 otherwise.  Environment (set by CTest): EDGESEC.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
need_root "(process capture)"
need_tools "Debian packages python3 sqlite3 binutils" python3 sqlite3 strings
need_edgesec

tmp=$(mktemp -d /tmp/edgesec-secrets-XXXXXX) || fail "mktemp"
agent_pid=
cleanup() {
	if [ -n "$agent_pid" ]; then
		kill -TERM "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/config.json" <<'EOF'
{
  "aggregationEnabledProcessCreate": false,
  "aggregationEnabledConnectionCreate": false,
  "highPriorityMessageFrequency": "PT1S",
  "lowPriorityMessageFrequency": "PT1S",
  "edgesec": { "localFlushInterval": "PT1S", "heartbeatInterval": "PT1S" }
}
EOF

rnd() { printf '%s' "$1$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
S_KEY=$(rnd sak) S_BEARER=$(rnd bearer) S_URLPW=$(rnd urlpw) S_SSHPASS=$(rnd sshpass)
S_ENV=$(rnd envpw) S_MYSQL=$(rnd mysql) S_TOKEN=$(rnd token) S_SIG=$(rnd sig)
S_SP1=$(rnd spa) S_SP2=$(rnd spb) S_GHP=ghp_$(rnd gh) S_JWT=$(rnd jwt) S_CUT=$(rnd cut)
SECRETS=("$S_KEY" "$S_BEARER" "$S_URLPW" "$S_SSHPASS" "$S_ENV" "$S_MYSQL" "$S_TOKEN" "$S_SIG"
	"$S_SP1" "$S_SP2" "$S_GHP" "$S_JWT" "$S_CUT")
PAD=$(head -c 9000 /dev/zero | tr '\0' A) # longer than the argv the capture keeps whole
# the tools by their real names, so the program-specific rules apply (they only exit 0)
mkdir -p "$tmp/bin"
for p in iotedge curl sshpass mysql; do cp /bin/true "$tmp/bin/$p"; done

# run_secret_processes TAG: the processes, each with the marker secret-TAG-N in its argv
run_secret_processes() {
	local m="secret-$1"

	"$tmp/bin/iotedge" config mp --connection-string \
		"HostName=hub.example.net;DeviceId=edge01;SharedAccessKey=$S_KEY" "$m-1"
	"$tmp/bin/curl" -H "Authorization: Bearer $S_BEARER" "https://bob:$S_URLPW@127.0.0.1/x" "$m-2"
	"$tmp/bin/sshpass" -p "$S_SSHPASS" ssh host "$m-3"
	env DB_PASSWORD="$S_ENV" "$tmp/bin/mysql" -uroot "-p$S_MYSQL" "$m-4"
	/bin/sh -c "true --token=$S_TOKEN $m-5"
	"$tmp/bin/curl" -H \
		"Authorization: SharedAccessSignature sr=hub.example.net%2Fdevices%2Fedge01&sig=$S_SIG&se=1767225600" \
		"$m-6"
	"$tmp/bin/mysql" --password "$S_SP1 $S_SP2" "$m-7"
	"$tmp/bin/curl" "$S_GHP" "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.$S_JWT" "$m-8"
	/bin/sh -c "true --token=$PAD$S_CUT $m-9"
}
N_SECRET_PROCS=9

# start_agent NAME ARGS...: until a probe exec shows in FILE (local) or the loop runs (hub)
start_agent() {
	local name=$1
	shift
	"$EDGESEC" run --config "$tmp/config.json" --state-dir "$tmp/state-$name" "$@" \
		2>"$tmp/$name.log" &
	agent_pid=$!
}

wait_probe() { # out log
	local i token="probe-$$-$RANDOM"
	for i in $(seq 40); do
		/bin/sh -c "true $token-$i"
		sleep 0.5
		kill -0 "$agent_pid" 2>/dev/null || fail "edgesec died: $(tail -n 5 "$2")"
		grep -q "$token" "$1" 2>/dev/null && return 0
	done
	fail "no ProcessCreate of 40 probes: $(tail -n 5 "$2")"
}

# the markers go to grep in a file, so that grep's own command line does not carry them
wait_markers() { # file tag
	local i n
	for k in $(seq "$N_SECRET_PROCS"); do echo "secret-$2-$k"; done >"$tmp/markers-$2"
	for i in $(seq 40); do
		n=$(grep -o -F -f "$tmp/markers-$2" "$1" | sort -u | wc -l)
		[ "$n" -eq "$N_SECRET_PROCS" ] && return 0
		sleep 0.25
	done
	fail "only $n of $N_SECRET_PROCS secret-bearing processes were reported"
}

stop_agent() { # log
	local rc=0
	kill -TERM "$agent_pid"
	wait "$agent_pid" || rc=$?
	agent_pid=
	[ "$rc" -eq 0 ] || fail "edgesec exited $rc: $(tail -n 5 "$1")"
}

no_secret_in() { # what files...
	local what=$1 s
	shift
	for s in "${SECRETS[@]}"; do
		if grep -a -q -F -- "$s" "$@"; then
			grep -a -F -o -- ".\{0,60\}$s" "$@" | head -3 >&2
			fail "$what: a secret ($s) is there"
		fi
	done
}

# ---- A. local mode ----
out="$tmp/out.jsonl"
start_agent local --output "$out"
wait_probe "$out" "$tmp/local.log"
run_secret_processes local
wait_markers "$out" local
sleep 1.5 # a Heartbeat after the events
stop_agent "$tmp/local.log"
no_secret_in "output" "$out"
no_secret_in "log" "$tmp/local.log"
python3 - "$out" <<'PY' || fail "local output"
import json, sys
lines = {}
hb = 0
for line in open(sys.argv[1]):
    for e in json.loads(line)["Events"]:
        for p in e["Payload"]:
            if e["Name"] == "Heartbeat":
                hb = max(hb, int(p.get("ExtraDetails", {}).get("SecretsRedacted", "0")))
                continue
            cmd = p.get("CommandLine", "")
            for k in range(1, 10):
                if f"secret-local-{k}" in cmd and e["Name"] == "ProcessCreate":
                    lines[k] = (cmd, p.get("ExtraDetails", {}))
missing = [k for k in range(1, 10) if k not in lines]
assert not missing, f"no ProcessCreate for {missing}"
for k, (cmd, extra) in sorted(lines.items()):
    print(f"  {k}: {cmd[:200]}")
    assert "[REDACTED]" in cmd, cmd
    assert int(extra.get("SecretsRedacted", "0")) >= 1, extra
assert "HostName=hub.example.net;DeviceId=edge01;SharedAccessKey=[REDACTED]" in lines[1][0]
assert "https://bob:[REDACTED]@127.0.0.1/x" in lines[2][0]
assert "Bearer [REDACTED]" in lines[2][0]
assert "-p [REDACTED] ssh" in lines[3][0]
assert "-p[REDACTED]" in lines[4][0]
assert "--token=[REDACTED]" in lines[5][0]
assert "sr=hub.example.net%2Fdevices%2Fedge01&sig=[REDACTED]&se=1767225600" in lines[6][0]
assert "--password [REDACTED] secret-local-7" in lines[7][0], lines[7][0]
assert "curl [REDACTED] [REDACTED] secret-local-8" in lines[8][0], lines[8][0]
assert "--token=[REDACTED] secret-local-9" in lines[9][0], lines[9][0][:300]
assert lines[9][1].get("ArgvTruncated") == "true", lines[9][1]  # the tail case was cut
assert hb >= 8, f"Heartbeat SecretsRedacted {hb}"
print(f"  Heartbeat SecretsRedacted {hb}")
PY
echo "ok: A. local output: every secret-bearing process reported, redacted"

# ---- B. hub mode, broker unreachable: the spool ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
KEY_B64=$(head -c 32 /dev/urandom | base64 -w0)
export EDGESEC_CONNECTION_STRING="HostName=hub.example.net;DeviceId=edge01;ModuleId=secagent;SharedAccessKey=$KEY_B64"
start_agent hub --hub "mqtt://127.0.0.1:$port"
for i in $(seq 40); do
	grep -q "running: output" "$tmp/hub.log" && break
	sleep 0.25
done
grep -q "running: output" "$tmp/hub.log" || fail "hub agent did not start: $(tail -n 5 "$tmp/hub.log")"
sleep 1
run_secret_processes hub
sleep 3
stop_agent "$tmp/hub.log"
unset EDGESEC_CONNECTION_STRING
db="$tmp/state-hub/spool.db"
[ -f "$db" ] || fail "no spool file"
# the message bodies (a BLOB column) as text, and the whole database as SQL
sqlite3 -readonly "$db" "select cast(body as text) from spool" >"$tmp/spool.sql" ||
	fail "sqlite3 could not read the spool"
sqlite3 -readonly "$db" .dump >>"$tmp/spool.sql" || fail "sqlite3 could not dump the spool"
strings -a "$db"* >"$tmp/spool.strings"
for k in $(seq "$N_SECRET_PROCS"); do echo "secret-hub-$k"; done >"$tmp/markers-hub"
[ "$(grep -o -F -f "$tmp/markers-hub" "$tmp/spool.sql" | sort -u | wc -l)" -eq "$N_SECRET_PROCS" ] ||
	fail "spool: not every secret-bearing process is there"
grep -q -F '[REDACTED]' "$tmp/spool.sql" || fail "spool: no [REDACTED] marker"
no_secret_in "spool (sqlite3)" "$tmp/spool.sql"
no_secret_in "spool (raw bytes of spool.db*)" "$tmp/spool.strings" "$db"*
no_secret_in "hub log" "$tmp/hub.log"
grep -a -q -F -- "$KEY_B64" "$tmp/hub.log" "$db"* && fail "the connection string's key leaked"
grep -q 'is not encrypted: the SAS token' "$tmp/hub.log" || fail "no plain mqtt:// warning"
[ "$(stat -c %a "$tmp/state-hub")" = 700 ] || fail "state dir mode $(stat -c %a "$tmp/state-hub")"
[ "$(stat -c %a "$db")" = 600 ] || fail "spool mode $(stat -c %a "$db")"
echo "ok: B. spool ($(sqlite3 -readonly "$db" 'select count(*) from spool') messages): markers and [REDACTED], no secret; dir 0700, spool 0600"

# ---- C. the switch ----
cat >"$tmp/config.json" <<'EOF'
{ "aggregationEnabledProcessCreate": false,
  "edgesec": { "localFlushInterval": "PT1S", "redactSecrets": false } }
EOF
out="$tmp/out-off.jsonl"
start_agent off --output "$out"
wait_probe "$out" "$tmp/off.log"
run_secret_processes off
wait_markers "$out" off
stop_agent "$tmp/off.log"
grep -q -F -- "$S_TOKEN" "$out" || fail "redactSecrets false: the secret should be in the output"
grep -q 'redactSecrets is false' "$tmp/off.log" || fail "no warning that redaction is off"
no_secret_in "log with redactSecrets false" "$tmp/off.log"
echo "ok: C. redactSecrets false: command lines are left as they are (logs still redacted)"
# ---- D. edgesec's own usage errors ----
: >"$tmp/cli.err"
"$EDGESEC" run --connection-strng="HostName=h;DeviceId=d;SharedAccessKey=$S_KEY" 2>>"$tmp/cli.err" &&
	fail "an unknown option was accepted"
"$EDGESEC" run "HostName=h;DeviceId=d;SharedAccessKey=$S_KEY" 2>>"$tmp/cli.err" &&
	fail "a stray operand was accepted"
"$EDGESEC" run --hub "mqtt://bob:$S_URLPW@127.0.0.1:1" --state-dir "$tmp/state-cli" \
	2>>"$tmp/cli.err" </dev/null && fail "a --hub URL with a password was accepted"
no_secret_in "usage errors" "$tmp/cli.err"
# The unknown option is named without its value; the other two quote the value, redacted.
grep -q -F -- "unknown option '--connection-strng'" "$tmp/cli.err" ||
	fail "usage errors: the unknown option is not named: $(cat "$tmp/cli.err")"
[ "$(grep -c -F '[REDACTED]' "$tmp/cli.err")" -ge 2 ] ||
	fail "usage errors: expected two redacted messages: $(cat "$tmp/cli.err")"
echo "ok: D. usage errors name the mistake without the secret"
echo "PASS: secrets in command lines never reach the output, the spool or the log"
