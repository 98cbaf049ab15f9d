#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The JSON that the commands print for machines validates against its documented schema
# (docs/schemas/): `edgesec baseline -f json` (plain, with waivers and --fails-only) and
# `edgesec scan-manifest -f json` (findings, waived and accepted findings, several files).
# A deliberately broken document must fail, so the validator is not a no-op.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_edgesec
command -v node >/dev/null ||
	fail "node is not installed (Debian: apt-get install nodejs npm); it runs the schema validator"
TOOLS=$SOURCE_DIR/tests/tools
if [ ! -d "$TOOLS/node_modules/ajv" ] || [ ! -d "$TOOLS/node_modules/ajv-formats" ]; then
	command -v npm >/dev/null || fail "npm is not installed (Debian: apt-get install npm)"
	npm ci --prefix "$TOOLS" --no-audit --no-fund >/dev/null ||
		fail "npm ci failed (offline? run 'npm ci --prefix tests/tools' with network access once)"
fi
validate() { # schema file
	node "$TOOLS/validate-json.mjs" "$SOURCE_DIR/docs/schemas/$1" "$2" >"$tmp/v.log" 2>&1 ||
		fail "$2 does not validate against $1: $(head -5 "$tmp/v.log")"
}
tmp=$(mktemp -d /tmp/test-cli-json-schemas.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export EDGESEC_BASELINE_PROFILE=$SOURCE_DIR/rules/baseline/debian.json

# baseline
"$EDGESEC" baseline -f json >"$tmp/baseline.json"
validate edgesec-baseline.schema.json "$tmp/baseline.json"
printf '{"waivers": [{"id": "ssh-config-permissions", "reason": "r", "expires": "2999-01-01"},
	{"id": "rp-filter-all", "reason": "old", "expires": "2001-01-01"}]}' >"$tmp/w.json"
"$EDGESEC" baseline -f json --waivers "$tmp/w.json" >"$tmp/baseline-w.json" 2>/dev/null
validate edgesec-baseline.schema.json "$tmp/baseline-w.json"
"$EDGESEC" baseline -f json --fails-only >"$tmp/baseline-f.json"
validate edgesec-baseline.schema.json "$tmp/baseline-f.json"
jq '.version = 2' "$tmp/baseline.json" >"$tmp/broken.json"
node "$TOOLS/validate-json.mjs" "$SOURCE_DIR/docs/schemas/edgesec-baseline.schema.json" \
	"$tmp/broken.json" >/dev/null 2>&1 && fail "a baseline report with version 2 validates"

# scan-manifest: one file, several with waived and expired ones, drift, and a broken one
"$EDGESEC" scan-manifest -f json "$SOURCE_DIR/tests/manifests/rule-edge001-privileged.json" >"$tmp/s1.json"
validate edgesec-scan.schema.json "$tmp/s1.json"
"$EDGESEC" scan-manifest -f json --waivers "$SOURCE_DIR/tests/waivers/site.json" \
	"$SOURCE_DIR/tests/waivers/accept.json" "$SOURCE_DIR/tests/manifests/split-create-options.json" \
	"$SOURCE_DIR/tests/manifests/malformed.json" >"$tmp/s2.json" 2>/dev/null
jq -e '(.waived | length) == 3 and (.files | length) == 3' "$tmp/s2.json" >/dev/null ||
	fail "scan-manifest: not the expected multi-file report"
validate edgesec-scan.schema.json "$tmp/s2.json"
jq -s . "$SOURCE_DIR"/tests/inspect/deployment/{edgeAgent,edgeHub,tempSensor,rogue}.json >"$tmp/inspect.json"
"$EDGESEC" scan-manifest -f json --docker-inspect --against "$SOURCE_DIR/tests/inspect/deployment/manifest.json" \
	"$tmp/inspect.json" >"$tmp/s3.json"
jq -e '(.drift | length) > 0' "$tmp/s3.json" >/dev/null || fail "scan-manifest: no drift"
validate edgesec-scan.schema.json "$tmp/s3.json"
jq '.findings[0].severity = "Severe"' "$tmp/s1.json" >"$tmp/broken.json"
node "$TOOLS/validate-json.mjs" "$SOURCE_DIR/docs/schemas/edgesec-scan.schema.json" \
	"$tmp/broken.json" >/dev/null 2>&1 && fail "a scan report with severity Severe validates"

echo ok
