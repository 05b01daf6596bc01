"""End to end: the /v1 HTTP API and CLI of issue 2, against a real meshd."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, cloudevent, http, run_cli, wait_until  # noqa: E402


class HttpApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Meshd().start()
        cls.base = cls.m.http

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)

    def create(self, name, partitions=1, config=None):
        body = {"name": name, "partitions": partitions}
        if config:
            body["config"] = config
        r = http("POST", f"{self.base}/v1/topics", body)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def assertError(self, r, status, field_hint=None):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertIn("error_code", body, r)
        self.assertIn("message", body, r)
        self.assertTrue(body["error_code"])
        if field_hint:
            self.assertIn(field_hint, body["message"], r)

    def test_topic_lifecycle(self):
        t = self.create("orders", 4, {"fsync": "always", "retention.ms": "3600000"})
        self.assertEqual(t["name"], "orders")
        names = [x["name"] if isinstance(x, dict) else x
                 for x in http("GET", f"{self.base}/v1/topics").json()["topics"]]
        self.assertIn("orders", names)
        d = http("GET", f"{self.base}/v1/topics/orders").json()
        self.assertEqual(len(d["partitions"]), 4)
        for p in d["partitions"]:
            self.assertEqual(set(["partition", "start_offset", "end_offset"]) - set(p), set())
        self.assertEqual(d["config"]["fsync"], "always")
        self.assertEqual(str(d["config"]["retention.ms"]), "3600000")
        # alter config
        r = http("PUT", f"{self.base}/v1/topics/orders/config", {"config": {"retention.ms": "7200000"}})
        if r.status == 405 or r.status == 404:
            r = http("PATCH", f"{self.base}/v1/topics/orders/config", {"config": {"retention.ms": "7200000"}})
        self.assertIn(r.status, (200, 204), r)
        d = http("GET", f"{self.base}/v1/topics/orders").json()
        self.assertEqual(str(d["config"]["retention.ms"]), "7200000")
        # duplicate create
        self.assertError(http("POST", f"{self.base}/v1/topics", {"name": "orders", "partitions": 1}), 409)
        # bad config names the key
        self.assertError(http("POST", f"{self.base}/v1/topics",
                              {"name": "bad1", "partitions": 1, "config": {"fsync": "sometimes"}}),
                         400, "fsync")
        self.assertError(http("POST", f"{self.base}/v1/topics",
                              {"name": "bad2", "partitions": 1, "config": {"no.such.key": "1"}}),
                         400, "no.such.key")
        self.assertError(http("POST", f"{self.base}/v1/topics", {"name": "bad/name", "partitions": 1}), 400)
        # delete
        self.assertIn(http("DELETE", f"{self.base}/v1/topics/orders").status, (200, 204))
        self.assertError(http("GET", f"{self.base}/v1/topics/orders"), 404)

    def test_publish_modes_and_read_back(self):
        self.create("modes", 1)
        url = f"{self.base}/v1/topics/modes/events"
        # structured
        r = http("POST", url, json.dumps(cloudevent(1)), {"Content-Type": "application/cloudevents+json"})
        self.assertEqual(r.status, 200, r)
        res = r.json()["results"]
        self.assertEqual(len(res), 1)
        self.assertEqual(res[0]["id"], "ev-1")
        self.assertEqual(res[0]["offset"], 0)
        self.assertFalse(res[0]["duplicate"])
        # batch
        batch = [cloudevent(i) for i in (2, 3, 4)]
        r = http("POST", url, json.dumps(batch), {"Content-Type": "application/cloudevents-batch+json"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["offset"] for x in r.json()["results"]], [1, 2, 3])
        self.assertEqual([x["id"] for x in r.json()["results"]], ["ev-2", "ev-3", "ev-4"])
        # binary mode
        r = http("POST", url, json.dumps({"hello": "binary"}),
                 {"Content-Type": "application/json", "ce-specversion": "1.0", "ce-id": "bin-1",
                  "ce-source": "/tests/bin", "ce-type": "com.example.bin"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["results"][0]["offset"], 4)
        # plain JSON value
        r = http("POST", url, {"just": "a value"})
        self.assertEqual(r.status, 200, r)
        plain = r.json()["results"][0]
        self.assertTrue(plain["id"])
        self.assertEqual(plain["offset"], 5)
        # read back explicitly by offset
        r = http("GET", f"{self.base}/v1/topics/modes/events?partition=0&offset=0&max=100")
        self.assertEqual(r.status, 200, r)
        evs = r.json()["events"]
        self.assertEqual([e["offset"] for e in evs], [0, 1, 2, 3, 4, 5])
        self.assertEqual(evs[0]["event"]["id"], "ev-1")
        self.assertEqual(evs[0]["event"]["data"], {"n": 1})
        self.assertEqual(evs[4]["event"]["id"], "bin-1")
        self.assertEqual(evs[4]["event"]["type"], "com.example.bin")
        self.assertEqual(evs[4]["event"]["data"], {"hello": "binary"})
        self.assertEqual(evs[5]["event"]["data"], {"just": "a value"})
        self.assertEqual(evs[5]["event"]["specversion"], "1.0")
        # read from the middle
        r = http("GET", f"{self.base}/v1/topics/modes/events?partition=0&offset=3&max=2")
        self.assertEqual([e["offset"] for e in r.json()["events"]], [3, 4])
        # by timestamp: everything published so far is at or after t0
        r = http("GET", f"{self.base}/v1/topics/modes/events?partition=0&timestamp=0&max=100")
        self.assertEqual(len(r.json()["events"]), 6)
        future = int(time.time() * 1000) + 3600_000
        r = http("GET", f"{self.base}/v1/topics/modes/events?partition=0&timestamp={future}&max=100&wait_ms=0")
        self.assertEqual(r.json()["events"], [])

    def test_keys_and_partitioning(self):
        self.create("keyed", 4)
        url = f"{self.base}/v1/topics/keyed/events"
        parts = set()
        for i in range(5):
            ev = cloudevent(100 + i, partitionkey="customer-42")
            r = http("POST", url, ev, {"Content-Type": "application/cloudevents+json"})
            self.assertEqual(r.status, 200, r)
            parts.add(r.json()["results"][0]["partition"])
        self.assertEqual(len(parts), 1, "same partitionkey must map to one partition")
        r = http("POST", url + "?key=customer-42", cloudevent(200),
                 {"Content-Type": "application/cloudevents+json"})
        self.assertEqual(r.json()["results"][0]["partition"], parts.pop())
        p = r.json()["results"][0]["partition"]
        o = r.json()["results"][0]["offset"]
        got = http("GET", f"{self.base}/v1/topics/keyed/events?partition={p}&offset={o}&max=1").json()
        self.assertEqual(got["events"][0]["key"], "customer-42")

    def test_idempotent_republish(self):
        self.create("idem", 2)
        url = f"{self.base}/v1/topics/idem/events"
        ev = cloudevent(7, source="/crm/prod")
        first = http("POST", url, ev, {"Content-Type": "application/cloudevents+json"}).json()["results"][0]
        before = http("GET", f"{self.base}/v1/topics/idem").json()
        again = http("POST", url, ev, {"Content-Type": "application/cloudevents+json"}).json()["results"][0]
        self.assertTrue(again["duplicate"])
        self.assertEqual((again["partition"], again["offset"]), (first["partition"], first["offset"]))
        after = http("GET", f"{self.base}/v1/topics/idem").json()
        self.assertEqual([p["end_offset"] for p in before["partitions"]],
                         [p["end_offset"] for p in after["partitions"]])
        # same id, different source is a different event
        other = http("POST", url, cloudevent(7, source="/pos/prod"),
                     {"Content-Type": "application/cloudevents+json"}).json()["results"][0]
        self.assertFalse(other["duplicate"])

    def test_bad_input(self):
        self.create("strict", 1)
        url = f"{self.base}/v1/topics/strict/events"
        ce = {"Content-Type": "application/cloudevents+json"}
        self.assertError(http("POST", url, "{not json", ce), 400)
        for field in ("id", "source", "type", "specversion"):
            ev = cloudevent(1)
            del ev[field]
            self.assertError(http("POST", url, json.dumps(ev), ce), 400, field)
        self.assertError(http("POST", f"{self.base}/v1/topics/nope/events", cloudevent(1)), 404)
        big = cloudevent(2, data={"blob": "x" * (1024 * 1024 + 10)})
        self.assertError(http("POST", url, json.dumps(big), ce), 413)
        # all-or-nothing batch: one bad event rejects the whole batch
        before = http("GET", f"{self.base}/v1/topics/strict").json()["partitions"][0]["end_offset"]
        bad_batch = [cloudevent(10), {"specversion": "1.0", "source": "/x", "type": "t"}]
        self.assertError(http("POST", url, json.dumps(bad_batch),
                              {"Content-Type": "application/cloudevents-batch+json"}), 400, "id")
        after = http("GET", f"{self.base}/v1/topics/strict").json()["partitions"][0]["end_offset"]
        self.assertEqual(before, after)

    def test_metrics(self):
        self.create("metered", 1)
        http("POST", f"{self.base}/v1/topics/metered/events", cloudevent(1),
             {"Content-Type": "application/cloudevents+json"})
        r = http("GET", f"{self.base}/metrics")
        self.assertEqual(r.status, 200)
        text = r.body.decode()
        self.assertIn("# TYPE", text)
        for needle in ("meshd_", "append", "fsync", "lag"):
            self.assertIn(needle, text)

    def test_cli(self):
        r = run_cli("topic", "create", "cli-topic", "--partitions", "2", "--config", "fsync=never",
                    server=self.base)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_cli("topic", "list", "--json", server=self.base)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cli-topic", r.stdout)
        r = run_cli("topic", "describe", "cli-topic", server=self.base)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = "\n".join(json.dumps({"n": i}) for i in range(25)) + "\n"
        r = run_cli("produce", "cli-topic", "--key", "k1", server=self.base, stdin=lines)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_cli("consume", "cli-topic", "--group", "g-cli", "--from-beginning", "--max", "25",
                    "--json", server=self.base)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        self.assertEqual(len(got), 25)
        ns = sorted(g["event"]["data"]["n"] for g in got)
        self.assertEqual(ns, list(range(25)))
        # errors: one line, non-zero exit
        r = run_cli("topic", "describe", "no-such-topic", server=self.base)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = run_cli("topic", "list", server="http://127.0.0.1:1")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
