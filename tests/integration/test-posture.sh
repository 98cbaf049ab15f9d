#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Host posture Recommendations (docs/posture.md) on real behaviour, inside a network namespace
# made by the test, with `edgesec run` running INSIDE it (the ports and firewall collectors
# see the agent's namespace) and hostRoot set to a small crafted root for the baseline:
#
#  1. no firewall: ncat listens on 0.0.0.0 → HOST001 naming the port and ncat, reachable;
#     a loopback-only listener → nothing; HOST002 for input and output (forwarding is off in a
#     new namespace, so not forward); HOST005 listing exactly the checks `edgesec baseline`
#     fails on the same root.  Each is raised once over further snapshots.
#  2. a restrictive nftables ruleset (policy drop, lo, established, ssh): the port, input and
#     output findings are Resolved; sshd_config is fixed in the root → HOST005 Changed with the
#     new set.  A benign phase follows: further snapshots raise nothing.
#  3. an accept-everything rule in input and output → HOST003, HOST004, and the port reachable
#     again.
#  4. the same with iptables (iptables-nft): a DROP policy with the conntrack idiom stays quiet
#     for the port; `-p tcp -j ACCEPT` is a permissive input rule and opens it.
#  5. every message validates against its schema (the edgesec schema requires Status on HOST
#     items: a copy without it must fail).
# The host's ruleset must be the same before and after; the namespace, listeners and agent
# are removed.  Needs root, ip, nft, iptables, ncat, python3, node.
set -u

. "$(dirname "$0")/lib.sh"
need_root "to create a network namespace and install rules"
need_tools "apt-get install -y iproute2 nftables iptables ncat python3 nodejs" \
	ip nft iptables ip6tables ncat python3 node
need_edgesec

ns="edgesec-posture-$$"
tmp=$(mktemp -d /tmp/edgesec-posture-XXXXXX) || fail "mktemp"
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

in_ns() {
	ip netns exec "$ns" "$@"
}
READ="python3 $SOURCE_DIR/tests/integration/posture-read.py"
out="$tmp/out.jsonl"
OPEN=18888 LOOP=18889

nft list ruleset >"$tmp/host-before.txt" 2>&1 || fail "nft list ruleset on the host failed"
ip netns add "$ns" || fail "ip netns add $ns"
in_ns ip link set lo up || fail "lo up"
[ "$(in_ns cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "forwarding is on in a new namespace?"

# ---- listeners: a real one on 0.0.0.0, one on loopback only ----
# (background jobs run `ip netns exec` directly, not through in_ns: $! is then the process
# itself, not a subshell that would leave it running when killed)
ip netns exec "$ns" ncat -lk 0.0.0.0 "$OPEN" >/dev/null 2>&1 &
pids+=($!)
ip netns exec "$ns" python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $LOOP)); s.listen(1)
while True: time.sleep(60)" &
pids+=($!)
for _ in $(seq 100); do
	in_ns ss -ltn | grep -q ":$OPEN " && in_ns ss -ltn | grep -q "127.0.0.1:$LOOP " && break
	sleep 0.1
done
in_ns ss -ltn | grep -q "0.0.0.0:$OPEN " || fail "ncat does not listen on 0.0.0.0:$OPEN"

# ---- a crafted root for the baseline ----
root="$tmp/root"
mkdir -p "$root/etc/ssh"
printf 'PermitRootLogin yes\nX11Forwarding yes\n' >"$root/etc/ssh/sshd_config"
export EDGESEC_BASELINE_PROFILE="$SOURCE_DIR/rules/baseline/debian.json"
baseline_fails() { # the Fail ids of `edgesec baseline` on $root, comma-separated, sorted
	# In the agent's network namespace: the crafted root has no /proc, so both read the
	# running kernel's (net.* sysctls are per namespace).
	ip netns exec "$ns" "$EDGESEC" baseline --root "$root" --format json 2>/dev/null |
		python3 -c 'import json,sys; print(",".join(sorted(c["id"] for c in json.load(sys.stdin)["results"] if c["result"] == "Fail")))'
}

cat >"$tmp/config.json" <<EOF
{
  "snapshotFrequency": "PT2S",
  "highPriorityMessageFrequency": "PT1S",
  "lowPriorityMessageFrequency": "PT1S",
  "eventPriorityProcessCreate": "Off",
  "eventPriorityProcessTerminate": "Off",
  "eventPriorityConnectionCreate": "Off",
  "eventPriorityLogin": "Off",
  "edgesec": {
    "heartbeatInterval": "PT1H",
    "localFlushInterval": "PT1S",
    "hostRoot": "$root",
    "dockerSocket": "",
    "eventPriorityPrivilegeUse": "Off"
  }
}
EOF
ip netns exec "$ns" "$EDGESEC" run --config "$tmp/config.json" --state-dir "$tmp/state" --output "$out" \
	2>"$tmp/agent.err" &
