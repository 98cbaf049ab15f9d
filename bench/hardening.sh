#!/usr/bin/env bash
# The hardening figures (issue 12): for each hostile or careless input, the exit status,
# elapsed time and peak RSS of one edgesec command, measured with /usr/bin/time -v.  Every
# command runs under `timeout` so a hang shows as exit 124 instead of stalling the script.
# Prints the figures; asserts nothing (tests/ hold the regression tests).
#
# Usage: bench/hardening.sh [path/to/edgesec] [case-filter]
#   EDGESEC_TIMEOUT  seconds before a command counts as hung (default 20)
#   SIZES            input sizes in MiB for the memory cases (default "1 8 32")
#   MEM_LIMIT_MB     address-space limit of each command (default 6144), so a runaway build
#                    cannot take the machine's memory from everything else running on it
set -uo pipefail

EDGESEC=${1:-${EDGESEC:-build/edgesec}}
FILTER=${2:-}
TIMEOUT=${EDGESEC_TIMEOUT:-20}
SIZES=${SIZES:-1 8 32}
MEM_LIMIT_MB=${MEM_LIMIT_MB:-6144}
EDGESEC=$(realpath "$EDGESEC")
SRC=$(cd "$(dirname "$0")/.." && pwd)

[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time is missing (apt-get install time)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

printf '%-34s %5s %9s %10s %8s  %s\n' case exit elapsed maxRSS RSS/in note
# run NAME INPUT_BYTES NOTE -- command...   (stdout to out.NAME, stderr to err.NAME)
run() {
	local name=$1 in_bytes=$2 note=$3
	shift 4
	case "$name" in *"$FILTER"*) ;; *) return 0 ;; esac
	/usr/bin/time -v -o "time.$name" timeout -s KILL "$TIMEOUT" \
		prlimit --as=$((MEM_LIMIT_MB * 1024 * 1024)) "$@" >"out.$name" 2>"err.$name"
	local rc=$?
	local el rss ratio=-
	el=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "time.$name")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "time.$name")
	[ "$in_bytes" -gt 0 ] && ratio=$(echo "scale=1; $rss * 1024 / $in_bytes" | bc)
	[ "$rc" -eq 137 ] && note="$note; KILLED after ${TIMEOUT}s (hang)"
	grep -qi 'out of memory\|cannot allocate' "err.$name" &&
		note="$note; hit the ${MEM_LIMIT_MB} MB limit"
	printf '%-34s %5s %9s %8dKB %8s  %s\n' "$name" "$rc" "$el" "$rss" "$ratio" "$note"
}

gen() { python3 - "$@"; }

# ---- hangs: non-regular files ----
mkfifo fifo
echo '{}' >cfg.json
run fifo-check-config 0 "a FIFO as the config file" -- "$EDGESEC" check-config fifo
run fifo-scan-manifest 0 "a FIFO as the manifest" -- "$EDGESEC" scan-manifest fifo
cat >inspect1.json <<'EOF'
[{"Id":"0123456789ab","Name":"/m","Config":{"Image":"x:1","Labels":{"net.azure-devices.edge.owner":"Microsoft.Azure.Devices.Edge.Agent","net.azure-devices.edge.create-options":"{}"}},"HostConfig":{}}]
EOF
run fifo-scan-against 0 "a FIFO as --against" -- "$EDGESEC" scan-manifest --docker-inspect \
	--against fifo inspect1.json
run fifo-run-config 0 "a FIFO as run --config" -- "$EDGESEC" run --config fifo --state-dir st
run dev-zero-check-config 0 "/dev/zero as the config file" -- "$EDGESEC" check-config /dev/zero
printf '{"modulesContent":{"$edgeAgent":{}}}' |
	run stdin-pipe-scan 0 "stdin pipe (must keep working)" -- "$EDGESEC" scan-manifest -

# wtmp as a FIFO under hostRoot: the agent must still start (log line "running").
mkdir -p hr/var/log hr/etc st2
mkfifo hr/var/log/wtmp
cp /etc/passwd hr/etc/passwd
printf '{"edgesec":{"hostRoot":"%s","loginSource":"utmp","dockerSocket":"","capture":"cnproc"}}\n' \
	"$work/hr" >cfg-wtmp.json
run fifo-wtmp-agent-start 0 "wtmp is a FIFO; agent stopped after 3s" -- bash -c \
	"'$EDGESEC' run --config cfg-wtmp.json --state-dir st2 --log-level info & p=\$!; sleep 3;
	 kill -TERM \$p; wait \$p; rc=\$?; [ \$rc -eq 0 ] || exit \$rc"
