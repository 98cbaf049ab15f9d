#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/exec-storm.sh: exec and connect storms under edgesec and its peers, side by side.
#
# Workload (bench/exec-storm-spawner.c, built here with cc into a temporary directory):
#   r100   N_100 execs of `/bin/true MARKER<i> ARG2` at 100/s
#   r1000  N_1000 execs at 1,000/s
#   fast   N_FAST execs, as fast as two parallel spawners go (fork + exec + wait each)
#   conn   N_CONNECT blocking TCP connects to a listener on 127.0.0.1 (loopback only)
# under each configuration, one after the other, each once:
#   none                  no monitor (the reference for slowdown)
#   edgesec-ebpf|audit|cnproc   edgesec run --capture BACKEND, every exec its own event
#   edgesec-ebpf-nodetect  the same without the detection rules (detectionEnabled false):
#                         the engine's cost is the difference to edgesec-ebpf
#   auditd                auditd (own config and log in the temp dir) + an execve rule
#   execsnoop             libbpf-tools execsnoop
# and prints per configuration and phase: captured/executed, argv complete/executed, monitor
# CPU seconds per 1,000 workload events, workload slowdown vs none, the workload's own CPU vs
# none, and the monitor's peak RSS (VmHWM); then ratios of edgesec to the peers.
#
# Never fails on speed: exits 0 with figures unless the set-up itself is broken (not root, no
# cc or jq, no edgesec binary). A peer that is missing is printed as "not installed".
# Everything is bounded: counts are fixed, each phase has a timeout, the trap stops every
# process it started, removes its audit rules and restores the audit settings it changed.
#
# Environment: EDGESEC (default build/edgesec), N_100 (1000), N_1000 (2000), N_FAST (5000),
# N_CONNECT (2000), CONFIGS (default: all, space-separated names as above), KEEP=1 keeps the
# temporary directory (outputs of every monitor).
set -euo pipefail

cd "$(dirname "$0")/.."
EDGESEC=${EDGESEC:-build/edgesec}
N_100=${N_100:-1000}
N_1000=${N_1000:-2000}
N_FAST=${N_FAST:-5000}
N_CONNECT=${N_CONNECT:-2000}
CONFIGS=${CONFIGS:-none edgesec-ebpf edgesec-ebpf-nodetect edgesec-audit edgesec-cnproc auditd execsnoop}
PHASE_TIMEOUT=120 # seconds, per phase
DRAIN=2           # seconds after each phase for the monitor to catch up and write
AUDIT_KEY=edgesec-exec-storm
# tests/unit/test-process-audit.c takes turns on this lock; we do too while audit is ours
AUDIT_TEST_LOCK=/tmp/edgesec-test-process-audit.lock

