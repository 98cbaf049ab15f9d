#!/usr/bin/env bash
# SARIF 2.1.0 output of `edgesec scan-manifest` checked by a real validator: Microsoft's SARIF
# Multitool (npm @microsoft/sarif-multitool-linux, pinned in tests/sarif/package-lock.json),
# over our manifest corpus and the real-world manifests in ../shared/corpus.
# Env: EDGESEC (binary), SOURCE_DIR, BUILD_DIR.  Exit 77 only while the verb is not wired.
set -euo pipefail

: "${EDGESEC:?}" "${SOURCE_DIR:?}" "${BUILD_DIR:?}"

help_out=$("$EDGESEC" scan-manifest --help 2>&1 || true)
if grep -q "unknown command" <<<"$help_out" || ! grep -q -- "--fail-on" <<<"$help_out"; then
	echo "SKIP: 'edgesec scan-manifest' is not wired into src/cli/commands.c yet"
	exit 77
fi

tools="$SOURCE_DIR/tests/sarif"
multitool="$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -e "$multitool" ]; then
	echo "installing the SARIF validator (npm ci in tests/sarif)"
	npm ci --prefix "$tools" --no-audit --no-fund >/dev/null
fi
# npm may skip the package's postinstall (chmod u+x); do it ourselves.
[ -x "$multitool" ] || chmod u+x "$multitool"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

inputs=()
for f in "$SOURCE_DIR"/tests/manifests/*.json; do
	case "$(basename "$f")" in
	malformed.json | wrong-type-* | bad-create-options.json | no-deployment.json | empty.json) ;;
	*) inputs+=("$f") ;;
	esac
done
corpus="$SOURCE_DIR/../shared/corpus/iotedge-manifests"
if [ -d "$corpus" ]; then
	for f in "$corpus"/*.json; do inputs+=("$f"); done
fi

n=0
cd "$SOURCE_DIR"
for f in "${inputs[@]}"; do
	n=$((n + 1))
	# Relative paths for half the inputs: both URI forms must validate.
	if [ $((n % 2)) -eq 0 ]; then f=$(realpath --relative-to=. "$f"); fi
	rc=0
	"$EDGESEC" scan-manifest "$f" --format sarif >"$work/$n.sarif" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		echo "FAIL: scan-manifest $f exited $rc"
		exit 1
	fi
done
# drift against a manifest (--docker-inspect --against): DRIFT-* rules and results
arr="$work/inspect-array.json"
{
	printf '['
	sep=
	for m in edgeAgent edgeHub tempSensor rogue; do
		printf '%s' "$sep"
		cat "$SOURCE_DIR/tests/inspect/deployment/$m.json"
		sep=,
	done
	printf ']'
} >"$arr"
"$EDGESEC" scan-manifest --docker-inspect --format sarif \
	--against "$SOURCE_DIR/tests/inspect/deployment/manifest.json" "$arr" >"$work/drift.sarif" ||
	[ $? -eq 1 ] || { echo "FAIL: SARIF with drift exited $?"; exit 1; }
grep -q '"DRIFT-UndeclaredModule"' "$work/drift.sarif" || { echo "FAIL: no drift in SARIF"; exit 1; }
# several files in one log, with waived findings as suppressions (label, sidecar, --waivers)
"$EDGESEC" scan-manifest -f sarif --waivers "$SOURCE_DIR/tests/waivers/site.json" \
	"$SOURCE_DIR/tests/waivers/accept.json" "$SOURCE_DIR/tests/manifests/rule-edge001-privileged.json" \
	>"$work/multi.sarif" 2>/dev/null || [ $? -eq 1 ] || { echo "FAIL: multi-file SARIF"; exit 1; }
[ "$(jq '.runs[0].artifacts | length' "$work/multi.sarif")" = 2 ] || { echo "FAIL: multi-file SARIF: not 2 artifacts"; exit 1; }
[ "$(jq '[.runs[0].results[] | select(.suppressions)] | length' "$work/multi.sarif")" = 3 ] ||
	{ echo "FAIL: multi-file SARIF: not 3 suppressed results"; exit 1; }
# stdin as well
"$EDGESEC" scan-manifest - --format sarif <"$SOURCE_DIR/tests/manifests/rule-edge010-docker-sock.json" \
	>"$work/stdin.sarif" || [ $? -eq 1 ]

"$multitool" validate --output "$work/validation.sarif" "$work"/*.sarif >"$work/validate.log" 2>&1 || {
	cat "$work/validate.log"
	echo "FAIL: the SARIF validator did not run"
	exit 1
}
count=$(node -e '
const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
let n = 0;
const show = 20;
for (const run of v.runs || [])
	for (const r of run.results || []) {
		if (n++ >= show) continue;
		const loc = (r.locations || [])[0] || {};
		const uri = ((loc.physicalLocation || {}).artifactLocation || {}).uri || "";
		console.error(`${r.level || "warning"} ${r.ruleId}: ${uri}: ${JSON.stringify(r.message)}`);
	}
console.log(n);' "$work/validation.sarif")
if [ "$count" -ne 0 ]; then
	echo "FAIL: $count validator result(s) over $n SARIF logs"
	exit 1
fi
echo "OK: $((n + 1)) SARIF logs validated by the SARIF Multitool without errors or warnings"
echo "1 passed, 0 failed"
