# SPDX-License-Identifier: MIT
# Shared by the Docker integration tests (sourced; not a test itself: only test-*.sh are).
# A private dockerd that touches nothing of the host's: no bridge, no iptables, no
# masquerading, no ip_forward change; its data-root, exec-root, pidfile and unix socket live in
# the directory the test gives (DIR/data, DIR/exec, DIR/dockerd.pid, DIR/docker.sock, log in
# DIR/dockerd.log).  Only the dockerd started here is stopped, by pid.
#
# The caller defines fail MESSAGE and skip MESSAGE (exit 1 and exit 77; lib.sh has them):
#   docker_env_require            skip naming the Debian package unless dockerd, the docker CLI
#                                 and busybox-static are there; sets DOCKER and BUSYBOX
#   docker_env_start DIR          start (or restart) the private dockerd; sets DOCKER_ENV_SOCK
#                                 and DOCKER_ENV_PID, and waits until it answers (30 s); extra
#                                 dockerd arguments may be set in the array DOCKER_ENV_ARGS
#   dk ARGS...                    the docker CLI against that dockerd
#   docker_env_import_busybox IMAGE APPLET...
#                                 import an image of busybox-static with links for the applets
#   docker_env_stop [CONTAINER...]
#                                 force-remove the containers, then stop dockerd (if it runs)
#   docker_env_cleanup_mounts DIR unmount what dockerd left below DIR and remove DIR
#   stop_pid PID SECONDS          TERM, then KILL after SECONDS, and reap

DOCKER_ENV_DIR=
DOCKER_ENV_SOCK=
DOCKER_ENV_PID=
DOCKER_ENV_ARGS=()

docker_env_require() {
	command -v dockerd >/dev/null || skip "dockerd is not installed (Debian package docker.io)"
	# The CLI of the same package, not another docker that may be earlier in PATH.
	DOCKER="$(dirname "$(command -v dockerd)")/docker"
	[ -x "$DOCKER" ] || DOCKER=$(command -v docker) ||
		skip "the docker CLI is not installed (Debian package docker.io)"
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed" ||
		skip "busybox-static is not installed (Debian package busybox-static)"
	BUSYBOX=$(dpkg -L busybox-static | grep -m1 '/bin/busybox$') ||
		skip "busybox-static has no /bin/busybox (Debian package busybox-static)"
}

dk() {
	"$DOCKER" -H "unix://$DOCKER_ENV_SOCK" "$@"
}

stop_pid() { # pid seconds
	local pid=$1 n=$(($2 * 10))

	kill -TERM "$pid" 2>/dev/null || return 0
	while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

docker_env_start() { # dir
	DOCKER_ENV_DIR=$1
	DOCKER_ENV_SOCK="$1/docker.sock"
	mkdir -p "$1/data" "$1/exec" || fail "mkdir $1/data $1/exec"
	dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
		--data-root "$1/data" --exec-root "$1/exec" --pidfile "$1/dockerd.pid" \
		-H "unix://$DOCKER_ENV_SOCK" "${DOCKER_ENV_ARGS[@]}" >>"$1/dockerd.log" 2>&1 &
	DOCKER_ENV_PID=$!
	for _ in $(seq 300); do
		dk version >/dev/null 2>&1 && return 0
		kill -0 "$DOCKER_ENV_PID" 2>/dev/null ||
			fail "dockerd exited: $(tail -n 5 "$1/dockerd.log")"
		sleep 0.1
	done
	fail "dockerd did not answer within 30 s: $(tail -n 5 "$1/dockerd.log")"
}

docker_env_import_busybox() { # image applet...
	local image=$1 root="$DOCKER_ENV_DIR/rootfs" a

	shift
	mkdir -p "$root/bin" || fail "mkdir $root/bin"
	cp "$BUSYBOX" "$root/bin/busybox" || fail "copy busybox"
	for a in "$@"; do
		ln -s busybox "$root/bin/$a"
	done
	tar -C "$root" -c . | dk import - "$image" >/dev/null || fail "docker import failed"
}

docker_env_stop() { # container...
	if [ -n "$DOCKER_ENV_PID" ] && kill -0 "$DOCKER_ENV_PID" 2>/dev/null; then
		[ "$#" -gt 0 ] && dk rm -f "$@" >/dev/null 2>&1
		stop_pid "$DOCKER_ENV_PID" 30
	fi
	DOCKER_ENV_PID=
}

docker_env_cleanup_mounts() { # dir
	local m

	# Mounts dockerd may have left below the directory (overlay, netns), deepest first.
	for m in $(awk -v t="$1/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	if awk -v t="$1/" 'index($5, t) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo
	then
		echo "warning: mounts remain below $1; not removing it" >&2
	else
		rm -rf "$1"
	fi
}