die() {
	echo "exec-storm: $*" >&2
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "must run as root (eBPF, audit, proc connector)"
[[ -x $EDGESEC ]] || die "$EDGESEC not found; run 'make build' first"
command -v cc >/dev/null || die "cc not found"
command -v jq >/dev/null || die "jq not found (apt-get install -y jq)"

tmp=$(mktemp -d /tmp/edgesec-exec-storm.XXXXXX)
mon_pid=
auditd_pid=
audit_saved=
audit_rules_added=0
spawner_pids=()
sampler_pid=
audit_lock_fd=

audit_lock() { # wait (bounded) for concurrent audit tests to finish, then hold their lock
	exec {audit_lock_fd}>>"$AUDIT_TEST_LOCK"
	if ! flock -w 120 "$audit_lock_fd"; then
		exec {audit_lock_fd}>&-
		audit_lock_fd=
		return 1
	fi
}
audit_unlock() {
	if [[ -n $audit_lock_fd ]]; then
		exec {audit_lock_fd}>&-
		audit_lock_fd=
	fi
}

audit_status() { auditctl -s 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }
audit_rule() { # add|delete: the execve rule, both ABIs
	local op=$1 arch
	for arch in b64 b32; do
		auditctl "$op" always,exit -F arch=$arch -S execve,execveat -k "$AUDIT_KEY" \
			>/dev/null 2>&1 || true
	done
}
audit_restore() {
	if ((audit_rules_added)); then
		audit_rule -d
		audit_rules_added=0
	fi
	if [[ -n $auditd_pid ]]; then
		kill -TERM "$auditd_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$auditd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$auditd_pid" 2>/dev/null || true
		wait "$auditd_pid" 2>/dev/null || true
		auditd_pid=
	fi
	if [[ -n $audit_saved ]]; then
		# shellcheck disable=SC2086 # word splitting intended: "enabled backlog wait"
		set -- $audit_saved
		auditctl -b "$2" >/dev/null 2>&1 || true
		auditctl --backlog_wait_time "$3" >/dev/null 2>&1 || true
		auditctl -e "$1" >/dev/null 2>&1 || true
		audit_saved=
	fi
}
stop_monitor() { # SIGTERM (edgesec restores the audit state it changed), then SIGKILL
	local sig=${1:-TERM}
	if [[ -n $mon_pid ]]; then
		kill -"$sig" "$mon_pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$mon_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$mon_pid" 2>/dev/null || true
		wait "$mon_pid" 2>/dev/null || true
		mon_pid=
	fi
}
cleanup() {
	local p
	# the pids are timeout(1)s: SIGTERM is passed on to the spawner (whose listener child
	# dies with it: PR_SET_PDEATHSIG)
	for p in "${spawner_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	[[ -z $sampler_pid ]] || kill -TERM "$sampler_pid" 2>/dev/null || true
	stop_monitor TERM
	audit_restore
	audit_unlock
	if [[ ${KEEP:-0} == 1 ]]; then
		echo "exec-storm: outputs kept in $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$tmp/spawner" bench/exec-storm-spawner.c || die "cannot build the spawner"
tck=$(getconf CLK_TCK)
run_id=$$
arg2="esbarg2r$run_id" # the second known argument of every exec
results=$tmp/results.tsv
: >"$results"

# CPU ticks (utime + stime) and VmHWM (KiB) of the monitor; "-" without one.
mon_ticks() {
	[[ -n $mon_pid ]] || { echo -; return; }
	sed 's/^.*) //' "/proc/$mon_pid/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo -
}
kauditd_ticks() { # the kernel thread that delivers audit records (to auditd and to edgesec)
	local k
	k=$(pgrep -x kauditd | head -n1) || true
	[[ -n $k ]] || { echo -; return; }
	sed 's/^.*) //' "/proc/$k/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo -
}
mon_hwm() {
	[[ -n $mon_pid ]] || { echo -; return; }
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$mon_pid/status" 2>/dev/null || echo -
}

# rss_sampler PID FILE: the largest VmRSS (KiB) of PID, sampled every 0.1 s, into FILE
rss_sampler() {
	local max=0 v
	trap 'echo "$max" >"$2"; exit 0' TERM
	while :; do
		v=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null) || v=
		[[ -n $v ]] && ((v > max)) && max=$v
		echo "$max" >"$2"
		sleep 0.1
	done
}

# run_phase CFG PHASE: runs the workload, appends
# "cfg phase executed wall_ns workload_cpu_ns mon_ticks hwm_kb pids port prefix kauditd_ticks
# max_rss_kb" to $results.
run_phase() {
	local cfg=$1 phase=$2 base="esb${run_id}${1//-/}$2" out=$tmp/$1.$2.spawn t0 t1 k0 k1
	: >"$out"
	t0=$(mon_ticks)
	k0=$(kauditd_ticks)
	echo - >"$tmp/rss"
	if [[ -n $mon_pid ]]; then
		rss_sampler "$mon_pid" "$tmp/rss" &
		sampler_pid=$!
	fi
	spawner_pids=()
	case $phase in
	r100) timeout -k 5 $PHASE_TIMEOUT "$tmp/spawner" exec "$N_100" 100 "${base}Ax" "$arg2" >>"$out" & spawner_pids+=($!) ;;
	r1000) timeout -k 5 $PHASE_TIMEOUT "$tmp/spawner" exec "$N_1000" 1000 "${base}Ax" "$arg2" >>"$out" & spawner_pids+=($!) ;;
	fast)
		timeout -k 5 $PHASE_TIMEOUT "$tmp/spawner" exec $((N_FAST / 2)) 0 "${base}Ax" "$arg2" >>"$out" &
		spawner_pids+=($!)
		timeout -k 5 $PHASE_TIMEOUT "$tmp/spawner" exec $((N_FAST - N_FAST / 2)) 0 "${base}Bx" "$arg2" >>"$out" &
		spawner_pids+=($!)
		;;
	conn) timeout -k 5 $PHASE_TIMEOUT "$tmp/spawner" connect "$N_CONNECT" >>"$out" & spawner_pids+=($!) ;;
	esac
	local p
	for p in "${spawner_pids[@]}"; do wait "$p" || true; done
	spawner_pids=()
	sleep "$DRAIN"
	t1=$(mon_ticks)
	k1=$(kauditd_ticks)
	if [[ -n $sampler_pid ]]; then
		kill -TERM "$sampler_pid" 2>/dev/null || true
		wait "$sampler_pid" 2>/dev/null || true
		sampler_pid=
	fi
	awk -v cfg="$cfg" -v phase="$phase" -v t0="$t0" -v t1="$t1" -v hwm="$(mon_hwm)" -v base="$base" \
		-v kt="$([[ $k0 == - || $k1 == - ]] && echo - || echo $((k1 - k0)))" -v rss="$(cat "$tmp/rss")" '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		  ex += v["executed"]; cpu += v["cpu_ns"]; pids = pids (pids ? "," : "") v["pid"]; port = v["port"]
		  if (!s || v["start_ns"] < s) s = v["start_ns"]; if (v["end_ns"] > e) e = v["end_ns"] }
		END { ticks = (t0 == "-" || t1 == "-") ? "-" : t1 - t0
		      printf "%s\t%s\t%d\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cfg, phase, ex, e - s, cpu, ticks, hwm,
			     (pids ? pids : "-"), (port ? port : 0), base, kt, rss }' "$out" >>"$results"
}

