"""kafkajs 2.2.4 against meshd's Kafka listener: admin createTopics,
idempotent producer (acks -1) with headers, consumer group round trip.
kafkajs is installed by this test into tests/e2e/node/node_modules (npm)."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_e2e_util import Broker, check, fail  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


def ensure_kafkajs():
    if os.path.exists(os.path.join(NODE_DIR, "node_modules", "kafkajs", "package.json")):
        return
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        fail("npm install kafkajs failed: " + r.stderr[-2000:])


def main():
    ensure_kafkajs()
    with Broker() as b:
        r = subprocess.run(["node", os.path.join(NODE_DIR, "kafkajs_roundtrip.js"), b.bootstrap,
                            "kafkajs-events", "500"],
                           capture_output=True, text=True, timeout=180,
                           env=dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1"))
        if r.returncode != 0:
            fail("kafkajs script failed: " + (r.stdout + r.stderr)[-3000:])
        res = json.loads(r.stdout.strip().splitlines()[-1])
        check(res["sent"] == 500, "kafkajs idempotent producer sent 500")
        check(res["received"] == 500, "kafkajs consumer group received all 500")
        check(res["headersOk"], "record headers round-trip")
    print("PASS test_kafka_kafkajs")


if __name__ == "__main__":
    main()