agent=$!
pids+=($agent)

count() { # RULE PATH STATUS
	$READ "$out" count "$@" 2>/dev/null || echo 0
}
# wait_item RULE PATH STATUS [N]: until N (default 1) such items were written (60 s at most)
wait_item() {
	local want=${4:-1}
	for _ in $(seq 300); do
		[ "$(count "$1" "$2" "$3")" -ge "$want" ] && return 0
		kill -0 "$agent" 2>/dev/null || fail "the agent exited: $(tail -5 "$tmp/agent.err")"
		sleep 0.2
	done
	$READ "$out" items >&2
	fail "no $3 $1 $2 within 60 s"
}
# snapshots N: until N more snapshots were written (and the posture evaluation after them)
snapshots() {
	local start
	start=$($READ "$out" snapshots 2>/dev/null || echo 0)
	for _ in $(seq 300); do
		[ "$($READ "$out" snapshots 2>/dev/null || echo 0)" -ge $((start + $1)) ] && sleep 1 &&
			return 0
		sleep 0.2
	done
	fail "no $1 snapshots within 60 s"
}
expect_count() { # N RULE PATH STATUS
	local got
	got=$(count "$2" "$3" "$4")
	[ "$got" = "$1" ] || { $READ "$out" items >&2; fail "$4 $2 $3 written $got times, want $1"; }
}
# wait_rule RULE STATUS: until an item of RULE with STATUS (any path) was written
wait_rule() {
	for _ in $(seq 300); do
		$READ "$out" items 2>/dev/null | awk -v r="$1" -v s="$2" '$1 == r && $3 == s' |
			grep -q . && return 0
		sleep 0.2
	done
	$READ "$out" items >&2
	fail "no $2 $1 within 60 s"
}
extra() { # RULE PATH STATUS KEY
	$READ "$out" extra "$@"
}

# ---- 1. no firewall ----
wait_item HOST001 "/ports/tcp/$OPEN" New
wait_item HOST002 /firewall/policy/input New
wait_item HOST002 /firewall/policy/output New
wait_item HOST005 /baseline New
procs=$(extra HOST001 "/ports/tcp/$OPEN" New Processes)
[ "$procs" = "ncat (/usr/bin/ncat)" ] || fail "HOST001 Processes is '$procs'"
[ "$(extra HOST001 "/ports/tcp/$OPEN" New Reachability)" = reachable ] || fail "not reachable"
[ "$(extra HOST001 "/ports/tcp/$OPEN" New LocalAddresses)" = 0.0.0.0 ] || fail "address"
want=$(baseline_fails)
[ -n "$want" ] || fail "edgesec baseline found no failure in the crafted root"
got=$(extra HOST005 /baseline New FailedChecks | tr ',' '\n' | sort | paste -sd,)
[ "$got" = "$want" ] || fail "HOST005 FailedChecks '$got', edgesec baseline fails '$want'"
echo "ok: no firewall: HOST001 tcp/$OPEN (ncat), HOST002 input+output, HOST005 ($want)"
snapshots 2
expect_count 1 HOST001 "/ports/tcp/$OPEN" New
expect_count 0 HOST001 "/ports/tcp/$LOOP" New
expect_count 0 HOST002 /firewall/policy/forward New
expect_count 1 HOST002 /firewall/policy/input New
expect_count 1 HOST005 /baseline New
echo "ok: raised once over further snapshots; the loopback listener is not a finding"

# ---- 2. a restrictive ruleset; the baseline changes ----
in_ns nft -f - <<'NFT' || fail "nft -f (restrictive)"
table inet posture_test {
	chain input {
		type filter hook input priority 0; policy drop;
		iif "lo" accept
		ct state established,related accept
		tcp dport 22 accept
	}
	chain output {
		type filter hook output priority 0; policy drop;
		oif "lo" accept
		ct state established,related accept
		ip daddr 192.0.2.53 udp dport 53 accept
	}
}
NFT
printf 'PermitRootLogin no\nX11Forwarding yes\n' >"$root/etc/ssh/sshd_config"
wait_item HOST001 "/ports/tcp/$OPEN" Resolved
wait_item HOST002 /firewall/policy/input Resolved
wait_item HOST002 /firewall/policy/output Resolved
wait_item HOST005 /baseline Changed
want=$(baseline_fails)
got=$(extra HOST005 /baseline Changed FailedChecks | tr ',' '\n' | sort | paste -sd,)
[ "$got" = "$want" ] || fail "HOST005 Changed FailedChecks '$got', edgesec baseline fails '$want'"
$READ "$out" items >"$tmp/before-benign.txt"
snapshots 3
$READ "$out" items >"$tmp/after-benign.txt"
diff "$tmp/before-benign.txt" "$tmp/after-benign.txt" >&2 &&
	echo "ok: restrictive ruleset: resolved; benign snapshots raise nothing" ||
	fail "the benign phase raised the items above"