# count CFG: prints "captured argv_complete" per phase line of $results for CFG into $tmp/CFG.counts
count_edgesec() { # $1 cfg, $2 jsonl
	local cfg=$1 f=$2
	jq -r '.Events[]? | select(.Name == "ProcessCreate") | .Payload[]? | .CommandLine // empty' "$f" \
		>"$tmp/$cfg.cmdlines" 2>/dev/null || true
	jq -r '.Events[]? | select(.Name == "ConnectionCreate") | .Payload[]?
		| select(.Direction == "Out") | (.RemotePort | tostring)' "$f" >"$tmp/$cfg.ports" 2>/dev/null || true
	jq -r '.Events[]? | select(.Name == "ConnectionCreate") | .Payload[]?
		| select(.Direction == "In") | (.LocalPort | tostring)' "$f" >"$tmp/$cfg.inports" 2>/dev/null || true
	awk -F'\t' -v c="$cfg" '$1 == c' "$results" | while IFS=$'\t' read -r _ phase _ _ _ _ _ _ port base _ _; do
		if [[ $phase == conn ]]; then
			echo "$phase $(grep -cx "$port" "$tmp/$cfg.ports" || true) -" \
				"$(grep -cx "$port" "$tmp/$cfg.inports" || true)"
		else
			echo "$phase $(grep -oE "${base}[AB]x[0-9]+" "$tmp/$cfg.cmdlines" | sort -u | wc -l)" \
				"$(grep -oE "${base}[AB]x[0-9]+ $arg2( |\$)" "$tmp/$cfg.cmdlines" | sort -u | wc -l)"
		fi
	done
}
count_auditd() { # EXECVE records carry argv as a0="..." a1="..." (our arguments need no hex)
	local cfg=$1 f=$2
	awk -F'\t' -v c="$cfg" '$1 == c' "$results" | while IFS=$'\t' read -r _ phase _ _ _ _ _ _ _ base _ _; do
		if [[ $phase == conn ]]; then
			echo "$phase - -"
		else
			echo "$phase $(grep -oE "a1=\"${base}[AB]x[0-9]+\"" "$f" | sort -u | wc -l)" \
				"$(grep -oE "a1=\"${base}[AB]x[0-9]+\" a2=\"$arg2\"" "$f" | sort -u | wc -l)"
		fi
	done
}
count_execsnoop() { # PCOMM PID PPID RET ARGS; argv is often unreadable, so count by parent pid
	local cfg=$1 f=$2
	awk -F'\t' -v c="$cfg" '$1 == c' "$results" | while IFS=$'\t' read -r _ phase _ _ _ _ _ pids _ base _ _; do
		if [[ $phase == conn ]]; then
			echo "$phase - -"
		else
			echo "$phase $(awk -v pids="$pids" 'BEGIN { n = split(pids, a, ","); for (i = 1; i <= n; i++) p[a[i]] = 1 }
				$1 == "true" && ($3 in p) && $4 == 0 { c++ } END { print c + 0 }' "$f")" \
				"$(grep -oE "${base}[AB]x[0-9]+ $arg2( |\$)" "$f" | sort -u | wc -l)"
		fi
	done
}

