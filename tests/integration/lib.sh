# SPDX-License-Identifier: MIT
# Shared by integration tests (sourced: `. "$(dirname "$0")/lib.sh"`; not a test itself: only
# test-*.sh are): the prologue they had in copies of their own.
#   fail MESSAGE             "FAIL: MESSAGE" on stderr, exit 1
#   skip MESSAGE             "SKIP: MESSAGE", exit 77 (only where the test cannot run here)
#   need_root WHY            skip "needs root WHY" unless running as root
#   need_tools HINT TOOL...  skip naming the first missing tool, and HINT (how to install)
#                            when it is not empty
#   need_edgesec             fail unless EDGESEC names an executable; SOURCE_DIR defaults to
#                            this checkout when CTest did not set it

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

need_root() { # why
	[ "$(id -u)" -eq 0 ] || skip "needs root $1"
}

need_tools() { # hint tool...
	local hint=$1 tool

	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || skip "$tool is not installed${hint:+ ($hint)}"
	done
}

need_edgesec() {
	[ -n "${EDGESEC:-}" ] && [ -x "$EDGESEC" ] || fail "EDGESEC is not set to the edgesec binary"
	SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
}

# A TCP listener on 127.0.0.1:PORT owned by nobody (uid 65534) for SECONDS, in the
# background; its pid in listener_pid, returns once the socket listens (or after 5 s).  The
# ports collector must name the owner of another user's socket.  Debian's python3 (nobody
# may not read root's own interpreters, e.g. under /root/.pyenv).
listen_as_nobody() { # port seconds
	local py=/usr/bin/python3
	[ -x "$py" ] || py=$(command -v python3)
	setpriv --reuid=65534 --regid=65534 --clear-groups "$py" -c "
import socket, time
s = socket.socket()
s.bind(('127.0.0.1', $1))
s.listen()
time.sleep($2)" &
	listener_pid=$!
	for _ in $(seq 50); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
}
