#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A script fed to a shell or interpreter on stdin leaves no path in the command line
# (`bash < /tmp/x.sh`): the eBPF capture records the file on fd 0 at exec (ExtraDetails
# StdinPath, StdinDeleted) and script-stdin-temp-dir looks at it; script-pipe-temp-dir pairs
# a shell reading a pipe with a sibling that names a file in a temporary directory.  One `edgesec run --capture
# ebpf` watches; every case is short-lived (the shell has exited and been reaped before the
# wait for its Alert starts), so only what the kernel read at exec can tell.  Cases: bash,
# sh -s, python3 -, dash from /dev/shm, a padded path (/tmp//./x), a symlink outside the
# temporary directories to a script inside, a symlinked and an `exec -a` renamed bash, a
# script opened then deleted before the exec, a memfd on stdin, a deleted file outside the
# temporary directories.  Quiet: a script outside them, awk reading data from /tmp, a symlink
# in /tmp to a script elsewhere (the resolved path is what counts).  Through a pipe
# (script-pipe-temp-dir): `cat /tmp/x | sh`, `base64 -d /dev/shm/x | bash -s -o errexit`,
# `cat /tmp/x | bash /dev/stdin`; quiet: data piped into `python3 -c CODE`, here-documents
# given to python3 - with a file in /tmp as data.  Gaps (rows of
# the table): a reader that is not a sibling, a renamed copy of bash, `. /tmp/x` in a
# running shell.
#
# Restores everything: the files under /tmp, /var/tmp and /dev/shm are ours and removed.
# Environment (set by CTest): EDGESEC, SOURCE_DIR.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detect-env.sh"

need_root "(the eBPF capture loads BPF programs)"
need_tools "apt-get install -y jq" jq bash dash awk /usr/bin/python3
need_edgesec

dt_init stdin
tag=edgesec-dt-stdin-$$
t=/tmp/$tag
shm=/dev/shm/$tag
vtmp=$(mktemp -d /var/tmp/edgesec-dt-XXXXXX)
dt_cleanup_hook() {
	rm -rf "$t".* "$shm" "$shm.b64" "$vtmp"
}
mkdir -p "$DT_TMP/bin"
printf 'true\n' >"$shm"
printf 'pass\n' >"$vtmp/x.py"
printf 'true\n' >"$DT_TMP/ok.sh"
printf 'a b\n' >"$t.data"
ln -s "$t.4.sh" "$DT_TMP/link.sh"
ln -s "$DT_TMP/ok.sh" "$t.link"
ln -s /bin/bash "$DT_TMP/bin/kworker"

dt_start_agent ''

# Alerts are deduplicated by StdinPath: every case has a script of its own (`cmd <file &`
# forks, redirects and execs, so $! is the process of the event).
script() { # n: a copy of the script, /tmp/NAME.n.sh
	printf 'true\n' >"$t.$1.sh"
	echo "$t.$1.sh"
}

expect_stdin() { # desc path
	DT_JQ_ARGS=(--argjson pid "$pid" --arg p "$2")
	dt_expect script-stdin-temp-dir "$1" \
		'.ProcessId == $pid and .Evidence[0].Fields["ExtraDetails.StdinPath"] == $p'
}

s=$(script 1)
dt_mark
bash <"$s" &
pid=$!
wait "$pid"
expect_stdin "bash < /tmp/NAME.sh (exited before the wait)" "$s"

dt_mark
s=$(script 2)
bash -s "$tag-arg" <"$s" &
pid=$!
wait "$pid"
expect_stdin "bash -s ARG < /tmp/NAME.sh" "$s"

dt_mark
/usr/bin/python3 - <"$vtmp/x.py" &
pid=$!
wait "$pid"
expect_stdin "python3 - < /var/tmp/D/x.py" "$vtmp/x.py"

dt_mark
dash <"$shm" &
pid=$!
wait "$pid"
expect_stdin "dash < /dev/shm/NAME" "$shm"

dt_mark
s=$(script 3)
bash <"/tmp//./${s#/tmp/}" &
pid=$!
wait "$pid"
expect_stdin "evasion: a padded path (bash < /tmp//./NAME.sh)" "$s"

s=$(script 4)
dt_mark
bash <"$DT_TMP/link.sh" &
pid=$!
wait "$pid"
expect_stdin "evasion: a symlink in /run to the script in /tmp" "$s"

s=$(script 5)
dt_mark
"$DT_TMP/bin/kworker" <"$s" &
pid=$!
wait "$pid"
expect_stdin "evasion: bash through a symlink named kworker" "$s"

s=$(script 6)
dt_mark
bash -c "exec -a innocent bash <'$s'" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg p "$s")
dt_expect script-stdin-temp-dir "evasion: exec -a innocent bash < /tmp/NAME.sh" \
	'.ProcessId == $pid and .Evidence[0].Fields["ExtraDetails.StdinPath"] == $p
	 and .Evidence[0].Fields.CommandLine == "innocent"'


