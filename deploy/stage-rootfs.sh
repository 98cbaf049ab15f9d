#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Stages the build context of the edgesec container image (deploy/Dockerfile copies it FROM
# scratch): OUT_DIR/rootfs (the files below) and OUT_DIR/state/edgesec (the empty state
# directory, 0700, which the Dockerfile copies to /var/lib/ owned by the agent's user).
#
#   deploy/stage-rootfs.sh BINARY SOURCE_DIR OUT_DIR
#
# What goes in, and nothing else (no shell, no package manager):
#   /usr/bin/edgesec                  the binary, stripped of debug info
#   its shared libraries              exactly what `ldd` resolves for it, plus the ones it
#                                     dlopen()s at run time (docs/internals/memory.md):
#                                     libmosquitto (MQTT), libssl/libcrypto (TLS), libsqlite3
#                                     (spool), libnftables (firewall), and their own `ldd`
#                                     closure; each at the path the loader uses on the build
#                                     machine, so the image follows the binary's architecture
#                                     (amd64, arm64, armhf: whatever was built)
#   /usr/share/edgesec/               the shipped rules and baseline profile (rules/)
#   /etc/passwd, /etc/group           root and the agent's user edgesec, uid/gid EDGESEC_UID
#   /etc/ssl/certs/ca-certificates.crt   the public CAs (connection-string mode to IoT Hub)
#   /var/lib/edgesec                  the state directory, 0700 (the Dockerfile gives it to
#                                     EDGESEC_UID)
#   /host                             where the host's paths are bound (deployment template)
#
# Libraries that cannot be found are an error (the image would fail at run time), except the
# optional dlopen()ed ones when ALLOW_MISSING_OPTIONAL=1 (a build without that feature).
set -euo pipefail

binary=${1:?usage: $0 BINARY SOURCE_DIR OUT_DIR}
src=${2:?usage: $0 BINARY SOURCE_DIR OUT_DIR}
ctx=${3:?usage: $0 BINARY SOURCE_DIR OUT_DIR}
out=$ctx/rootfs
uid=${EDGESEC_UID:-10001}
# The sonames the agent dlopen()s (CMake cache EDGESEC_LIB*_SONAME; these are the defaults).
optional=${EDGESEC_DLOPEN_LIBS:-libmosquitto.so.1 libsqlite3.so.0 libnftables.so.1}

die() {
	echo "stage-rootfs: $*" >&2
	exit 1
}

[ -x "$binary" ] || die "$binary is not an executable"
command -v ldd >/dev/null || die "ldd is not installed"
rm -rf "$ctx"
mkdir -p "$out/usr/bin" "$out/etc/ssl/certs" "$out/var/lib" "$out/host" \
	"$out/usr/share/edgesec" "$out/tmp" "$ctx/state/edgesec"
chmod 1777 "$out/tmp"
chmod 0700 "$ctx/state/edgesec"

# The binary without DWARF (the RelWithDebInfo build carries ~1.5 MB of it).
if command -v strip >/dev/null; then
	strip --strip-debug -o "$out/usr/bin/edgesec" "$binary"
else
	cp "$binary" "$out/usr/bin/edgesec"
fi
chmod 0755 "$out/usr/bin/edgesec"

# "libx.so.1 => /lib/.../libx.so.1 (0x...)" and the loader's own "/lib64/ld-...so.2 (0x...)".
ldd_paths() {
	ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

copy_lib() { # path
	local dest="$out$1"

	[ -e "$dest" ] && return 0
	mkdir -p "$(dirname "$dest")"
	cp -L "$1" "$dest"
	chmod 0644 "$dest"
	[[ $1 == */ld-linux* || $1 == */ld-*.so* ]] && chmod 0755 "$dest"
	return 0
}

libdir=
for p in $(ldd_paths "$binary"); do
	copy_lib "$p"
	[[ $p == */libc.so.* ]] && libdir=$(dirname "$p")
done
[ -n "$libdir" ] || die "ldd did not resolve libc for $binary"

for soname in $optional; do
	p=
	for d in "$libdir" "/usr$libdir" "${libdir#/usr}"; do
		[ -e "$d/$soname" ] && p="$d/$soname" && break
	done
	if [ -z "$p" ]; then
		[ "${ALLOW_MISSING_OPTIONAL:-0}" = 1 ] && {
			echo "stage-rootfs: warning: $soname not found; its feature will not work" >&2
			continue
		}
		die "$soname (dlopen()ed at run time) is not in $libdir; install its Debian package or set ALLOW_MISSING_OPTIONAL=1"
	fi
	copy_lib "$p"
	for dep in $(ldd_paths "$p"); do
		copy_lib "$dep"
	done
done

# Rules and the baseline profile, as installed on a host (/usr/share/edgesec/baseline/...).
cp -R "$src/rules/." "$out/usr/share/edgesec/"
find "$out/usr/share/edgesec" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +

cat >"$out/etc/passwd" <<EOF
root:x:0:0:root:/:/nonexistent
edgesec:x:$uid:$uid:edgesec agent:/var/lib/edgesec:/nonexistent
EOF
cat >"$out/etc/group" <<EOF
root:x:0:
edgesec:x:$uid:
EOF
chmod 0644 "$out/etc/passwd" "$out/etc/group"
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	cp -L /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/"
	chmod 0644 "$out/etc/ssl/certs/ca-certificates.crt"
fi
chmod 0755 "$out/host" "$out/var/lib"
