"""Issue 3 interoperability through the CloudEvents Kafka binding:
an event published over HTTP is read by kcat with its ce_* headers, and
records produced by kafkajs (with ce_* headers, and a plain value) are read
over HTTP as CloudEvents."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, cloudevent, http  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")

KAFKAJS_PRODUCE = r"""
const { Kafka, logLevel } = require('kafkajs');
(async () => {
  const [broker, topic] = process.argv.slice(1);  // node -e: no script path in argv
  const kafka = new Kafka({ clientId: 'interop', brokers: [broker], logLevel: logLevel.WARN });
  const p = kafka.producer();
  await p.connect();
  await p.send({ topic, acks: -1, messages: [
    { key: 'cust-9', value: JSON.stringify({ customer: 'cust-9', segment: 'premium' }),
      headers: { ce_specversion: '1.0', ce_id: 'kjs-1', ce_source: '/crm/kafkajs',
                 ce_type: 'CustomerProfileUpdated', 'content-type': 'application/json' } },
    { key: null, value: JSON.stringify({ plain: true }) },
  ]});
  await p.disconnect();
})().catch((e) => { console.error(e); process.exit(1); });
"""


class InteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=NODE_DIR, check=True, timeout=600)
        cls.m = Meshd().start()

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)

    def test_http_publish_then_kcat_reads_headers(self):
        base = self.m.http
        self.assertEqual(http("POST", f"{base}/v1/topics", {"name": "interop.http", "partitions": 1}).status, 201)
        ev = cloudevent(1, source="/pos/store-3", type_="SaleCompleted", data={"amount": 99.5},
                        partitionkey="cust-1", subject="sale-1")
        r = http("POST", f"{base}/v1/topics/interop.http/events", ev,
                 {"Content-Type": "application/cloudevents+json"})
        self.assertEqual(r.status, 200, r)
        out = subprocess.run(["kcat", "-b", self.m.kafka, "-C", "-t", "interop.http", "-o", "beginning",
                              "-e", "-q", "-f", "%k|%h|%s\n"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        line = out.stdout.strip().splitlines()[0]
        key, headers, value = line.split("|", 2)
        self.assertEqual(key, "cust-1")
        hdrs = dict(h.split("=", 1) for h in headers.split(","))
        self.assertEqual(hdrs["ce_id"], "ev-1")
        self.assertEqual(hdrs["ce_source"], "/pos/store-3")
        self.assertEqual(hdrs["ce_type"], "SaleCompleted")
        self.assertEqual(hdrs["ce_specversion"], "1.0")
        self.assertEqual(hdrs["ce_subject"], "sale-1")
        self.assertEqual(json.loads(value), {"amount": 99.5})

    def test_kafkajs_produce_then_http_consume(self):
        r = subprocess.run(["node", "-e", KAFKAJS_PRODUCE, self.m.kafka, "interop.kjs"], cwd=NODE_DIR,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = http("GET", f"{self.m.http}/v1/topics/interop.kjs/events?partition=0&offset=0&max=10").json()
        evs = got["events"]
        self.assertEqual(len(evs), 2, got)
        ce = evs[0]["event"]
        self.assertEqual(ce["id"], "kjs-1")
        self.assertEqual(ce["source"], "/crm/kafkajs")
        self.assertEqual(ce["type"], "CustomerProfileUpdated")
        self.assertEqual(ce["data"], {"customer": "cust-9", "segment": "premium"})
        self.assertEqual(evs[0]["key"], "cust-9")
        plain = evs[1]["event"]
        self.assertEqual(plain["specversion"], "1.0")
        self.assertTrue(plain["id"])
        self.assertEqual(plain["data"], {"plain": True})


if __name__ == "__main__":
    unittest.main(verbosity=2)
