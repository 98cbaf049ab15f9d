#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Installs the Debian packages edgesec needs, and nothing that is already there.
#
#   scripts/install-deps.sh run     build: compiler, cmake, pkg-config, cJSON
#   scripts/install-deps.sh check   run + what the tests need (cmocka, clang, python3, node, ...)
#   scripts/install-deps.sh bench   check + valgrind, hyperfine
#
# Idempotent: missing packages are found with dpkg-query; only when some are missing does it
# run `apt-get update` (once) and install them.  As non-root it prints the command to run and
# exits 1 when something is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
profile=${1:-run}

# run: what building the agent needs (eBPF objects: clang, bpftool, libbpf; MQTT and spool:
# libmosquitto, OpenSSL, SQLite).  check: what the tests need on top (real mosquitto, the
# IoT Hub test peer, the JSON Schema validator, useradd; chromium renders `edgesec report`'s
# page headless; bsdutils's script(1) gives the colour tests a terminal; systemd-analyze for
# the unit, setpriv for the non-root proof).
run_pkgs=(build-essential cmake pkg-config libcjson-dev clang llvm libbpf-dev bpftool libelf-dev
	zlib1g-dev libmosquitto-dev libssl-dev libsqlite3-dev libnftables-dev)
check_pkgs=(libcmocka-dev python3 nodejs npm passwd iproute2 procps mosquitto mosquitto-clients
	python3-paho-mqtt openssl sqlite3 jq nftables iptables docker.io busybox-static openssh-server
	sshpass sudo chromium bsdutils systemd util-linux)
check_pkgs+=(clang-format) # make check-format: the whole tree in .clang-format style
check_pkgs+=(ncat) # tests/integration/test-posture.sh: a real listener on 0.0.0.0
# tests/integration/test-detect-*.sh: the real tools of the catalogue's behaviour (socat, nmap
# against 127.0.0.1, microsocks, curl/wget from a loopback server, modprobe/insmod, openssl for
# a throw-away CA, dpkg-dev for a local apt repository).
check_pkgs+=(socat nmap microsocks curl wget kmod openssl dpkg-dev busybox-static)
bench_pkgs=(valgrind hyperfine auditd libbpf-tools)

case $profile in
run) wanted=("${run_pkgs[@]}") ;;
check) wanted=("${run_pkgs[@]}" "${check_pkgs[@]}") ;;
bench) wanted=("${run_pkgs[@]}" "${check_pkgs[@]}" "${bench_pkgs[@]}") ;;
*)
	echo "usage: $0 [run|check|bench]" >&2
	exit 2
	;;
esac

# A package whose command is already on the PATH from another package counts as present:
# e.g. a Node.js build that bundles npm conflicts with Debian's npm package.
declare -A provided_by_command=([nodejs]=node [npm]=npm)

installed() {
	local pkg=$1 cmd=${provided_by_command[$1]:-}

	if dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed; then
		return 0
	fi
	[[ -n $cmd ]] && command -v "$cmd" >/dev/null 2>&1
}

missing=()
for pkg in "${wanted[@]}"; do
	installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	echo "install-deps ($profile): all ${#wanted[@]} packages present"
else
	cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
	if ((EUID != 0)); then
		echo "install-deps ($profile): missing ${missing[*]}; as root run:" >&2
		echo "  $cmd" >&2
		exit 1
	fi
	echo "install-deps ($profile): apt-get update"
	apt-get update -qq
	echo "install-deps ($profile): apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		</dev/null
fi

# The test tools from npm (JSON Schema validation, ...), pinned by their lock files.
if [[ $profile != run ]]; then
	for lock in tests/*/package-lock.json; do
		[[ -f $lock ]] || continue
		dir=$(dirname "$lock")
		[[ -d $dir/node_modules ]] && continue
		echo "install-deps ($profile): npm ci --prefix $dir"
		npm ci --prefix "$dir" --no-audit --no-fund
	done
fi