phases="r100 r1000 fast conn"
run_phases() { local ph; for ph in $phases; do run_phase "$1" "$ph"; done; }
declare -A note

start_edgesec() { # $1 cfg, $2 backend, $3 detectionEnabled (true|false)
	local cfg=$1 b=$2 f=$tmp/$1.jsonl
	cat >"$tmp/edgesec.json" <<-EOF
		{"aggregationEnabledProcessCreate": false, "aggregationEnabledConnectionCreate": false,
		 "aggregationEnabledProcessTerminate": false,
		 "edgesec": {"localFlushInterval": "PT1S", "heartbeatInterval": "PT1S",
		             "detectionEnabled": ${3:-true}}}
	EOF
	mkdir -p "$tmp/state-$b"
	"$EDGESEC" run --capture "$b" --config "$tmp/edgesec.json" --state-dir "$tmp/state-$b" \
		--output "$f" 2>"$tmp/$cfg.stderr" </dev/null &
	mon_pid=$!
	local state=
	for _ in $(seq 150); do
		kill -0 "$mon_pid" 2>/dev/null || break
		state=$(jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0].Collectors[]?
			| select(.Name == "process") | .State' "$f" 2>/dev/null | tail -n1)
		[[ -n $state ]] && break
		sleep 0.1
	done
	if [[ $state == running || $state == degraded ]]; then
		sleep 1
		return 0
	fi
	local why
	why=$(jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0].Collectors[]?
		| select(.Name == "process") | .LastError // empty' "$f" 2>/dev/null | tail -n1)
	note[$cfg]="did not start (process collector ${state:-without a Heartbeat}: ${why:-$(tail -n1 "$tmp/$cfg.stderr" 2>/dev/null)})"
	stop_monitor
	return 1
}
edgesec_losses() { # from the last Heartbeat: process collector Lost and Skipped, queue drops
	jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0]
		| "lost \([.Collectors[]? | select(.Name == "process") | .Lost][0]) skipped \([.Collectors[]?
		| select(.Name == "process") | .Skipped][0]) queue-dropped \(.EventsDropped)"' "$1" 2>/dev/null | tail -n1
}

