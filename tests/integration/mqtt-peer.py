#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The IoT Hub side for the MQTT integration tests: a persistent-session subscriber (clean
# session off, QoS 1) to every module's telemetry; each message becomes one JSON line
# {"topic": ..., "payload": ..., "dup": DUP flag} in the output file.  Reconnects by itself after a broker
# restart; the broker keeps its queue meanwhile (persistence).
import json
import sys

import paho.mqtt.client as mqtt

port, out_path = int(sys.argv[1]), sys.argv[2]
out = open(out_path, "a", buffering=1)


def on_connect(client, userdata, flags, rc):
    client.subscribe("devices/+/modules/+/messages/events/#", qos=1)


def on_subscribe(client, userdata, mid, granted):
    print("subscribed", flush=True)


def on_message(client, userdata, msg):
    out.write(json.dumps({"topic": msg.topic, "payload": msg.payload.decode(),
                          "dup": int(msg.dup)}) + "\n")


c = mqtt.Client(client_id="iothub-peer", clean_session=False)
c.on_connect = on_connect
c.on_subscribe = on_subscribe
c.on_message = on_message
c.reconnect_delay_set(min_delay=1, max_delay=1)
c.connect("127.0.0.1", port, keepalive=5)
c.loop_forever(retry_first_connection=True)
