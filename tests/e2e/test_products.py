"""End to end: the user's own short-form descriptor, verbatim.

`meshd create-data-product --config examples/user_engagement/user_engagement_metrics.yaml`
creates the topic, registers engagement_schema.avsc under
enriched_engagement_data-value, writes the catalog entry (which survives a
restart) and the lineage edge user_activity_stream -> enriched_engagement_data;
`meshd catalog search engagement` finds it; the AsyncAPI export validates with
@asyncapi/parser.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, http  # noqa: E402
from products_e2e_util import (EXAMPLES, asyncapi_parser_installed, cli, product,  # noqa: E402
                               registry_versions, topic_exists, validate_asyncapi)

DESCRIPTOR = os.path.join(EXAMPLES, "user_engagement", "user_engagement_metrics.yaml")


class UserEngagementProduct(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Meshd().start()

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)

    def test_1_create_data_product(self):
        r = cli(self.m, "create-data-product", "--config", DESCRIPTOR)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("data product user_engagement_metrics: created", r.stdout)
        self.assertIn("created topic enriched_engagement_data", r.stdout)
        self.assertTrue(topic_exists(self.m, "enriched_engagement_data"))
        self.assertEqual(registry_versions(self.m, "enriched_engagement_data-value"), [1])
        schema = http("GET", f"http://{self.m.endpoints['registry']}/subjects/enriched_engagement_data-value/versions/1").json()
        self.assertIn("EngagementMetric", schema["schema"])
        p = product(self.m, "user_engagement_metrics")
        self.assertIsNotNone(p)
        self.assertEqual(p["domain"], "digital_workplace")
        self.assertEqual(p["outputs"][0]["schema_type"], "AVRO")
        self.assertEqual(p["outputs"][0]["schema_version"], 1)
        self.assertEqual(p["outputs"][0]["runtime"]["topic_exists"], True)

    def test_2_lineage_edge(self):
        g = http("GET", f"{self.m.http}/v1/lineage").json()
        edges = {(e["from"], e["to"]) for e in g["edges"]}
        self.assertIn(("topic:user_activity_stream", "topic:enriched_engagement_data"), edges)
        self.assertIn(("topic:user_activity_stream", "product:user_engagement_metrics"), edges)
        up = cli(self.m, "lineage", "user_engagement_metrics", "--upstream")
        self.assertEqual(up.returncode, 0, up.stderr)
        self.assertIn("topic:user_activity_stream -> product:user_engagement_metrics", up.stdout)
        down = cli(self.m, "lineage", "user_engagement_metrics", "--downstream")
        self.assertIn("product:user_engagement_metrics -> topic:enriched_engagement_data", down.stdout)
        self.assertNotIn("user_activity_stream", down.stdout)
        ol = http("GET", f"{self.m.http}/v1/lineage?format=openlineage").json()
        self.assertEqual(len(ol), 1)
        ev = ol[0]
        self.assertEqual(ev["job"]["name"], "user_engagement_metrics")
        self.assertEqual(ev["eventType"], "COMPLETE")
        self.assertTrue(ev["schemaURL"].startswith("https://openlineage.io/spec/2-0-2/"))
        self.assertEqual(ev["inputs"][0]["namespace"], "kafka://" + self.m.kafka)
        self.assertEqual(ev["inputs"][0]["name"], "user_activity_stream")
        fields = [f["name"] for f in ev["outputs"][0]["facets"]["schema"]["fields"]]
        self.assertIn("engagement_score", fields)

    def test_3_catalog_search(self):
        r = cli(self.m, "catalog", "search", "engagement")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("user_engagement_metrics", r.stdout)
        none = cli(self.m, "catalog", "search", "no-such-thing-anywhere")
        self.assertIn("no data product matches", none.stdout)
        by_field = http("GET", f"{self.m.http}/v1/catalog/search?q=active_minutes").json()
        self.assertEqual([x["name"] for x in by_field["results"]], ["user_engagement_metrics"])

    def test_4_list_describe_and_reapply(self):
        r = cli(self.m, "product", "list")
        self.assertIn("user_engagement_metrics\tdomain=digital_workplace", r.stdout)
        d = cli(self.m, "product", "describe", "user_engagement_metrics")
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertIn("enriched_engagement_data-value v1", d.stdout)
        again = cli(self.m, "product", "apply", "-f", DESCRIPTOR)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("unchanged", again.stdout)
        self.assertEqual(registry_versions(self.m, "enriched_engagement_data-value"), [1])

    def test_5_asyncapi_validates(self):
        doc = http("GET", f"{self.m.http}/v1/products/user_engagement_metrics/asyncapi").json()
        self.assertEqual(doc["asyncapi"], "3.0.0")
        kafka = doc["servers"]["meshd"]["bindings"]["kafka"]
        self.assertEqual(kafka["schemaRegistryUrl"], "http://" + self.m.endpoints["registry"])
        self.assertEqual(kafka["schemaRegistryVendor"], "confluent")
        if not asyncapi_parser_installed():
            self.skipTest("npm @asyncapi/parser not installed (scripts/bootstrap --tests)")
        ok, out = validate_asyncapi(doc)
        self.assertTrue(ok, out)
        self.assertIn("valid: 1 channels", out)

    def test_6_survives_restart_and_delete(self):
        self.m.restart()
        p = product(self.m, "user_engagement_metrics")
        self.assertIsNotNone(p)
        self.assertEqual(p["outputs"][0]["schema_version"], 1)
        r = cli(self.m, "product", "delete", "user_engagement_metrics")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNone(product(self.m, "user_engagement_metrics"))
        self.assertTrue(topic_exists(self.m, "enriched_engagement_data"))
        gone = cli(self.m, "product", "describe", "user_engagement_metrics")
        self.assertEqual(gone.returncode, 1)
        self.assertIn("PRODUCT_NOT_FOUND", gone.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
