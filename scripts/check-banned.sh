#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Fails, listing file:line, when C code under src/ or tests/ calls a banned function:
#   sprintf vsprintf strcpy strcat strtok atoi gets
# (use snprintf, vsnprintf, memcpy with a checked length, common/num.h, fgets/getline),
# and, in src/ only, the C library's integer parsers:
#   strtol strtoul strtoll strtoull strtoimax strtoumax atol atoll
# (the agent reads every integer through common/num.h: bounded, no locale, no blanks or sign
# it did not ask for; tests may still use them to check it).
# Only calls count: the name followed by "(", not inside a longer identifier (es_strcpy,
# snprintf) and not after "." or "->" (a struct member).  Comments and string literals are
# not looked at.
set -euo pipefail

cd "$(dirname "$0")/.."

banned_all='sprintf|vsprintf|strcpy|strcat|strtok|atoi|gets'
banned_src='strtol|strtoul|strtoll|strtoull|strtoimax|strtoumax|atol|atoll'
status=0

while IFS= read -r -d '' file; do
	banned=$banned_all
	[[ $file == src/* ]] && banned="$banned_all|$banned_src"
	# Strip /* */ and // comments and string/char literals (keeping line numbers), then
	# report each banned call.
	hits=$(awk -v banned="$banned" '
		BEGIN { in_comment = 0 }
		{
			line = $0; out = ""; i = 1; n = length(line)
			while (i <= n) {
				c = substr(line, i, 1); c2 = substr(line, i, 2)
				if (in_comment) {
					if (c2 == "*/") { in_comment = 0; i += 2 } else i++
					continue
				}
				if (c2 == "/*") { in_comment = 1; i += 2; continue }
				if (c2 == "//") break
				if (c == "\"" || c == "\047") {
					q = c; i++
					while (i <= n && substr(line, i, 1) != q) {
						if (substr(line, i, 1) == "\\") i++
						i++
					}
					i++; out = out " "
					continue
				}
				out = out c; i++
			}
			rest = out
			while (match(rest, "(^|[^A-Za-z0-9_.>])(" banned ")[ \t]*\\(")) {
				call = substr(rest, RSTART, RLENGTH)
				sub(/^[^A-Za-z_]/, "", call); sub(/[ \t]*\($/, "", call)
				# "->" ends with ">", "." is a member: both excluded by the class above
				printf "%s:%d: %s() is banned\n", FILENAME, FNR, call
				rest = substr(rest, RSTART + RLENGTH)
			}
		}' "$file")
	if [[ -n $hits ]]; then
		echo "$hits"
		status=1
	fi
done < <(find src tests -type f \( -name '*.c' -o -name '*.h' \) -not -path '*/node_modules/*' -print0 | sort -z)

if ((status)); then
	echo "check-banned: banned calls found (see scripts/check-banned.sh for the replacements)" >&2
else
	echo "check-banned: no banned calls in src/ and tests/"
fi
exit $status