# ---- 3. permissive rules ----
in_ns nft add rule inet posture_test input accept || fail "nft add rule input"
in_ns nft add rule inet posture_test output accept || fail "nft add rule output"
wait_item HOST001 "/ports/tcp/$OPEN" New 2
wait_rule HOST003 New
wait_rule HOST004 New
in_path=$($READ "$out" items | awk '$1 == "HOST003" && $3 == "New" { print $2 }' | head -1)
out_path=$($READ "$out" items | awk '$1 == "HOST004" && $3 == "New" { print $2 }' | head -1)
case $in_path in /firewall/input/inet/posture_test/input/*) ;; *) fail "HOST003 path '$in_path'" ;; esac
case $out_path in /firewall/output/inet/posture_test/output/*) ;; *) fail "HOST004 path '$out_path'" ;; esac
[ "$(extra HOST003 "$in_path" New Rule)" = accept ] || fail "HOST003 Rule"
msg=$($READ "$out" message HOST001 "/ports/tcp/$OPEN" New)
case $msg in *"inet posture_test input (nftables) rule 3 accepts it"*) ;; *) fail "HOST001: $msg" ;; esac
echo "ok: accept-all rules: HOST003, HOST004, tcp/$OPEN reachable through the rule"

# ---- 4. iptables (the iptables-nft backend) ----
# The iptables ruleset goes in first, whole, so no snapshot sees an empty firewall in between.
in_ns iptables-restore <<'IPT' || fail "iptables-restore"
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT DROP [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp --dport 22 -j ACCEPT
COMMIT
IPT
in_ns ip6tables-restore <<'IPT' || fail "ip6tables-restore"
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT DROP [0:0]
COMMIT
IPT
wait_item HOST001 "/ports/tcp/$OPEN" Resolved 2 # both chains see the packet: iptables drops it
in_ns nft delete table inet posture_test || fail "nft delete table"
wait_item HOST003 "$in_path" Resolved
wait_item HOST004 "$out_path" Resolved
snapshots 2
for rule in HOST001 HOST002 HOST003 HOST004; do
	[ "$($READ "$out" items | awk -v r=$rule '$1 == r && $3 != "Resolved"' | wc -l)" = \
		"$($READ "$out" items | awk -v r=$rule '$1 == r && $3 == "Resolved"' | wc -l)" ] ||
		{ $READ "$out" items >&2; fail "$rule: an open finding under the iptables DROP ruleset"; }
done
echo "ok: iptables DROP policy with the conntrack idiom: nothing open"
in_ns iptables -A INPUT -p tcp -j ACCEPT || fail "iptables permissive"
wait_item HOST001 "/ports/tcp/$OPEN" New 3
ipt_path=$($READ "$out" items | awk '$1 == "HOST003" && $3 == "New" && $2 ~ /ip\/filter\/INPUT/ { print $2 }' | head -1)
[ -n "$ipt_path" ] || { $READ "$out" items >&2; fail "no HOST003 for the iptables rule"; }
[ "$(extra HOST003 "$ipt_path" New Rule)" = "protocol tcp; accept" ] ||
	fail "HOST003 Rule '$(extra HOST003 "$ipt_path" New Rule)'"
echo "ok: iptables -p tcp -j ACCEPT: HOST003 and tcp/$OPEN reachable"

# ---- 5. stop; schema ----
kill -TERM "$agent"
wait "$agent" || fail "the agent exited with $?: $(tail -5 "$tmp/agent.err")"
pids=("${pids[@]/$agent/}")
TOOLS="$SOURCE_DIR/tests/tools"
if [ ! -d "$TOOLS/node_modules/ajv" ]; then
	npm ci --prefix "$TOOLS" --no-audit --no-fund >/dev/null 2>&1 ||
		fail "npm ci --prefix $TOOLS failed (the schema validator's dependencies)"
fi
node "$TOOLS/validate-messages.mjs" --quiet "$out" >"$tmp/validate.log" 2>&1 ||
	fail "schema validation: $(tail -20 "$tmp/validate.log")"
$READ "$out" strip-status >"$tmp/broken.jsonl"
if node "$TOOLS/validate-messages.mjs" --quiet "$tmp/broken.jsonl" >/dev/null 2>&1; then
	fail "the validator accepted HOST items without Status"
fi
echo "ok: $(tail -1 "$tmp/validate.log"); items without Status are rejected"

ip netns del "$ns" || fail "ip netns del"
nft list ruleset >"$tmp/host-after.txt" 2>&1
diff "$tmp/host-before.txt" "$tmp/host-after.txt" || fail "the host's ruleset changed"
echo "PASS: host posture recommendations on real listeners, nftables and iptables rules"