if [ -f "err.fifo-wtmp-agent-start" ]; then
	grep -q 'running' err.fifo-wtmp-agent-start && echo "    (agent reached 'running')" ||
		echo "    (agent never reached 'running')"
fi

# ---- unbounded cost: docker inspect and manifests of 1, 8 and 32 MiB ----
for mib in $SIZES; do
	gen "$mib" >inspect-$mib.json <<'EOF'
import sys
n = int(sys.argv[1]) * 1024 * 1024
sys.stdout.write("[" + ",".join(["{}"] * (n // 3)) + "]")
EOF
	run "inspect-empty-objects-${mib}MiB" "$(stat -c %s inspect-$mib.json)" "[{},{},...]" -- \
		"$EDGESEC" scan-manifest --docker-inspect inspect-$mib.json
	gen "$mib" >inspect-real-$mib.json <<'EOF'
import sys, json
n = int(sys.argv[1]) * 1024 * 1024
one = {"Id": "0" * 64, "Name": "/mod", "Config": {"Image": "acr.io/m:1.0", "User": "",
       "Env": ["A=1", "PATH=/usr/bin"], "Labels": {"net.azure-devices.edge.owner":
       "Microsoft.Azure.Devices.Edge.Agent"}},
       "HostConfig": {"Privileged": True, "Binds": ["/var/run/docker.sock:/var/run/docker.sock"],
       "NetworkMode": "host", "CapAdd": ["SYS_ADMIN"], "Memory": 0}}
s = json.dumps(one)
k = max(1, n // (len(s) + 1))
sys.stdout.write("[" + ",".join([s] * k) + "]")
EOF
	run "inspect-containers-${mib}MiB" "$(stat -c %s inspect-real-$mib.json)" \
		"realistic containers" -- "$EDGESEC" scan-manifest --docker-inspect \
		inspect-real-$mib.json
	gen "$mib" >manifest-array-$mib.json <<'EOF'
import sys
n = int(sys.argv[1]) * 1024 * 1024
head = '{"modulesContent":{"$edgeAgent":{"properties.desired":{"modules":{}}},"x":['
sys.stdout.write(head + ",".join(["0"] * ((n - len(head) - 64) // 2)) + "]}}")
EOF
	run "manifest-array-${mib}MiB" "$(stat -c %s manifest-array-$mib.json)" \
		"[0,0,...] beside the modules" -- "$EDGESEC" scan-manifest manifest-array-$mib.json
	gen "$mib" >manifest-modules-$mib.json <<'EOF'
import sys
n = int(sys.argv[1]) * 1024 * 1024
mod = '"m%d":{"settings":{"image":"a:1","createOptions":"{\\"HostConfig\\":{\\"Privileged\\":true}}"},"env":{"A":{"value":"b"}}}'
out, size, i = [], 0, 0
while size < n - 200:
    s = mod % i
    out.append(s); size += len(s) + 1; i += 1
sys.stdout.write('{"modulesContent":{"$edgeAgent":{"properties.desired":{"modules":{' +
                 ",".join(out) + '}}},"$edgeHub":{"properties.desired":{"routes":{}}}}}')
EOF
	run "manifest-modules-${mib}MiB" "$(stat -c %s manifest-modules-$mib.json)" \
		"many small modules" -- "$EDGESEC" scan-manifest manifest-modules-$mib.json
	gen "$mib" >manifest-env-$mib.json <<'EOF'
import sys
n = int(sys.argv[1]) * 1024 * 1024
env, size, i = [], 0, 0
while size < n - 300:
    s = '"E%d":""' % i
    env.append(s); size += len(s) + 1; i += 1
sys.stdout.write('{"modulesContent":{"$edgeAgent":{"properties.desired":{"modules":{"m":{"settings":{"image":"a:1"},"env":{' +
                 ",".join(env) + '}}}}}}}')
EOF
	run "manifest-env-${mib}MiB" "$(stat -c %s manifest-env-$mib.json)" \
		"one module, many env entries" -- "$EDGESEC" scan-manifest manifest-env-$mib.json
done

# ---- sshd_config Include fan-out ----
# 15 levels of 6 files, each Including every file of the next level: no cycle, nesting within
# sshd's own depth limit, 6^15 file reads without a total cap.
mkdir -p sshroot/etc/ssh
printf 'Include /etc/ssh/l1/*\nPermitRootLogin no\n' >sshroot/etc/ssh/sshd_config
for l in $(seq 1 15); do
	mkdir -p sshroot/etc/ssh/l$l
	for i in $(seq 1 6); do
		if [ "$l" -lt 15 ]; then printf 'Include /etc/ssh/l%d/*\n' $((l + 1)); else
			printf 'X11Forwarding no\n'; fi >sshroot/etc/ssh/l$l/f$i.conf
	done
done
run sshd-include-fanout 0 "15 levels x 6 files, each Including the next level" -- \
	"$EDGESEC" baseline --root "$work/sshroot"

# ---- output integrity ----
cat >m5.json <<'EOF'
{"modulesContent":{"$edgeAgent":{"properties.desired":{"modules":{"m":{"settings":{"image":"a:1"}}}}}}}
EOF
run stdout-full-sarif 0 "scan-manifest --format sarif >/dev/full (0 findings at critical)" -- \
	bash -c "exec '$EDGESEC' scan-manifest --fail-on critical --format sarif m5.json >/dev/full"
run stdout-full-check-config 0 "check-config >/dev/full" -- bash -c \
	"exec '$EDGESEC' check-config cfg.json >/dev/full"
run stdout-full-baseline 0 "baseline --format json >/dev/full (1 = checks failed)" -- bash -c \
	"exec '$EDGESEC' baseline --root '$work/hr' --format json >/dev/full"
run output-full-snapshot 0 "snapshot --output /dev/full" -- "$EDGESEC" snapshot \
	--output /dev/full --state-dir st

printf '{"modulesContent":{"$edgeAgent":{"properties.desired":{"modules":{"evil\\u001b]0;pwned\\u0007\\u001b[2J":{"settings":{"image":"a:1","createOptions":"{\\"HostConfig\\":{\\"Privileged\\":true}}"}}}}}}}' >esc.json
run escape-scan-text 0 "module name with ESC ] and ESC [2J" -- "$EDGESEC" scan-manifest esc.json
[ -f out.escape-scan-text ] && echo "    raw ESC bytes in stdout: $(tr -cd '\033' <out.escape-scan-text | wc -c)"
printf '{"edgesec":{"\\u001b[2Jbad":1}}' >esc-cfg.json
run escape-check-config-err 0 "unknown key with ESC [2J" -- "$EDGESEC" check-config esc-cfg.json
[ -f err.escape-check-config-err ] && echo "    raw ESC bytes in stderr: $(tr -cd '\033' <err.escape-check-config-err | wc -c)"

printf '{"edgesec":{"hostRoot":"/ho\\u0000st"}}' >nul.json
run nul-in-setting 0 "hostRoot \"/ho\\u0000st\"" -- "$EDGESEC" check-config nul.json
[ -f out.nul-in-setting ] && grep -A1 '"hostRoot"' out.nul-in-setting | tr -d '\n\t' | sed 's/^/    /; s/$/\n/'

printf '{"edgesec":{"capture":"ebpf2"}}' >cap.json
run check-config-capture-ebpf2 0 "capture \"ebpf2\"" -- "$EDGESEC" check-config cap.json
printf '{"edgesec":{"hostRoot":"host"}}' >hr.json
run check-config-relative-hostroot 0 "hostRoot \"host\"" -- "$EDGESEC" check-config hr.json
printf '{"edgesec":{"loginSource":"wtmp"}}' >ls.json
run check-config-login-source 0 "loginSource \"wtmp\"" -- "$EDGESEC" check-config ls.json
run run-capture-ebpf2 0 "run --config with capture \"ebpf2\" (3 s)" -- bash -c \
	"'$EDGESEC' run --config cap.json --state-dir st & p=\$!; sleep 3; kill -TERM \$p 2>/dev/null; wait \$p"
# ---- manifest scan: a bad module, drift in SARIF ----
run manifest-bad-module 0 "Privileged \"yes\" in one module (tests/manifests)" -- \
	"$EDGESEC" scan-manifest "$SRC/tests/manifests/wrong-type-privileged.json"
for m in edgeAgent edgeHub tempSensor rogue; do cat "$SRC/tests/inspect/deployment/$m.json"; done |
	python3 -c 'import sys,json; d=json.JSONDecoder(); t=sys.stdin.read(); o=[]; i=0
while i < len(t):
    t2=t[i:].lstrip(); i=len(t)-len(t2)
    if not t2: break
    v,n=d.raw_decode(t2); o.append(v); i+=n
print(json.dumps(o))' >inspect-deploy.json
run sarif-drift-against 0 "--docker-inspect --against --format sarif" -- "$EDGESEC" \
	scan-manifest --docker-inspect --format sarif --against \
	"$SRC/tests/inspect/deployment/manifest.json" inspect-deploy.json
[ -f out.sarif-drift-against ] && echo "    DRIFT results in SARIF: $(grep -o '"ruleId":"DRIFT-' out.sarif-drift-against | wc -l)"
exit 0