start_auditd() {
	local cfg=auditd
	if ! command -v auditd >/dev/null || ! command -v auditctl >/dev/null; then
		note[$cfg]="not installed (apt-get install -y auditd)"
		return 1
	fi
	local running
	running=$(audit_status pid)
	if [[ -n $running && $running != 0 ]] || pidof auditd >/dev/null; then
		note[$cfg]="skipped: an audit daemon already runs (pid $running); not touching it"
		return 1
	fi
	if [[ $(audit_status enabled) == 2 ]]; then
		note[$cfg]="skipped: audit is locked (enabled 2)"
		return 1
	fi
	audit_saved="$(audit_status enabled) $(audit_status backlog_limit) $(audit_status backlog_wait_time)"
	mkdir -p "$tmp/auditd/plugins.d"
	chmod 750 "$tmp/auditd"
	# the Debian auditd.conf with our own log file (256 MiB before rotating), no plugins and raw
	# records
	sed -e "s|^log_file *=.*|log_file = $tmp/audit.log|" -e "s|^plugin_dir *=.*|plugin_dir = $tmp/auditd/plugins.d|" \
		-e 's|^log_format *=.*|log_format = RAW|' -e 's|^max_log_file *=.*|max_log_file = 256|' -e 's|^log_group *=.*|log_group = root|' \
		-e 's|^space_left_action *=.*|space_left_action = IGNORE|' \
		-e 's|^admin_space_left_action *=.*|admin_space_left_action = IGNORE|' \
		-e 's|^disk_full_action *=.*|disk_full_action = IGNORE|' \
		-e 's|^disk_error_action *=.*|disk_error_action = IGNORE|' \
		/etc/audit/auditd.conf >"$tmp/auditd/auditd.conf"
	chmod 640 "$tmp/auditd/auditd.conf"
	auditd -n -c "$tmp/auditd" >"$tmp/auditd.stderr" 2>&1 </dev/null &
	auditd_pid=$!
	for _ in $(seq 100); do
		[[ $(audit_status pid) == "$auditd_pid" ]] && break
		kill -0 "$auditd_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ $(audit_status pid) != "$auditd_pid" ]]; then
		note[$cfg]="did not start: $(tail -n1 "$tmp/auditd.stderr")"
		audit_restore
		return 1
	fi
	# what the Debian default rules file sets (-b 8192), plus the execve rule
	auditctl -b 8192 >/dev/null
	audit_rules_added=1
	audit_rule -a
	mon_pid=$auditd_pid
	sleep 1
}
stop_auditd() {
	mon_pid= # audit_restore stops it
	audit_restore
}

start_execsnoop() {
	local cfg=execsnoop
	if ! command -v execsnoop >/dev/null; then
		note[$cfg]="not installed (apt-get install -y libbpf-tools)"
		return 1
	fi
	# line-buffered so that readiness (the header) is visible; one write per exec
	stdbuf -oL execsnoop >"$tmp/execsnoop.out" 2>"$tmp/execsnoop.stderr" </dev/null &
	mon_pid=$!
	for _ in $(seq 200); do
		grep -q '^PCOMM' "$tmp/execsnoop.out" 2>/dev/null && break
		kill -0 "$mon_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^PCOMM' "$tmp/execsnoop.out" 2>/dev/null; then
		note[$cfg]="did not start: $(tail -n1 "$tmp/execsnoop.stderr")"
		stop_monitor
		return 1
	fi
	sleep 1
}

echo "exec-storm: r100 = $N_100 execs at 100/s, r1000 = $N_1000 at 1000/s, fast = $N_FAST from 2" \
	"spawners, conn = $N_CONNECT loopback TCP connects; each configuration once, back to back"
