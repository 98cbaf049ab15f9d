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

echo ok
