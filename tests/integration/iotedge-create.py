#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Creates a module's container the way edgeAgent does, from a deployment manifest.

Sourced by no one: test-image.sh runs it.  It reads the module's settings.createOptions
(an object, or a JSON string) and env from the manifest and POSTs them, unchanged, to the
Docker Engine API's /containers/create over the daemon's unix socket, adding only what
edgeAgent adds itself: the image, Env from the module's env section, the IoT Edge labels
(owner, original image) and, for NetworkMode host, the matching EndpointsConfig.  The test
substitutes a few things explicitly and visibly on the command line (where the Docker socket
is, extra binds for its output, extra arguments, a capability to leave out).

Prints the new container's id.
"""
import argparse
import http.client
import json
import socket
import sys


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.unix_path)
        self.sock = s


def module_of(manifest, name):
    desired = manifest["modulesContent"]["$edgeAgent"]["properties.desired"]
    for group in ("modules", "systemModules"):
        if name in desired.get(group, {}):
            return desired[group][name]
    sys.exit(f"iotedge-create: no module {name} in the manifest")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--module", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--bind-source", action="append", default=[],
                    help="OLD=NEW: a bind's host path to replace")
    ap.add_argument("--extra-bind", action="append", default=[])
    ap.add_argument("--drop-cap", action="append", default=[])
    ap.add_argument("--arg", action="append", default=[], help="appended to the entrypoint")
    a = ap.parse_args()

    with open(a.manifest) as f:
        module = module_of(json.load(f), a.module)
    opts = module["settings"].get("createOptions", {})
    if isinstance(opts, str):
        opts = json.loads(opts)
    body = json.loads(json.dumps(opts))  # a deep copy
    hc = body.setdefault("HostConfig", {})
    if hc.get("Privileged", False) is not False:
        sys.exit("iotedge-create: the module asks for Privileged")

    body["Image"] = a.image
    env = [f"{k}={v['value']}" for k, v in module.get("env", {}).items()]
    body["Env"] = body.get("Env", []) + env
    labels = body.setdefault("Labels", {})
    labels["net.azure-devices.edge.owner"] = "Microsoft.Azure.Devices.Edge.Agent"
    labels["net.azure-devices.edge.original-image"] = module["settings"]["image"]
    if hc.get("NetworkMode") == "host":
        body["NetworkingConfig"] = {"EndpointsConfig": {"host": {}}}

    subst = dict(s.split("=", 1) for s in a.bind_source)
    binds = []
    for b in hc.get("Binds", []):
        src, rest = b.split(":", 1)
        binds.append(f"{subst.get(src, src)}:{rest}")
    hc["Binds"] = binds + a.extra_bind
    if a.drop_cap:
        hc["CapAdd"] = [c for c in hc.get("CapAdd", []) if c not in a.drop_cap]
    if a.arg:
        body["Cmd"] = a.arg

    conn = UnixHTTPConnection(a.socket)
    conn.request("POST", f"/v1.41/containers/create?name={a.name}", json.dumps(body),
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read().decode()
    if r.status != 201:
        sys.exit(f"iotedge-create: {r.status} {data}")
    print(json.loads(data)["Id"])


if __name__ == "__main__":
    main()
