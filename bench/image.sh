#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/image.sh: the module image's figures: its size, how long `make image` takes, and the
# idle memory of the agent running in it as deploy/deployment.template.json creates it.
#
# Starts a private dockerd (tests/integration/docker-env.sh: no bridge, own socket and
# data-root), builds the image from BUILD_DIR's binary, creates the module from the
# template's createOptions (tests/integration/iotedge-create.py; local mode, output to
# /dev/null through a bind), waits IDLE_SECONDS (default 60) and prints VmRSS/VmHWM of the
# agent (/proc/<pid>/status, host pid) and the Heartbeat's RssKiB, then removes everything.
# Figures only: nothing is asserted.  Root.
#
# Environment: BUILD_DIR (default build), IDLE_SECONDS (default 60).
set -uo pipefail

cd "$(dirname "$0")/.."
SOURCE_DIR=$PWD
BUILD_DIR=${BUILD_DIR:-build}
IDLE_SECONDS=${IDLE_SECONDS:-60}

fail() {
	echo "image: $*" >&2
	exit 1
}
skip() {
	echo "image: skipped: $*" >&2
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root (a private dockerd)"
[ -x "$BUILD_DIR/edgesec" ] || fail "$BUILD_DIR/edgesec not found; run 'make build' first"
. tests/integration/docker-env.sh
docker_env_require

tmp=$(mktemp -d /tmp/edgesec-bench-image.XXXXXX)
trap 'docker_env_stop edgesec; docker_env_cleanup_mounts "$tmp"' EXIT
docker_env_start "$tmp/dk"

start=$(date +%s%N)
DOCKER="$DOCKER" DOCKER_HOST="unix://$DOCKER_ENV_SOCK" deploy/build-image.sh "$BUILD_DIR" ||
	fail "make image failed"
build_ms=$((($(date +%s%N) - start) / 1000000))
version=$("$BUILD_DIR/edgesec" --version | awk '{ print $2 }')
size=$(dk image inspect --format '{{.Size}}' "edgesec:$version")

mkdir -p "$tmp/out" && chown 10001:10001 "$tmp/out"
printf '{ "edgesec": { "heartbeatInterval": "PT10S" } }\n' >"$tmp/config.json"
chmod 0644 "$tmp/config.json"
python3 tests/integration/iotedge-create.py --socket "$DOCKER_ENV_SOCK" \
	--manifest deploy/deployment.template.json --module edgesec --image "edgesec:$version" \
	--name edgesec --bind-source "/var/run/docker.sock=$DOCKER_ENV_SOCK" \
	--extra-bind "$tmp/out:/out" --extra-bind "$tmp/config.json:/config.json:ro" \
	--arg=--config --arg=/config.json --arg=--output --arg=/out/edgesec.jsonl >/dev/null ||
	fail "create the module"
dk start edgesec >/dev/null || fail "start the module"
echo "image: module started, idle for ${IDLE_SECONDS}s"
sleep "$IDLE_SECONDS"
pid=$(dk inspect --format '{{.State.Pid}}' edgesec)
[ "$pid" -gt 0 ] 2>/dev/null || fail "the module is not running: $(dk logs --tail 5 edgesec 2>&1)"
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
hb=$(grep -o '"RssKiB":[0-9]*' "$tmp/out/edgesec.jsonl" | tail -n 1 | cut -d: -f2)

echo "image: edgesec:$version $((size / 1024)) KiB (limit 20480 KiB), make image ${build_ms} ms"
echo "image: idle agent in the module after ${IDLE_SECONDS}s: VmRSS ${rss} KiB, VmHWM ${hwm} KiB," \
	"Heartbeat RssKiB ${hb:-?}"
