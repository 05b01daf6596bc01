"""Helpers shared by the event-bus end-to-end tests (test_bus_*.py).

A scripted webhook receiver (http.server on 127.0.0.1:0), a boto3 client
for meshd's AWS JSON 1.1 endpoint, and readers for topics and metrics.
Every wait is bounded.
"""
import json
import threading
import http.server as http_server

import boto3
from botocore.config import Config

from meshd_harness import http, wait_until


class Receiver:
    """Webhook receiver. policy(n) gives the HTTP status for the n-th call (1-based)."""

    def __init__(self, policy=lambda n: 200):
        self.policy = policy
        self.calls = []          # (status, body) per request
        self.lock = threading.Lock()
        outer = self

        class Handler(http_server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode()
                with outer.lock:
                    status = outer.policy(len(outer.calls) + 1)
                    outer.calls.append((status, body))
                msg = json.dumps({"status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)

            def log_message(self, *args):
                pass

        self.server = http_server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self):
        with self.lock:
            return len(self.calls)

    def successes(self):
        with self.lock:
            return [json.loads(b) for s, b in self.calls if 200 <= s < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def events_client(meshd):
    return boto3.client(
        "events", endpoint_url=meshd.http, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, read_timeout=30, connect_timeout=5))


def bus_arn(name="default"):
    return f"arn:aws:events:local:000000000000:event-bus/{name}"


def topic_values(meshd, topic):
    """Every record value of a topic (all partitions), as parsed JSON when possible."""
    r = http("GET", f"{meshd.http}/v1/topics/{topic}")
    if r.status != 200:
        return []
    parts = r.json().get("partitions", [])
    out = []
    for p in range(len(parts)):
        offset = 0
        while True:
            r = http("GET", f"{meshd.http}/v1/topics/{topic}/events?partition={p}&offset={offset}&max=1000&wait_ms=0")
            if r.status != 200:
                break
            evs = r.json().get("events", [])
            if not evs:
                break
            for e in evs:
                ev = e.get("event", e)
                data = ev.get("data", ev) if isinstance(ev, dict) else ev
                if isinstance(data, str):
                    try:
                        data = json.loads(data)
                    except ValueError:
                        pass
                out.append(data)
            offset = evs[-1]["offset"] + 1
    return out


def metric(meshd, name, **labels):
    """Sum of a Prometheus metric's samples whose labels include `labels`."""
    r = http("GET", f"{meshd.http}/metrics")
    total = 0.0
    for line in r.body.decode().splitlines():
        if not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        if head.split("{")[0] != name:
            continue
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            total += float(value)
    return total