echo "exec-storm: load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
for cfg in $CONFIGS; do
	echo "exec-storm: $cfg ..."
	case $cfg in
	none) run_phases none ;;
	edgesec-*)
		b=${cfg#edgesec-}
		detect=true
		if [[ $b == *-nodetect ]]; then
			b=${b%-nodetect}
			detect=false
		fi
		if [[ $b == audit ]] && ! audit_lock; then
			note[$cfg]="skipped: audit tests held $AUDIT_TEST_LOCK for 120 s"
		elif start_edgesec "$cfg" "$b" "$detect"; then
			run_phases "$cfg"
			sleep 1 # one more Heartbeat after the last phase
			note[$cfg]="$(edgesec_losses "$tmp/$cfg.jsonl")"
			stop_monitor
			count_edgesec "$cfg" "$tmp/$cfg.jsonl" >"$tmp/$cfg.counts"
		fi
		audit_unlock
		;;
	auditd)
		if ! audit_lock; then
			note[$cfg]="skipped: audit tests held $AUDIT_TEST_LOCK for 120 s"
		elif start_auditd; then
			run_phases auditd
			lost0=$(audit_status lost)
			stop_auditd
			note[$cfg]="kernel audit lost counter now ${lost0:-?} (kernel-wide)"
			cat "$tmp"/audit.log* >"$tmp/audit.all" 2>/dev/null || true # in case it rotated
			count_auditd auditd "$tmp/audit.all" >"$tmp/auditd.counts"
		fi
		audit_unlock
		;;
	execsnoop)
		if start_execsnoop; then
			run_phases execsnoop
			stop_monitor INT
			lost=$(awk '/[Ll]ost/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { s += $i; break } } END { print s + 0 }' \
				"$tmp/execsnoop.stderr")
			note[$cfg]="lost (perf buffer) $lost"
			count_execsnoop execsnoop "$tmp/execsnoop.out" >"$tmp/execsnoop.counts"
		fi
		;;
	*) note[$cfg]="unknown configuration" ;;
	esac
done
echo "exec-storm: load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# The table. Columns: see bench/README.md.
echo
printf '%-15s %-6s %6s %16s %16s %7s %9s %6s %10s %10s %9s %9s\n' configuration phase execd \
	captured argv-complete wall-s slowdown wl-cpu mon-cpu/1k kaudit/1k peak-rss storm-rss
for cfg in $CONFIGS; do
	if ! grep -q "^$cfg	" "$results"; then
		printf '%-15s %s\n' "$cfg" "${note[$cfg]:-not run}"
		continue
	fi
	[[ -f $tmp/$cfg.counts ]] || : >"$tmp/$cfg.counts"
	awk -F'\t' -v c="$cfg" -v tck="$tck" -v countsf="$tmp/$cfg.counts" '
		BEGIN { while ((getline l < countsf) > 0) { split(l, a, " "); cap[a[1]] = a[2]; arg[a[1]] = a[3]; acc[a[1]] = a[4] } }
		FNR == NR { if ($1 == "none") { nw[$2] = $4; nc[$2] = $5 } ; next }
		$1 == c {
			ph = $2; ex = $3
			printf "%-15s %-6s %6d %16s %16s %7.2f %9s %6s %10s %10s %9s %9s\n", c, ph, ex,
				(c == "none" ? "-" : frac(cap[ph], ex)), (c == "none" ? "-" : frac(arg[ph], ex)),
				$4 / 1e9, (c == "none" || !nw[ph] ? "-" : sprintf("%+.1f%%", ($4 / nw[ph] - 1) * 100)),
				(c == "none" || !nc[ph] ? "-" : sprintf("%.2fx", $5 / nc[ph])),
				($6 == "-" || !ex ? "-" : sprintf("%.3f s", $6 / tck / ex * 1000)),
				($11 == "-" || !ex ? "-" : sprintf("%.3f s", $11 / tck / ex * 1000)),
				($7 == "-" ? "-" : sprintf("%.1f MiB", $7 / 1024)),
				($12 == "-" || $12 == "" ? "-" : sprintf("%.1f MiB", $12 / 1024))
			if (ph == "conn" && acc[ph] != "")
				printf "%-15s %-6s %6d %16s   (ConnectionCreate In, at accept)\n", c, "accept", ex, frac(acc[ph], ex)
		}
		function frac(a, b) { if (a == "" || a == "-") return "n/a"; return sprintf("%d (%.1f%%)", a, b ? a * 100 / b : 0) }
	' "$results" "$results"
	[[ -n ${note[$cfg]:-} ]] && printf '%-15s   note: %s\n' "$cfg" "${note[$cfg]}"
done

