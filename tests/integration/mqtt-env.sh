# SPDX-License-Identifier: MIT
# Shared by tests/integration/test-mqtt-*.sh (sourced): a private mosquitto on 127.0.0.1 with
# TLS listeners whose CA and certificates are made here with openssl, a plain listener for the
# test peer (mqtt-peer.py, the IoT Hub side), and the publisher (test-mqtt-transport drive).
# Everything lives in $WORK and is removed by the trap; only processes started here are
# stopped, by pid.

set -euo pipefail

: "${SOURCE_DIR:?}" "${BUILD_DIR:?}"
HERE="$SOURCE_DIR/tests/integration"
DRIVER="$BUILD_DIR/tests/unit/test-mqtt-transport"
KEY_B64=$(head -c 32 /dev/urandom | base64 -w0)
export EDGESEC_CONNECTION_STRING="HostName=hub.example.net;DeviceId=edge01;ModuleId=secagent;SharedAccessKey=$KEY_B64"

for tool in mosquitto openssl python3; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP: $tool is not installed (apt-get install mosquitto openssl python3)"
		exit 77
	fi
done
# the peer needs paho-mqtt: Debian's python3-paho-mqtt lives in /usr/bin/python3's path
PY=
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import paho.mqtt.client' 2>/dev/null; then
		PY=$py
		break
	fi
done
if [ -z "$PY" ]; then
	echo "SKIP: python3-paho-mqtt is not installed"
	exit 77
fi
[ -x "$DRIVER" ] || { echo "FAIL: $DRIVER not built"; exit 1; }

WORK=$(mktemp -d /tmp/edgesec-mqtt-test.XXXXXX)
BROKER_PID=
PEER_PID=
cleanup() {
	[ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null || true
	[ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

make_certs() {
	local d=$WORK/pki
	mkdir -p "$d"
	(
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=edgesec test CA" 2>/dev/null
		openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem \
			-days 2 -subj "/CN=unrelated CA" 2>/dev/null
		for name in server wrong; do
			if [ $name = server ]; then
				san="IP:127.0.0.1,DNS:localhost"
				cn=127.0.0.1
			else
				san="DNS:wrong.example"
				cn=wrong.example
			fi
			openssl req -newkey rsa:2048 -nodes -keyout $name.key -out $name.csr \
				-subj "/CN=$cn" 2>/dev/null
			printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >$name.ext
			openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out $name.pem -days 2 -extfile $name.ext 2>/dev/null
		done
	)
}

PORT_TLS=$(free_port)
PORT_WRONG=$(free_port)
PORT_PLAIN=$(free_port)

write_broker_conf() {
	cat >"$WORK/mosquitto.conf" <<CONF
per_listener_settings false
$( [ "$(id -u)" = 0 ] && echo "user root")
allow_anonymous true
persistence true
persistence_location $WORK/
autosave_interval 1
log_dest file $WORK/mosquitto.log
log_type all
listener $PORT_TLS 127.0.0.1
cafile $WORK/pki/ca.pem
certfile $WORK/pki/server.pem
keyfile $WORK/pki/server.key
listener $PORT_WRONG 127.0.0.1
cafile $WORK/pki/ca.pem
certfile $WORK/pki/wrong.pem
keyfile $WORK/pki/wrong.key
listener $PORT_PLAIN 127.0.0.1
CONF
}

wait_port() {
	for _ in $(seq 100); do
		if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "FAIL: nothing listens on port $1"
	cat "$WORK/mosquitto.log" 2>/dev/null | tail -20
	exit 1
}

start_broker() {
	mosquitto -c "$WORK/mosquitto.conf" >>"$WORK/mosquitto.out" 2>&1 &
	BROKER_PID=$!
	wait_port "$PORT_TLS"
	wait_port "$PORT_PLAIN"
}

stop_broker() {
	kill -TERM "$BROKER_PID"
	wait "$BROKER_PID" 2>/dev/null || true
	BROKER_PID=
}

start_peer() {
	"$PY" "$HERE/mqtt-peer.py" "$PORT_PLAIN" "$WORK/received.jsonl" >"$WORK/peer.log" 2>&1 &
	PEER_PID=$!
	for _ in $(seq 50); do
		grep -q subscribed "$WORK/peer.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "FAIL: the test peer did not subscribe"
	cat "$WORK/peer.log"
	exit 1
}

# check_received COUNT: every $.mid 1..COUNT arrived with the right properties
check_received() {
	python3 "$HERE/mqtt-check.py" "$WORK/received.jsonl" "$1"
}

# no_secrets FILE...: neither the key nor a signature may appear
no_secrets() {
	if grep -F -e "$KEY_B64" -e "sig=" -e "SharedAccessSignature sr" "$@"; then
		echo "FAIL: a secret reached the logs"
		exit 1
	fi
}
