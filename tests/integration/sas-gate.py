#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The IoT Hub's front door for the MQTT integration tests: a TLS listener (the test CA's server
# certificate) that reads each client's MQTT CONNECT and checks it the way IoT Hub / edgeHub
# do (protocol reference §3.1, §4.2):
#   - client id "{device}/{module}";
#   - username "{hub}/{device}/{module}/?api-version=...&DeviceClientType=...";
#   - password "SharedAccessSignature sr=...&sig=...&se=..." whose sig is
#     base64(HMAC-SHA256(key, sr + "\n" + se)) over sr exactly as received, with se in the
#     future and sr the URL-encoded module audience.
# A good CONNECT is forwarded to mosquitto's plain listener and the connection relayed both
# ways; a bad one gets CONNACK 5 (not authorized) and is closed.  One JSON line per CONNECT
# goes to the verdict file: {"client_id", "username", "ok", "reason"} (never the token).
#
# usage: sas-gate.py LISTEN_PORT CERT KEY FORWARD_PORT KEY_B64 HUB DEVICE MODULE VERDICTS
import base64
import hashlib
import hmac
import json
import select
import socket
import socketserver
import ssl
import sys
import time
import urllib.parse

(PORT, CERT, KEYFILE, FORWARD, KEY_B64, HUB, DEVICE, MODULE, VERDICTS) = sys.argv[1:10]
KEY = base64.b64decode(KEY_B64)
out = open(VERDICTS, "a", buffering=1)


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("closed")
        data += chunk
    return data


def read_packet(sock):
    first = read_exact(sock, 1)
    length, mult, raw = 0, 1, b""
    for _ in range(4):
        b = read_exact(sock, 1)
        raw += b
        length += (b[0] & 0x7F) * mult
        mult *= 128
        if not b[0] & 0x80:
            break
    return first + raw, read_exact(sock, length)


def take_str(body, off):
    n = int.from_bytes(body[off:off + 2], "big")
    return body[off + 2:off + 2 + n], off + 2 + n


def parse_connect(body):
    _, off = take_str(body, 0)          # protocol name
    flags = body[off + 1]
    off += 4                             # level, flags, keep-alive
    client_id, off = take_str(body, off)
    if flags & 0x04:                     # will topic + message
        _, off = take_str(body, off)
        _, off = take_str(body, off)
    user = pw = None
    if flags & 0x80:
        user, off = take_str(body, off)
    if flags & 0x40:
        pw, off = take_str(body, off)
    return client_id.decode(), user.decode() if user else None, pw.decode() if pw else None


def check(client_id, user, pw):
    if client_id != f"{DEVICE}/{MODULE}":
        return f"client id {client_id!r}"
    prefix = f"{HUB}/{DEVICE}/{MODULE}/?"
    if not user or not user.startswith(prefix):
        return f"username {user!r}"
    q = dict(urllib.parse.parse_qsl(user[len(prefix):]))
    if not q.get("api-version") or not q.get("DeviceClientType", "").startswith("edgesec/"):
        return f"username query {q!r}"
    if not pw or not pw.startswith("SharedAccessSignature "):
        return "password is not a SAS token"
    fields = {}
    for part in pw[len("SharedAccessSignature "):].split("&"):
        k, _, v = part.partition("=")
        fields[k] = v
    if set(fields) != {"sr", "sig", "se"}:
        return f"token fields {sorted(fields)}"
    if urllib.parse.unquote(fields["sr"]) != f"{HUB}/devices/{DEVICE}/modules/{MODULE}":
        return "audience"
    if int(fields["se"]) <= time.time():
        return "expired"
    want = base64.b64encode(hmac.new(KEY, f"{fields['sr']}\n{fields['se']}".encode(),
                                     hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(urllib.parse.unquote(fields["sig"]), want):
        return "signature does not verify against the module key"
    return None


def relay(a, b):
    socks = [a, b]
    while True:
        ready, _, _ = select.select(socks, [], [], 60)
        if not ready:
            continue
        for s in ready:
            other = b if s is a else a
            data = s.recv(65536)
            if not data:
                return
            other.sendall(data)
            while isinstance(s, ssl.SSLSocket) and s.pending():
                other.sendall(s.recv(65536))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(CERT, KEYFILE)
        try:
            tls = ctx.wrap_socket(self.request, server_side=True)
            head, body = read_packet(tls)
        except (OSError, EOFError, ssl.SSLError):
            return
        try:
            client_id, user, pw = parse_connect(body)
            reason = check(client_id, user, pw)
        except Exception as e:  # a malformed CONNECT is a verdict too
            client_id = user = None
            reason = f"malformed CONNECT: {e}"
        out.write(json.dumps({"client_id": client_id, "username": user, "ok": reason is None,
                              "reason": reason or ""}) + "\n")
        if reason:
            tls.sendall(bytes([0x20, 2, 0, 5]))
            tls.close()
            return
        up = socket.create_connection(("127.0.0.1", int(FORWARD)))
        try:
            up.sendall(head + body)
            relay(tls, up)
        except (OSError, ssl.SSLError):
            pass
        finally:
            up.close()
            tls.close()


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", int(PORT)), Handler)
print("listening", flush=True)
srv.serve_forever()
