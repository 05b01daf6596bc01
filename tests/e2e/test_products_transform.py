"""End to end: a data product's `transform:` section is a stream pipeline.

`meshd create-data-product --config FILE` with a transform (filter + map into
a warehouse table, plus the default topic output = the product's output port)
creates the port's topic, its schema, the catalog entry and the pipeline
(named after the product, reading the product's input ports). Events published
to the input end up in the table (GET /v1/query) and on the output topic,
checked against a Python reference. The product's lineage shows its
transform. A broken transform is refused with a message naming the field and
leaves no topic, schema, entry or pipeline. The transform survives a restart,
an identical re-apply is `unchanged`, and deleting the product deletes the
pipeline (its table stays).
"""
import json
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, http, wait_until  # noqa: E402
from products_e2e_util import cli, product, registry_versions, topic_exists  # noqa: E402

SCHEMA = json.dumps({"type": "object", "properties": {
    "view_id": {"type": "integer"}, "reader": {"type": "string"}, "duration_ms": {"type": "integer"},
    "kind": {"type": "string"}, "reader_code": {"type": "string"}}})

PRODUCT = """data_product:
  name: engaged_views
  domain: digital_workplace
  owner: workplace-team
  description: page views that held attention, with a coarse kind
  input_ports:
    - page_views
  output_port:
    name: engaged_views
    schema: engaged_views.json
    partitions: 2
  transform:
    checkpoint_interval: 50ms
    operators:
      - filter: "duration_ms >= 1000"
      - map:
          select: [view_id, reader, duration_ms]
          compute:
            kind: "CASE WHEN duration_ms >= 5000 THEN 'long' ELSE 'short' END"
            reader_code: "upper(substr(reader, 1, 3))"
    outputs:
      - table: engaged_views_table
        key: [view_id]
"""

BROKEN = """data_product:
  name: broken_views
  domain: digital_workplace
  input_ports: [page_views]
  output_port:
    name: broken_views_out
    schema: engaged_views.json
  transform:
    operators:
      - filter: "duration_ms >"
"""

USERS = ["alice", "bob", "carol", "dave"]


def views(start, n):
    return [{"view_id": i, "reader": USERS[i % len(USERS)], "duration_ms": (i * 733) % 9000}
            for i in range(start, start + n)]


def reference(vs):
    """What the transform must produce, row by row (sorted by view_id)."""
    return [[v["view_id"], v["reader"], v["duration_ms"], "long" if v["duration_ms"] >= 5000 else "short",
             v["reader"][:3].upper()] for v in sorted(vs, key=lambda v: v["view_id"]) if v["duration_ms"] >= 1000]


def publish(m, vs):
    events = [{"specversion": "1.0", "id": f"v-{v['view_id']}", "source": "/tests/views", "type": "PageView",
               "datacontenttype": "application/json", "data": v} for v in vs]
    r = http("POST", f"{m.http}/v1/topics/page_views/events", json.dumps(events),
             {"Content-Type": "application/cloudevents-batch+json"})
    assert r.status in (200, 201), r


def table_rows(m):
    sql = "SELECT view_id, reader, duration_ms, kind, reader_code FROM engaged_views_table ORDER BY view_id"
    r = http("GET", f"{m.http}/v1/query?sql=" + urllib.parse.quote(sql))
    return r.json()["rows"] if r.status == 200 else None


def topic_rows(m, topic):
    """The output topic's events as reference rows (deduplicated by id: topic outputs are at-least-once)."""
    by_id = {}
    for p in range(2):
        r = http("GET", f"{m.http}/v1/topics/{topic}/events?partition={p}&offset=0&max=10000&wait_ms=0")
        if r.status != 200:
            return None
        for e in r.json()["events"]:
            by_id[e["event"]["id"]] = e["event"]["data"]
    return sorted([d.get("view_id"), d.get("reader"), d.get("duration_ms"), d.get("kind"), d.get("reader_code")]
                  for d in by_id.values())


def pipeline_names(m):
    return [p["name"] for p in http("GET", f"{m.http}/v1/pipelines").json()["pipelines"]]