# Opened, then removed, then the shell started on it: the old path, StdinDeleted.
printf 'true\n' >"$t.gone"
dt_mark
bash -c "exec 3<'$t.gone'; rm -f '$t.gone'; exec bash <&3 3<&-" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg p "$t.gone")
dt_expect script-stdin-temp-dir "evasion: the script removed before the exec (exec bash <&3)" \
	'.ProcessId == $pid and .Evidence[0].Fields["ExtraDetails.StdinPath"] == $p
	 and .Evidence[0].Fields["ExtraDetails.StdinDeleted"] == "true"'

printf 'true\n' >"$DT_TMP/gone.sh"
dt_mark
bash -c "exec 3<'$DT_TMP/gone.sh'; rm -f '$DT_TMP/gone.sh'; exec bash <&3 3<&-" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect script-stdin-temp-dir "a script outside the temporary directories, removed before the exec" \
	'.ProcessId == $pid and .Evidence[0].Fields["ExtraDetails.StdinDeleted"] == "true"'

# A script that only exists in memory, on stdin.
dt_mark
/usr/bin/python3 -c "
import os
fd = os.memfd_create('$tag')
os.write(fd, b'true\n')
os.lseek(fd, 0, 0)
os.dup2(fd, 0)
os.execv('/bin/sh', ['sh'])
" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg p "/memfd:$tag")
dt_expect script-stdin-temp-dir "evasion: a memfd on stdin (python3: memfd_create, dup2, exec sh)" \
	'.ProcessId == $pid and .Evidence[0].Fields["ExtraDetails.StdinPath"] == $p'

# Quiet: the rule judges the file stdin really is.
bash <"$DT_TMP/ok.sh" &
q1=$!
wait "$q1"
awk '{ print $1 }' <"$t.data" >/dev/null &
q2=$!
wait "$q2"
bash <"$t.link" &
q3=$!
wait "$q3"
DT_JQ_ARGS=(--argjson a "$q1" --argjson b "$q2" --argjson c "$q3")
dt_none script-stdin-temp-dir '.ProcessId == $a or .ProcessId == $b or .ProcessId == $c' 3
dt_row script-stdin-temp-dir "quiet: bash < /run/D/ok.sh, awk '{...}' < /tmp/NAME.data" "pass (no Alert)"
dt_row script-stdin-temp-dir "a symlink in /tmp to a script in /run" \
	"no Alert: the resolved path (where the script really is) counts"

# The script through a pipe: the reader names the file, the shell reads a pipe (same parent).
pipe_case() { # desc command (run by bash -c: the parent of both sides)
	dt_mark
	bash -c "$2" &
	pid=$!
	wait "$pid"
	DT_JQ_ARGS=(--argjson ppid "$pid")
	dt_expect script-pipe-temp-dir "$1" \
		'(.Evidence | map(.Fields.ParentProcessId) | unique) == [$ppid] and (.Evidence | length) == 2'
}
s=$(script 7)
pipe_case "cat /tmp/NAME.sh | sh" "cat '$s' | sh"
base64 "$(script 8)" >"$shm.b64"
pipe_case "evasion: base64 -d /dev/shm/NAME.b64 | bash -s -o errexit" \
	"base64 -d '$shm.b64' | bash -s -o errexit"
pipe_case "evasion: cat /tmp/NAME.sh | bash /dev/stdin" "cat '$(script 9)' | bash /dev/stdin"
bash -c "cat '$t.data' | /usr/bin/python3 -c 'import sys; sys.stdin.read()'" &
q1=$!
wait "$q1"
# Here-documents are the scripts (on pipes), the file in /tmp the first one's data, its
# output piped to a sibling that reads a script from its stdin too.
cat >"$DT_TMP/heredoc.sh" <<'EOS'
/usr/bin/python3 - "$1" <<'PY' | /usr/bin/python3 - 1 <<'PY2'
import sys
print(open(sys.argv[1]).read())
PY
import sys
sys.stdin.read()
PY2
EOS
bash "$DT_TMP/heredoc.sh" "$t.data" &
q2=$!
wait "$q2"
DT_JQ_ARGS=(--argjson a "$q1" --argjson b "$q2")
dt_none script-pipe-temp-dir '(.Evidence[0].Fields.ParentProcessId == $a) or
	(.Evidence[0].Fields.ParentProcessId == $b)' 3
dt_row script-pipe-temp-dir "quiet: cat /tmp/NAME.data | python3 -c CODE; python3 - /tmp/NAME.data <<PY | python3 - 1 <<PY2" \
	"pass (no Alert)"

# Gaps, documented in docs/detection.md.
dt_row script-pipe-temp-dir "sh < <(cat /tmp/NAME.sh), a reader that is not a sibling" \
	"gap (the pipe is inferred from a common parent)"
dt_row script-stdin-temp-dir "a copy of bash named innocent < /tmp/NAME.sh" \
	"gap (not known as a shell by any name)"
dt_row script-stdin-temp-dir ". /tmp/NAME.sh in a running shell" "gap (no exec)"

echo "--- process capture lost: $(dt_lost)"
dt_table
