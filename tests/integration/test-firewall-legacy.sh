#!/bin/bash
# SPDX-License-Identifier: MIT
#
# FirewallConfiguration from the kernel's legacy x_tables (iptables-legacy, ip6tables-legacy),
# inside a network namespace made by the test: tcp, udp, icmp, sctp, esp, a port range, a
# negated source, a user chain with a jump and a goto, DROP policies, multiport, protocol 253,
# an interface wildcard, and an nftables table next to them.  `edgesec snapshot` runs INSIDE
# the namespace; the items of both backends must be in the same event (ExtraDetails.Backend
# "iptables-legacy" / "nftables") with the right fields, and the messages must validate against
# the published ASC schema.  A second namespace without legacy rules must still have no
# x_tables table after a snapshot (the agent never creates one by asking), and the host's own
# legacy tables and nftables ruleset must be the same before and after.  With the legacy read
# made to fail (a fake /proc in a private mount namespace) the nftables items are still sent.
#
# Needs root, ip, nft, iptables-legacy, ip6tables-legacy and python3; exits 77 otherwise, or
# when iptables-legacy cannot use the kernel's x_tables here (no ip_tables in the kernel).
set -u

. "$(dirname "$0")/lib.sh"
need_root "to create a network namespace and install rules"
need_tools "apt-get install -y iproute2 nftables iptables" \
	ip nft iptables-legacy ip6tables-legacy iptables-legacy-save python3
need_edgesec

