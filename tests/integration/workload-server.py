#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A test IoT Edge workload API (protocol reference §2) on a unix socket, python3 stdlib only:
#   POST /modules/{moduleId}/genid/{generationId}/sign?api-version=V
#        body {"keyId":"primary","algo":"HMACSHA256","data":"<base64>"} -> 200 {"digest":"<base64>"}
#        (HMAC-SHA256 with the test module key over the decoded data)
#   GET  /trust-bundle?api-version=V -> 200 {"certificate":"<PEM>"} (the test CA)
# api-version missing -> 400, unknown -> 400; another module or generation id -> 404; other
# routes -> 404; bad body -> 400/422 — always {"message": ...} as edged does.
# The mode file (re-read at every request) makes it misbehave: "ok", "500" (every route
# answers 500) or "garbage" (200 with a body that is not JSON).
# One JSON line per request goes to stdout: method, path, status (never the digest).
#
# usage: workload-server.py SOCKET KEY_B64 MODULE_ID GENERATION_ID CA_PEM MODE_FILE
import base64
import binascii
import hashlib
import hmac
import http.server
import json
import os
import re
import socketserver
import sys
import urllib.parse

SOCKET, KEY_B64, MODULE, GENID, CA_PEM, MODE_FILE = sys.argv[1:7]
KEY = base64.b64decode(KEY_B64)
VERSIONS = {"2018-06-28", "2019-01-30", "2019-10-22", "2019-11-05", "2020-07-07",
            "2021-12-07", "2022-08-03"}
SIGN_RE = re.compile(r"^/modules/([^/]+)/genid/([^/]+)/sign$")
STS_RE = re.compile(rb"^[A-Za-z0-9%._~-]+\n[0-9]{1,20}$")


def mode():
    try:
        with open(MODE_FILE) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def address_string(self):
        return "unix"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, obj=None, raw=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        print(json.dumps({"method": self.command, "path": self.path, "status": status}),
              flush=True)

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        m = mode()
        if m == "500":
            return self.answer(500, {"message": "test: identity service unavailable"})
        if m == "garbage":
            return self.answer(200, raw=b"<html>not json")
        if "api-version" not in query:
            return self.answer(400, {"message": "api-version not specified"})
        if query["api-version"][0] not in VERSIONS:
            return self.answer(400, {"message": "invalid api-version"})
        if self.command == "GET" and url.path == "/trust-bundle":
            with open(CA_PEM) as f:
                return self.answer(200, {"certificate": f.read()})
        sm = SIGN_RE.match(url.path)
        if self.command != "POST" or not sm:
            return self.answer(404, {"message": "not found"})
        module, genid = (urllib.parse.unquote(x) for x in sm.groups())
        if module != MODULE or genid != GENID:
            return self.answer(404, {"message": f"module {module} generation {genid} not found"})
        ctype = self.headers.get("Content-Type", "application/json").split(";")[0].strip()
        if ctype != "application/json":
            return self.answer(400, {"message": "content type must be application/json"})
        length = int(self.headers.get("Content-Length", "0"))
        try:
            req = json.loads(self.rfile.read(length))
        except ValueError:
            return self.answer(422, {"message": "request body is not JSON"})
        if not isinstance(req, dict) or req.get("keyId") != "primary" or \
                req.get("algo") != "HMACSHA256" or not isinstance(req.get("data"), str):
            return self.answer(400, {"message": "expected keyId primary, algo HMACSHA256, data"})
        try:
            data = base64.b64decode(req["data"], validate=True)
        except (binascii.Error, ValueError):
            return self.answer(400, {"message": "data is not base64"})
        # What an agent signs is a SAS string-to-sign: URL-encoded audience, LF, expiry.
        if not STS_RE.match(data):
            return self.answer(400, {"message": "data is not a SAS string to sign"})
        digest = hmac.new(KEY, data, hashlib.sha256).digest()
        return self.answer(200, {"digest": base64.b64encode(digest).decode()})

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(SOCKET):
    os.unlink(SOCKET)
srv = Server(SOCKET, Handler)
print(json.dumps({"listening": SOCKET}), flush=True)
srv.serve_forever()