class ProductTransform(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Meshd().start()
        cls.dir = tempfile.mkdtemp(prefix="meshd-transform-")
        for name, text in (("engaged_views.yaml", PRODUCT), ("broken_views.yaml", BROKEN),
                           ("engaged_views.json", SCHEMA)):
            with open(os.path.join(cls.dir, name), "w") as f:
                f.write(text)
        r = http("POST", f"{cls.m.http}/v1/topics", {"name": "page_views", "partitions": 2})
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_1_broken_transform_is_refused_and_leaves_nothing(self):
        desc = os.path.join(self.dir, "broken_views.yaml")
        for dry in ([], ["--dry-run"]):
            args = ["product", "apply", "--file", desc] + dry if dry else ["create-data-product", "--config", desc]
            r = cli(self.m, *args)
            self.assertNotEqual(r.returncode, 0, r.stdout)
            self.assertIn("data_product.transform.operators[0].filter", r.stderr)
        body = {"content": BROKEN, "file": "broken_views.yaml", "files": {"engaged_views.json": SCHEMA}}
        h = http("POST", f"{self.m.http}/v1/products", body)
        self.assertEqual(h.status, 400, h)
        self.assertEqual(h.json()["error_code"], "INVALID_DESCRIPTOR")
        self.assertIn("data_product.transform.operators[0].filter", h.json()["message"])
        self.assertFalse(topic_exists(self.m, "broken_views_out"))
        self.assertEqual(registry_versions(self.m, "broken_views_out-value"), [])
        self.assertIsNone(product(self.m, "broken_views"))
        self.assertNotIn("broken_views", pipeline_names(self.m))

    def test_2_transform_runs_into_table_and_topic(self):
        r = cli(self.m, "create-data-product", "--config", os.path.join(self.dir, "engaged_views.yaml"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("created pipeline engaged_views", r.stdout)
        self.assertEqual(pipeline_names(self.m), ["engaged_views"])
        p = product(self.m, "engaged_views")
        self.assertEqual(p["transform"]["inputs"], ["page_views"])
        self.assertEqual(p["transform"]["outputs"][-1], {"topic": "engaged_views"})
        one = http("GET", f"{self.m.http}/v1/pipelines/engaged_views").json()
        self.assertEqual(len(one["tasks"]), 2)

        vs = views(0, 200)
        publish(self.m, vs)
        expected = reference(vs)
        self.assertGreater(len(expected), 100)
        self.assertTrue(any(row[3] == "long" for row in expected) and any(row[3] == "short" for row in expected))
        wait_until(lambda: table_rows(self.m) == expected, timeout=30, what="engaged_views_table filled")
        wait_until(lambda: topic_rows(self.m, "engaged_views") == expected, timeout=30,
                   what="engaged_views topic filled")

        g = http("GET", f"{self.m.http}/v1/lineage?product=engaged_views").json()
        edges = {(e["from"], e["to"]) for e in g["edges"]}
        self.assertIn(("product:engaged_views", "pipeline:engaged_views"), edges)
        self.assertIn(("topic:page_views", "pipeline:engaged_views"), edges)
        self.assertIn(("pipeline:engaged_views", "table:engaged_views_table"), edges)
        self.assertIn(("pipeline:engaged_views", "topic:engaged_views"), edges)

    def test_3_restart_and_identical_reapply_keep_the_pipeline(self):
        self.m.restart()
        self.assertEqual(pipeline_names(self.m), ["engaged_views"])
        self.assertIn("transform", product(self.m, "engaged_views"))
        r = cli(self.m, "create-data-product", "--config", os.path.join(self.dir, "engaged_views.yaml"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("unchanged", r.stdout)
        more = views(200, 50)
        publish(self.m, more)
        expected = reference(views(0, 250))
        wait_until(lambda: table_rows(self.m) == expected, timeout=30, what="new views after restart")

    def test_4_delete_product_deletes_pipeline(self):
        r = cli(self.m, "product", "delete", "engaged_views")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNone(product(self.m, "engaged_views"))
        self.assertEqual(pipeline_names(self.m), [])
        self.assertEqual(http("GET", f"{self.m.http}/v1/pipelines/engaged_views").status, 404)
        self.assertEqual(len(table_rows(self.m)), len(reference(views(0, 250))))  # the table stays


if __name__ == "__main__":
    unittest.main()