ns="esipt-$$"
ns_plain="esipt-plain-$$"
tmp=$(mktemp -d /tmp/esipt-XXXXXX) || fail "mktemp"
cleanup() {
	ip netns del "$ns" 2>/dev/null
	ip netns del "$ns_plain" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

host_state() {
	cat /proc/net/ip_tables_names /proc/net/ip6_tables_names 2>/dev/null
	iptables-legacy-save 2>&1 | grep -v '^#'
	ip6tables-legacy-save 2>&1 | grep -v '^#'
	nft list ruleset 2>&1
}
host_state >"$tmp/host-before.txt"
ip netns add "$ns" || fail "ip netns add $ns"
ip netns add "$ns_plain" || fail "ip netns add $ns_plain"
in_ns() {
	ip netns exec "$ns" "$@"
}

if ! in_ns iptables-legacy -N ESIPT-USER 2>"$tmp/probe.txt"; then
	echo "SKIP: iptables-legacy cannot use the kernel's x_tables here: $(cat "$tmp/probe.txt")"
	exit 77
fi
ipt() {
	in_ns iptables-legacy "$@" || fail "iptables-legacy $*"
}
ip6t() {
	in_ns ip6tables-legacy "$@" || fail "ip6tables-legacy $*"
}
ipt -A INPUT -p tcp --dport 22 -j ACCEPT
ipt -A INPUT -p udp --dport 1000:2000 -j ACCEPT
ipt -A INPUT -p icmp --icmp-type echo-request -j ACCEPT
ipt -A INPUT -p sctp --dport 9 -j DROP
ipt -A INPUT -p esp -j ACCEPT
ipt -A INPUT ! -s 10.0.0.0/8 -p tcp --dport 80 -j REJECT
ipt -A INPUT -p tcp -m multiport --dports 443,8443,9000:9100 -j ACCEPT
ipt -A INPUT -p 253 -j ACCEPT
ipt -A INPUT -p tcp --dport 8080 -j ESIPT-USER
ipt -A INPUT -i veth+ -p udp --dport 8081 -g ESIPT-USER
ipt -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
ipt -A ESIPT-USER -s 192.168.1.1 -d 192.168.2.0/24 -j ACCEPT
ipt -A ESIPT-USER -j LOG
ipt -A OUTPUT -p udp --sport 53 -j ACCEPT
ipt -P INPUT DROP
ip6t -A INPUT -p ipv6-icmp -j ACCEPT
ip6t -A INPUT -s 2001:db8::/32 -p tcp --dport 443 -j ACCEPT
ip6t -A INPUT ! -s 2001:db8::1 -p udp -m multiport --sports 53,123 -j DROP
ip6t -A INPUT -p esp -j ACCEPT
ip6t -P INPUT DROP
# nftables next to them, in the same namespace
in_ns nft -f - <<'NFT' || fail "nft -f"
table inet esipt_nft {
	chain input {
		type filter hook input priority 10; policy accept;
		tcp dport 2222 accept
	}
}
NFT
in_ns iptables-legacy-save >"$tmp/ns-before.txt" 2>&1

out="$tmp/out.jsonl"
in_ns "$EDGESEC" snapshot --state-dir "$tmp/state" >"$out" 2>"$tmp/err.txt" ||
	fail "edgesec snapshot exited with $?: $(cat "$tmp/err.txt")"
grep -q '"FirewallConfiguration"' "$out" ||
	fail "no FirewallConfiguration event in the snapshot output: $(cat "$tmp/err.txt")"

python3 - "$out" <<'PY' || exit 1
import json, sys

events = []
for line in open(sys.argv[1]):
    if line.strip():
        events += [e for e in json.loads(line).get("Events", [])
                   if e.get("Name") == "FirewallConfiguration"]
if len(events) != 1:
    sys.exit(f"FAIL: {len(events)} FirewallConfiguration events, want 1")
items = events[0].get("Payload", [])

def fail(msg):
    sys.exit("FAIL: " + msg)

def find(backend, family, chain, **want):
    """The first item of a chain whose fields match `want` (None: field absent)."""
    for it in items:
        x = it.get("ExtraDetails", {})
        if (x.get("Backend"), x.get("Family"), x.get("Table"), it.get("ChainName")) != \
                (backend, family, "filter" if backend == "iptables-legacy" else "esipt_nft",
                 chain):
            continue
        if all(it.get(k) == v for k, v in want.items()):
            return it
    fail(f"no item {backend} {family} {chain} {want}; chain has: " + json.dumps(
        [i for i in items if i.get("ChainName") == chain and
         i.get("ExtraDetails", {}).get("Family") == family], indent=1))

for it in items:
    if it.get("Enabled") is not True or it.get("Action") not in ("Allow", "Deny", "Other"):
        fail(f"bad Enabled/Action in {it}")
    if it.get("ExtraDetails", {}).get("Backend") not in ("iptables-legacy", "nftables"):
        fail(f"no Backend in {it}")

L = "iptables-legacy"
tcp = find(L, "ip", "INPUT", Protocol="tcp", DestinationPort="22", Action="Allow",
           Direction="In")
if tcp["Priority"] != 0 or tcp["ExtraDetails"].get("Hook") != "input":
    fail(f"first INPUT rule: {tcp}")
if "Handle" in tcp["ExtraDetails"]:
    fail(f"a legacy rule has a Handle: {tcp}")
find(L, "ip", "INPUT", Protocol="udp", DestinationPort="1000-2000", Action="Allow", Priority=1)
icmp = find(L, "ip", "INPUT", Protocol="icmp", Action="Allow", Priority=2)
if icmp["ExtraDetails"].get("Unmapped") != "icmp type 8":
    fail(f"icmp rule: {icmp}")
find(L, "ip", "INPUT", Protocol="sctp", DestinationPort="9", Action="Deny", Priority=3)
find(L, "ip", "INPUT", Protocol="esp", Action="Allow", Priority=4)
rej = find(L, "ip", "INPUT", Protocol="tcp", SourceAddress="!10.0.0.0/8", DestinationPort="80",
           Action="Deny", Priority=5)
if rej["ExtraDetails"].get("Verdict") != "REJECT":
    fail(f"REJECT rule: {rej}")
find(L, "ip", "INPUT", Protocol="tcp", DestinationPort="443,8443,9000-9100", Action="Allow",
     Priority=6)
find(L, "ip", "INPUT", Protocol="253", Action="Allow", Priority=7)
jump = find(L, "ip", "INPUT", DestinationPort="8080", Action="Other", Priority=8)
if jump["ExtraDetails"].get("Verdict") != "jump ESIPT-USER":
    fail(f"jump rule: {jump}")
goto = find(L, "ip", "INPUT", Protocol="udp", DestinationPort="8081", Priority=9)
x = goto["ExtraDetails"]
if x.get("Verdict") != "goto ESIPT-USER" or x.get("Unmapped") != "meta iifname == veth*":
    fail(f"goto rule: {goto}")
ct = find(L, "ip", "INPUT", Action="Allow", Priority=10)
if ct["ExtraDetails"].get("Unmapped") != "xt match conntrack":
    fail(f"conntrack rule: {ct}")
pol = find(L, "ip", "INPUT", Action="Deny", Priority=11)
if pol["ExtraDetails"].get("Policy") != "true" or "Protocol" in pol:
    fail(f"INPUT policy item: {pol}")
find(L, "ip", "FORWARD", Action="Allow", Priority=0, Direction=None)
user = find(L, "ip", "ESIPT-USER", SourceAddress="192.168.1.1",
            DestinationAddress="192.168.2.0/24", Action="Allow", Priority=0, Direction=None)
if "Hook" in user["ExtraDetails"] or "Policy" in user["ExtraDetails"]:
    fail(f"user chain rule: {user}")
find(L, "ip", "ESIPT-USER", Action="Other", Priority=1)
if sum(1 for i in items if i.get("ChainName") == "ESIPT-USER") != 2:
    fail("the user chain has items other than its two rules")
find(L, "ip", "OUTPUT", Protocol="udp", SourcePort="53", Direction="Out", Priority=0)
find(L, "ip", "OUTPUT", Action="Allow", Priority=1)
# ip6tables-legacy
find(L, "ip6", "INPUT", Protocol="ipv6-icmp", Action="Allow", Priority=0)
find(L, "ip6", "INPUT", Protocol="tcp", SourceAddress="2001:db8::/32", DestinationPort="443",
     Priority=1)
find(L, "ip6", "INPUT", Protocol="udp", SourceAddress="!2001:db8::1", SourcePort="53,123",
     Action="Deny", Priority=2)
find(L, "ip6", "INPUT", Protocol="esp", Priority=3)
find(L, "ip6", "INPUT", Action="Deny", Priority=4)
# nftables, in the same event
find("nftables", "inet", "input", Protocol="tcp", DestinationPort="2222", Action="Allow")
n_legacy = sum(1 for i in items if i["ExtraDetails"]["Backend"] == L)
if n_legacy != 17 + 7:
    fail(f"{n_legacy} legacy items, want 24 (17 ip, 7 ip6)")
print(f"ok: {len(items)} FirewallConfiguration items ({n_legacy} from iptables-legacy)")
PY

if command -v node >/dev/null && [ -f "$SOURCE_DIR/tests/tools/validate-messages.mjs" ]; then
	node "$SOURCE_DIR/tests/tools/validate-messages.mjs" --quiet "$out" >"$tmp/val.txt" 2>&1 ||
		fail "messages do not validate: $(tail -20 "$tmp/val.txt")"
	echo "ok: messages validate against their schemas"
fi

# The snapshot read the namespace's tables without changing them.
in_ns iptables-legacy-save >"$tmp/ns-after.txt" 2>&1
diff <(grep -v '^#' "$tmp/ns-before.txt") <(grep -v '^#' "$tmp/ns-after.txt") >/dev/null ||
	fail "the namespace's legacy rules changed"

# One backend failing does not lose the other: in a private mount namespace a fake /proc
# makes the legacy table list unreadable (larger than the reader's cap), so the legacy read
# fails; the nftables items must still be sent.
fake="$tmp/fakeproc"
mkdir -p "$fake/self/net" || fail "mkdir $fake"
head -c 10000 /dev/zero | tr '\0' x >"$fake/self/net/ip_tables_names"
if command -v unshare >/dev/null; then
	in_ns unshare -m sh -c 'mount --bind "$1" /proc && exec "$2" snapshot --state-dir "$3"' \
		sh "$fake" "$EDGESEC" "$tmp/state-fail" >"$tmp/out-fail.jsonl" 2>"$tmp/err-fail.txt" ||
		fail "edgesec snapshot with a failing legacy backend exited with $?: $(cat "$tmp/err-fail.txt")"
	python3 - "$tmp/out-fail.jsonl" <<'PY' || exit 1
import json, sys
items = []
for line in open(sys.argv[1]):
    if line.strip():
        for e in json.loads(line).get("Events", []):
            if e.get("Name") == "FirewallConfiguration":
                items += e.get("Payload", [])
backends = {i["ExtraDetails"].get("Backend") for i in items}
if not any(i.get("DestinationPort") == "2222" for i in items) or backends != {"nftables"}:
    sys.exit(f"FAIL: with the legacy read failing, want only the nftables items: {items}")
print(f"ok: legacy read failed, the {len(items)} nftables items were still sent")
PY
fi

# A namespace without legacy tables: none is created by the snapshot.
ip netns exec "$ns_plain" "$EDGESEC" snapshot --state-dir "$tmp/state-plain" \
	>"$tmp/out-plain.jsonl" 2>"$tmp/err-plain.txt" ||
	fail "edgesec snapshot (no legacy tables) exited with $?: $(cat "$tmp/err-plain.txt")"
grep -q '"FirewallConfiguration"' "$tmp/out-plain.jsonl" ||
	fail "no FirewallConfiguration event without legacy tables"
for names in ip_tables_names ip6_tables_names; do
	tables=$(ip netns exec "$ns_plain" cat "/proc/net/$names" 2>/dev/null)
	[ -z "$tables" ] || fail "the snapshot created x_tables tables ($tables) in $ns_plain"
done
echo "ok: no x_tables table created in a namespace that had none"

host_state >"$tmp/host-after.txt"
cmp -s "$tmp/host-before.txt" "$tmp/host-after.txt" ||
	fail "the host's rules changed: $(diff "$tmp/host-before.txt" "$tmp/host-after.txt")"
echo "PASS: FirewallConfiguration from iptables-legacy, ip6tables-legacy and nftables in a namespace"