# Ratios of each edgesec backend to the peers, per exec phase: monitor CPU per 1,000 execs
# (ticks of the monitor process), workload CPU (the spawners and their children: the cost the
# exec-path hooks add) and peak RSS; below 1 means edgesec uses less.
echo
echo "ratios (edgesec / peer; < 1 means edgesec uses less):"
for cfg in $CONFIGS; do
	[[ $cfg == edgesec-* ]] || continue
	for peer in auditd execsnoop; do
		awk -F'\t' -v c="$cfg" -v p="$peer" '
			$1 == c { ec[$2] = $6; eh[$2] = $7; ew[$2] = $5; er[$2] = $12; ok = 1 }
			$1 == p { pc[$2] = $6; ph[$2] = $7; pw[$2] = $5; pr[$2] = $12; okp = 1 }
			END {
				if (!ok) exit
				if (!okp) { printf "  %-15s vs %-9s: peer not available\n", c, p; exit }
				split("r100 r1000 fast", P, " ")
				for (i = 1; i <= 3; i++) { x = P[i]
					printf "  %-15s vs %-9s %-6s monitor CPU/1k %5s   workload CPU %5s   peak RSS %5s   storm RSS %5s\n", c, p, x,
						(pc[x] > 0 && ec[x] != "-" ? sprintf("%.2f", ec[x] / pc[x]) : "n/a"),
						(pw[x] > 0 ? sprintf("%.2f", ew[x] / pw[x]) : "n/a"),
						(ph[x] > 0 && eh[x] != "-" ? sprintf("%.2f", eh[x] / ph[x]) : "n/a"),
						(pr[x] > 0 && er[x] != "-" ? sprintf("%.2f", er[x] / pr[x]) : "n/a") }
			}' "$results"
	done
done
# Each edgesec backend's largest storm-rss against the 8 MiB target (issue 3).
echo
echo "targets (storm-rss, the largest of the phases, vs the 8 MiB target; peak-rss; monitor CPU vs execsnoop):"
for cfg in $CONFIGS; do
	[[ $cfg == edgesec-* ]] || continue
	awk -F'\t' -v c="$cfg" '
		$1 == c && $12 != "-" && $12 != "" && $12 + 0 > m { m = $12 + 0 }
		END {
			if (!m) { printf "  %-15s storm-rss n/a\n", c; exit }
			printf "  %-15s storm-rss %.1f MiB = %.2fx the 8 MiB target (%s)\n", c, m / 1024,
				m / 8192, (m <= 8192 ? "met" : "NOT met")
		}' "$results"
done
# Issue 13: the start-up peak (peak-rss, the VmHWM since start) against 8 MiB, and monitor CPU
# per exec against execsnoop's, the worst of the exec phases, against 1.5x.
for cfg in $CONFIGS; do
	[[ $cfg == edgesec-* ]] || continue
	awk -F'\t' -v c="$cfg" '
		$1 == c && $7 != "-" && $7 + 0 > m { m = $7 + 0 }
		$1 == c { ec[$2] = $6; ok = 1 }
		$1 == "execsnoop" { pc[$2] = $6; okp = 1 }
		END {
			if (m)
				printf "  %-15s peak-rss %.1f MiB = %.2fx the 8 MiB target (%s)\n", c,
					m / 1024, m / 8192, (m <= 8192 ? "met" : "NOT met")
			if (!ok || !okp) { printf "  %-15s monitor CPU vs execsnoop: n/a\n", c; exit }
			split("r100 r1000 fast", P, " ")
			for (i = 1; i <= 3; i++)
				if (pc[P[i]] > 0 && ec[P[i]] != "-" && ec[P[i]] / pc[P[i]] > w) {
					w = ec[P[i]] / pc[P[i]]; wp = P[i]
				}
			if (wp == "") { printf "  %-15s monitor CPU vs execsnoop: n/a\n", c; exit }
			printf "  %-15s monitor CPU/1k vs execsnoop %.2fx at worst (%s) vs the 1.5x target (%s)\n",
				c, w, wp, (w <= 1.5 ? "met" : "NOT met")
		}' "$results"
done
echo
echo "exec-storm: timings on a shared, busy machine are noisy (each configuration ran once);" \
	"counts are exact"
