#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The detection catalogue on benign behaviour (issue 10): with every shipped rule enabled and
# `edgesec run --capture ebpf` watching, ordinary work on a device must raise no Alert:
#   - apt: `apt-get update` against a loopback HTTP repository (apt's own http method and its
#     downloads), install of a small package built here (dpkg, maintainer scripts), its purge,
#     and `apt-get install --reinstall` of an installed package whose .deb is in apt's cache;
#   - building this project: a fresh cmake configure (compiler probes) and a build of the BPF
#     skeletons (clang, bpftool) and a small target (gcc, ld);
#   - the docker lifecycle of the test suite on a private dockerd: create, start, exec, stop, rm;
#   - an ssh session with the right password against a test sshd on 127.0.0.1.
# Alerts are attributed to this test by process ancestry: the ProcessCreate events are written
# (aggregation off) and an Alert fails the test when the process of its evidence descends from
# this script, the test sshd or the test dockerd at that moment (pids are reused quickly on a
# busy machine: membership is replayed in event order), or when it names our container, user
# or package.  Alerts of other activity on this shared machine are listed, not counted.  The
# phase must also be seen (enough of its processes, a Login Success), so the test cannot pass
# by watching nothing.  Servers are started before the agent (a new listener is what
# listening-port-new reports, by design).
#
# Environment (set by CTest): EDGESEC, SOURCE_DIR.  Restores everything (the package, the
# user, sshd, dockerd).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detect-env.sh"
. "$(dirname "$0")/docker-env.sh"

need_root "(the eBPF capture; apt, sshd, dockerd)"
need_tools "apt-get install -y jq openssh-server sshpass dpkg-dev cmake" \
	jq apt-get dpkg-deb dpkg-scanpackages /usr/sbin/sshd sshpass ssh ssh-keygen useradd \
	userdel chpasswd cmake /usr/bin/python3
need_edgesec
docker_env_require

DT_VERBOSE=1 # the ProcessCreate events are needed for the attribution
dt_init benign
tag=edgesec-dt-$$
pkg=edgesec-dt-benign
user=edgesec-dtb-$$
password="Pw-$$-$RANDOM-ok"
cname=edgesec-dt-benign-$$
image=edgesec-dt/benign:$$
ddir=$DT_TMP/docker
apt_dir=$DT_TMP/apt
http_pid=
sshd_pid=
pkg_installed=
dt_cleanup_hook() {
	[ -n "$pkg_installed" ] && dpkg --purge "$pkg" >/dev/null 2>&1
	[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	pkill -u "$user" 2>/dev/null
	userdel -r -f "$user" 2>/dev/null
	docker_env_stop "$cname"
	docker_env_cleanup_mounts "$ddir"
}

# ---- set-up, before the agent starts ----
# A tiny package with maintainer scripts, in a flat repository served on loopback.
mkdir -p "$apt_dir/src/DEBIAN" "$apt_dir/src/usr/share/$pkg" "$apt_dir/repo" "$apt_dir/lists/partial" \
	"$apt_dir/archives/partial" "$apt_dir/parts"
cat >"$apt_dir/src/DEBIAN/control" <<EOF
Package: $pkg
Version: 1.0
Architecture: all
Maintainer: edgesec tests <tests@example.invalid>
Description: edgesec detection tests: a benign package
EOF
printf '#!/bin/sh\nset -e\nmkdir -p /var/lib/%s\necho configured >/var/lib/%s/state\n' "$pkg" "$pkg" \
	>"$apt_dir/src/DEBIAN/postinst"
printf '#!/bin/sh\nset -e\nrm -rf /var/lib/%s\n' "$pkg" >"$apt_dir/src/DEBIAN/postrm"
chmod 755 "$apt_dir/src/DEBIAN/postinst" "$apt_dir/src/DEBIAN/postrm"
echo "$tag" >"$apt_dir/src/usr/share/$pkg/README"
dpkg-deb --root-owner-group --build "$apt_dir/src" "$apt_dir/repo/${pkg}_1.0_all.deb" >/dev/null ||
	fail "dpkg-deb"
(cd "$apt_dir/repo" && dpkg-scanpackages -m . 2>/dev/null >Packages) || fail "dpkg-scanpackages"
http_port=$(dt_free_port)
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$apt_dir/repo" "$http_port" \
	>/dev/null 2>&1 &
http_pid=$!
dt_wait_listen "$http_port"
echo "deb [trusted=yes] http://127.0.0.1:$http_port/ ./" >"$apt_dir/sources.list"
apt_own=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives"
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o DPkg::Lock::Timeout=300
	-o APT::Sandbox::User=root)

