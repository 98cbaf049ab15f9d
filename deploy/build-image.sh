#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make image`: stages the image's root file system from a built agent and builds
# deploy/Dockerfile with the Docker daemon you use (DOCKER_HOST, or the default socket),
# tagging edgesec:<version> and edgesec:latest.  No registry is contacted (FROM scratch).
#
#   deploy/build-image.sh BUILD_DIR          (the directory holding the built edgesec)
#
# Environment: DOCKER (the docker CLI, default `docker`), DOCKER_HOST (which daemon),
# IMAGE_NAME (default edgesec).  A daemon must answer: like `docker build`, this does not
# start one (start it: `systemctl start docker`, or `dockerd &`), and says so when none does.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
docker=${DOCKER:-docker}
name=${IMAGE_NAME:-edgesec}

die() {
	echo "make image: $*" >&2
	exit 1
}

command -v "$docker" >/dev/null || die "the docker CLI is not installed (Debian package docker.io)"
[ -x "$build/edgesec" ] || die "$build/edgesec is missing: run make build first"
if ! "$docker" version --format '{{.Server.Version}}' >/dev/null 2>&1; then
	die "no Docker daemon answers at ${DOCKER_HOST:-the default socket /var/run/docker.sock}; start one (systemctl start docker, or dockerd &) or point DOCKER_HOST at it"
fi
version=$("$build/edgesec" --version | awk '{ print $2 }')
[ -n "$version" ] || die "cannot read the version of $build/edgesec"

# The image's architecture is the binary's (a cross-built agent gives a foreign image).
machine=$(readelf -h "$build/edgesec" 2>/dev/null | sed -n 's/^ *Machine: *//p')
case $machine in
*X86-64*) arch=amd64 ;;
AArch64) arch=arm64 ;;
ARM) arch=arm ;;
*) arch=$("$docker" version --format '{{.Server.Arch}}') ;;
esac
platform=()
[ "$arch" = "$("$docker" version --format '{{.Server.Arch}}')" ] || platform=(--platform "linux/$arch")

"$src/deploy/stage-rootfs.sh" "$build/edgesec" "$src" "$build/image"
# The classic builder: no BuildKit/buildx plugin needed, and FROM scratch needs nothing else.
log=$build/image-build.log
DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} "$docker" build -q "${platform[@]}" \
	-f "$src/deploy/Dockerfile" --build-arg "VERSION=$version" \
	-t "$name:$version" -t "$name:latest" "$build/image" >"$log" 2>&1 ||
	die "docker build failed: $(tail -n 5 "$log")"
size=$("$docker" image inspect --format '{{.Size}}' "$name:$version")
arch=$("$docker" image inspect --format '{{.Architecture}}' "$name:$version")
echo "make image: $name:$version and $name:latest ($arch, $((size / 1024)) KiB)"
