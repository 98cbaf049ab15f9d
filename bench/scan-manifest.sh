#!/usr/bin/env bash
# Times `edgesec scan-manifest` on a generated 200-module deployment manifest (createOptions
# as escaped strings, a mix of risky and clean settings, env with placeholders) in all three
# output formats.  Prints the figures; asserts nothing about time.
# Usage: bench/scan-manifest.sh [path/to/edgesec] [modules]
set -euo pipefail

EDGESEC=${1:-${EDGESEC:-build/edgesec}}
MODULES=${2:-200}
RUNS=5

if ! "$EDGESEC" scan-manifest --help 2>&1 | grep -q -- "--fail-on"; then
	echo "SKIP: 'edgesec scan-manifest' is not wired into src/cli/commands.c yet ($EDGESEC)"
	exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
manifest="$work/deployment.json"
{
	printf '{"modulesContent":{"$edgeAgent":{"properties.desired":{"schemaVersion":"1.1",'
	printf '"runtime":{"type":"docker","settings":{"registryCredentials":{"acr":{"username":"$U","password":"$P","address":"acr.azurecr.io"}}}},'
	printf '"systemModules":{"edgeAgent":{"type":"docker","settings":{"image":"mcr.microsoft.com/azureiotedge-agent:1.5","createOptions":"{}"}},'
	printf '"edgeHub":{"type":"docker","status":"running","restartPolicy":"always","settings":{"image":"mcr.microsoft.com/azureiotedge-hub:1.5",'
	printf '"createOptions":"{\\"HostConfig\\":{\\"PortBindings\\":{\\"8883/tcp\\":[{\\"HostPort\\":\\"8883\\"}],\\"5671/tcp\\":[{\\"HostPort\\":\\"5671\\"}]}}}"}}},'
	printf '"modules":{'
	for i in $(seq 1 "$MODULES"); do
		[ "$i" -gt 1 ] && printf ','
		if [ $((i % 10)) -eq 0 ]; then
			co='{\"User\":\"root\",\"HostConfig\":{\"Privileged\":true,\"NetworkMode\":\"host\",\"Binds\":[\"/var/run/docker.sock:/var/run/docker.sock\",\"/:/host:ro\"],\"CapAdd\":[\"SYS_ADMIN\",\"NET_ADMIN\"]}}'
		else
			co='{\"User\":\"1000\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Memory\":268435456,\"NanoCpus\":500000000,\"PidsLimit\":100,\"SecurityOpt\":[\"no-new-privileges\"],\"Binds\":[\"/srv/m'$i':/data\"],\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"'$((8000 + i))'\"}]},\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"10m\"}}}}'
		fi
		printf '"m%d":{"version":"1.0","type":"docker","status":"running","restartPolicy":"always",' "$i"
		printf '"settings":{"image":"acr.azurecr.io/m%d:1.%d.0","createOptions":"%s"},' "$i" "$i" "$co"
		printf '"env":{"LOG_LEVEL":{"value":"info"},"DB_PASSWORD":{"value":"${DB_PASSWORD_%d}"},"N":{"value":%d}}}' "$i" "$i"
	done
	printf '}}},"$edgeHub":{"properties.desired":{"schemaVersion":"1.2","routes":{"all":"FROM /messages/* INTO $upstream"},"storeAndForwardConfiguration":{"timeToLiveSecs":7200}}}}}\n'
} >"$manifest"

echo "manifest: $MODULES modules, $(stat -c %s "$manifest") bytes"
for fmt in text json sarif; do
	best=""
	total=0
	for _ in $(seq 1 $RUNS); do
		t0=$(date +%s%N)
		rc=0
		"$EDGESEC" scan-manifest "$manifest" --format "$fmt" >"$work/out" || rc=$?
		t1=$(date +%s%N)
		if [ "$rc" -gt 1 ]; then
			echo "scan-manifest failed (exit $rc)"
			exit 1
		fi
		us=$(((t1 - t0) / 1000))
		total=$((total + us))
		if [ -z "$best" ] || [ "$us" -lt "$best" ]; then best=$us; fi
	done
	findings=$( { grep -o '"ruleId"' "$work/out" || true; } | wc -l)
	[ "$fmt" = text ] && findings=$(($(wc -l <"$work/out") - 1))
	printf '%-6s best %7.1f ms  mean %7.1f ms  (%d findings, %d runs)\n' "$fmt" \
		"$(echo "$best / 1000" | bc -l)" "$(echo "$total / $RUNS / 1000" | bc -l)" "$findings" "$RUNS"
done