# The test user and sshd.
useradd -m -s /bin/bash "$user" || fail "useradd"
echo "$user:$password" | chpasswd || fail "chpasswd"
ssh_port=$(dt_free_port)
ssh-keygen -q -t ed25519 -N '' -f "$DT_TMP/hostkey" || fail "ssh-keygen"
cat >"$DT_TMP/sshd_config" <<EOF
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $DT_TMP/hostkey
PidFile $DT_TMP/sshd.pid
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $user
EOF
mkdir -p /run/sshd
/usr/sbin/sshd -f "$DT_TMP/sshd_config" -E "$DT_TMP/sshd.log" || fail "sshd"
for _ in $(seq 50); do
	[ -s "$DT_TMP/sshd.pid" ] && break
	sleep 0.1
done
sshd_pid=$(cat "$DT_TMP/sshd.pid") || fail "sshd did not start"

# The private dockerd and its image.
mkdir -p "$ddir"
docker_env_start "$ddir"
docker_env_import_busybox "$image" sh sleep true echo

# Dedup of 1 s (the least): ours must not hide behind an identical Alert of
# other activity on this machine.
dt_start_agent "\"loginSource\": \"utmp\", \"dockerSocket\": \"$DOCKER_ENV_SOCK\", \"detectionDedupWindow\": \"PT1S\""
for _ in $(seq 100); do
	[ "$(dt_collector_state containers)" = running ] && break
	sleep 0.1
done

# The roots of our process tree: this script, sshd, dockerd and what runs under them now.
roots=$(ps -eo pid=,ppid= | awk -v r="$$ $sshd_pid $DOCKER_ENV_PID" '
	BEGIN { n = split(r, a, " "); for (i = 1; i <= n; i++) mine[a[i]] = 1 }
	{ parent[$1] = $2 }
	END { do { added = 0; for (p in parent) if (!(p in mine) && (parent[p] in mine)) { mine[p] = 1; added = 1 } } while (added)
	      for (p in mine) printf "%s ", p }')
t_start=$(date -u +%Y-%m-%dT%H:%M:%S)

# ---- the benign phase ----
echo "benign: apt-get update against the loopback repository"
apt-get "${apt_own[@]}" update >"$DT_TMP/apt-update.log" 2>&1 ||
	fail "apt-get update: $(tail -n 3 "$DT_TMP/apt-update.log")"
echo "benign: apt-get install $pkg (downloaded over http from loopback)"
pkg_installed=1
DEBIAN_FRONTEND=noninteractive apt-get "${apt_own[@]}" install -y "$pkg" >"$DT_TMP/apt-install.log" 2>&1 ||
	fail "apt-get install $pkg: $(tail -n 3 "$DT_TMP/apt-install.log")"
[ "$(cat "/var/lib/$pkg/state" 2>/dev/null)" = configured ] || fail "the postinst did not run"
DEBIAN_FRONTEND=noninteractive apt-get "${apt_own[@]}" purge -y "$pkg" >>"$DT_TMP/apt-install.log" 2>&1 ||
	fail "apt-get purge $pkg"
pkg_installed=
reinstall=
for p in microsocks sshpass jq nmap kmod; do
	v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null) || continue
	ls /var/cache/apt/archives/"${p}_${v/:/%3a}"_*.deb >/dev/null 2>&1 || continue
	reinstall=$p
	break
done
if [ -n "$reinstall" ]; then
	echo "benign: apt-get install --reinstall $reinstall (from apt's cache)"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --reinstall \
		--no-download "$reinstall" >"$DT_TMP/apt-reinstall.log" 2>&1 ||
		fail "apt-get install --reinstall $reinstall: $(tail -n 3 "$DT_TMP/apt-reinstall.log")"
else
	echo "note: no installed package has its .deb in apt's cache: no --reinstall"
fi

echo "benign: cmake configure and build (BPF skeletons, fuzz-base64)"
cmake -S "$SOURCE_DIR" -B "$DT_TMP/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$DT_TMP/cmake.log" 2>&1 ||
	fail "cmake configure: $(tail -n 5 "$DT_TMP/cmake.log")"
cmake --build "$DT_TMP/build" -j2 --target edgesec_bpf_skeletons fuzz-base64 >>"$DT_TMP/cmake.log" 2>&1 ||
	fail "cmake --build: $(tail -n 5 "$DT_TMP/cmake.log")"

echo "benign: docker create, start, exec, stop, rm"
cid=$(dk create --network none --name "$cname" "$image" sleep 60) || fail "docker create"
dk start "$cname" >/dev/null || fail "docker start"
[ "$(dk exec "$cname" echo "$tag")" = "$tag" ] || fail "docker exec"
dk stop -t 1 "$cname" >/dev/null || fail "docker stop"
dk rm "$cname" >/dev/null || fail "docker rm"

echo "benign: an ssh session with the right password"
sshpass -p "$password" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o LogLevel=ERROR -o PubkeyAuthentication=no -p "$ssh_port" -tt "$user@127.0.0.1" \
	"echo $tag; sleep 1" >/dev/null 2>&1 || fail "ssh with the right password failed"

sleep 3 # anything late shows up now
dt_stop_agent

# ---- the verdict ----
/usr/bin/python3 - "$DT_OUT" "$roots" "$cid" "$user" "$pkg" "$t_start" <<'PY' || fail "benign behaviour raised alerts (above)"
import json, sys
out, roots, cid, user, pkg, t_start = sys.argv[1:7]
roots = set(int(p) for p in roots.split())
creates, alerts, logins = [], [], []
for line in open(out, encoding="utf-8", errors="replace"):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    for ev in msg.get("Events", []):
        if ev.get("Name") == "ProcessCreate":
            for it in ev["Payload"]:
                creates.append((ev["TimestampUTC"], ev["Id"], it))
        elif ev.get("Name") == "Alert":
            alerts.append(ev["Payload"][0])
        elif ev.get("Name") == "Login":
            logins.extend(ev["Payload"])
# Replay membership in time order: a pid is ours while its latest exec had an ours parent.
creates.sort(key=lambda c: c[0])
mine, ours_by_id, seen = set(roots), {}, 0
for t, eid, it in creates:
    pid, ppid = it.get("ProcessId"), it.get("ParentProcessId")
    if ppid in mine or pid in roots:
        mine.add(pid)
        ours_by_id[eid] = True
        seen += 1
    else:
        mine.discard(pid)
        ours_by_id[eid] = False
def ours(a):
    for e in a.get("Evidence", []):
        f = e.get("Fields", {})
        if ours_by_id.get(e.get("Id")):
            return "process %s (%s)" % (f.get("ProcessId"), f.get("Executable"))
        if e.get("Name") == "ContainerEvent" and f.get("ContainerId") == cid:
            return "our container"
        if f.get("ExtraDetails.ContainerId") == cid:
            return "a process of our container"
        if user in (f.get("UserName"), ):
            return "our test user"
        if pkg in json.dumps(f):
            return "our package"
    return None
bad = 0
for a in alerts:
    why = ours(a)
    line = "%s %s %s %s" % (a["RuleId"], a.get("ProcessId"), a.get("Executable"), (a.get("CommandLine") or "")[:160])
    if why:
        bad += 1
        print("FALSE POSITIVE (%s): %s" % (why, line))
    else:
        print("note: not ours (other activity on this machine): " + line)
ok_login = any(l.get("UserName") == user and l.get("Result") == "Success" for l in logins)
print("benign phase: %d of our processes seen, %d alerts in all, %d ours; ssh Login Success seen: %s"
      % (seen, len(alerts), bad, ok_login))
if seen < 200:
    print("FAIL: only %d of our processes were seen: the capture did not watch the phase" % seen)
    sys.exit(1)
if not ok_login:
    print("FAIL: no Login Success for the ssh session")
    sys.exit(1)
sys.exit(1 if bad else 0)
PY
echo "PASS: apt (update, install, purge, reinstall), a cmake build, the docker lifecycle and an ssh login raised no alert"
