"""End to end: the retail examples (crm, pos, digital_workplace) written as
ODPS v1.0.0 products with ODCS v3.1.0 contracts.

1. Every examples/retail/*/*.odcs.yaml validates against the official ODCS
   v3.1.0 JSON Schema (vendored in tests/data/odcs/, draft 2019-09), and a
   corrupted copy does not (so the check can fail).
2. `meshd product apply -f` provisions the three products: topics with the
   contract's partitions/retention/compaction, JSON Schemas generated from the
   ODCS properties, contracts (rules, freshness, completeness, on_violation),
   grants and PII classification in the entries; pos's input port resolves
   to crm's topic (lineage customer_profiles -> pos_transactions).
3. The whole mesh's AsyncAPI document validates with @asyncapi/parser.
"""
import json
import os
import sys
import unittest

import jsonschema
import yaml

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import SOURCE_DIR, Meshd, http  # noqa: E402
from products_e2e_util import (EXAMPLES, asyncapi_parser_installed, cli, product,  # noqa: E402
                               registry_versions, validate_asyncapi)

RETAIL = os.path.join(EXAMPLES, "retail")
ODCS_SCHEMA = os.path.join(SOURCE_DIR, "tests", "data", "odcs", "odcs-json-schema-v3.1.0.json")
PRODUCTS = [("crm", "customer_profiles"), ("pos", "pos_transactions"), ("digital_workplace", "workplace_events")]


def odcs_files():
    out = []
    for domain, _ in PRODUCTS:
        folder = os.path.join(RETAIL, domain)
        out += [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".odcs.yaml")]
    return out


class OdcsExamplesValidate(unittest.TestCase):
    def setUp(self):
        with open(ODCS_SCHEMA) as f:
            self.validator = jsonschema.Draft201909Validator(json.load(f))

    def test_every_contract_validates(self):
        files = odcs_files()
        self.assertEqual(len(files), 3)
        for path in files:
            with open(path) as f:
                doc = yaml.safe_load(f)
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in self.validator.iter_errors(doc)]
            self.assertEqual(errors, [], path)

    def test_a_broken_contract_does_not(self):
        with open(odcs_files()[0]) as f:
            doc = yaml.safe_load(f)
        doc["schema"][0]["properties"][0]["on_violation"] = "quarantine"  # not an ODCS key
        self.assertTrue(list(self.validator.iter_errors(doc)))


class RetailProvisioning(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Meshd().start()
        cls.applied = {}
        for domain, name in PRODUCTS:
            r = cli(cls.m, "product", "apply", "-f", os.path.join(RETAIL, domain, f"{name}.odps.yaml"))
            cls.applied[name] = r

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)

    def test_all_three_provision(self):
        for name, r in self.applied.items():
            self.assertEqual(r.returncode, 0, f"{name}: {r.stderr}")
            self.assertIn(f"data product {name}: created", r.stdout)
        listed = http("GET", f"{self.m.http}/v1/products").json()["products"]
        self.assertEqual(sorted(p["name"] for p in listed),
                         ["customer_profiles", "pos_transactions", "workplace_events"])

    def test_crm_profiles_compacted_keyed_and_pii(self):
        p = product(self.m, "customer_profiles")
        self.assertEqual(p["owner"], "crm-team")
        port = p["outputs"][0]
        self.assertEqual(port["topic"], "customer_profiles")
        self.assertEqual(port["key_field"], "customer_id")
        self.assertEqual(port["runtime"]["partitions"], 3)
        topic = http("GET", f"{self.m.http}/v1/topics/customer_profiles").json()
        self.assertIn("compact", json.dumps(topic))
        classified = port["contract"]["classified"]
        self.assertEqual([(c["field"], c["treatment"]) for c in classified], [("email", "mask")])
        grants = {g["domain"]: g for g in port["grants"]}
        self.assertTrue(grants["digital_workplace"]["pii"])
        self.assertFalse(grants["analytics"]["pii"])

    def test_pos_contract(self):
        p = product(self.m, "pos_transactions")
        port = p["outputs"][0]
        c = port["contract"]
        self.assertEqual(c["on_violation"], "quarantine")
        self.assertEqual(c["freshness_max_delay_ms"], 300000)
        self.assertAlmostEqual(c["completeness_min_ratio"], 0.999)
        rules = {r["field"]: r for r in c["rules"]}
        self.assertEqual(rules["amount"]["minimum"], 0)
        self.assertTrue(rules["transaction_id"]["required"])
        self.assertEqual(sorted(g["domain"] for g in port["grants"] if g["read"]), ["analytics", "crm"])
        schema = json.loads(port["schema"])
        self.assertEqual(schema["$schema"], "http://json-schema.org/draft-07/schema#")
        self.assertIn("items", schema["required"])
        self.assertEqual(registry_versions(self.m, "pos_transactions-value"), [1])
        self.assertEqual(p["inputs"][0]["topic"], "customer_profiles")
        self.assertEqual(p["inputs"][0]["product"], "customer_profiles")

    def test_workplace_ports_pick_their_schema_objects(self):
        reg = f"http://{self.m.endpoints['registry']}"
        r = http("GET", f"{reg}/subjects/employee_presence-value/versions/latest")
        self.assertEqual(r.status, 200)
        self.assertIn("offline", r.json()["schema"])

    def test_lineage_crm_to_pos(self):
        g = http("GET", f"{self.m.http}/v1/lineage?product=pos_transactions&direction=upstream").json()
        edges = {(e["from"], e["to"]) for e in g["edges"]}
        self.assertIn(("topic:customer_profiles", "topic:pos_transactions"), edges)
        self.assertIn(("product:customer_profiles", "topic:customer_profiles"), edges)

    def test_mesh_asyncapi_validates(self):
        doc = http("GET", f"{self.m.http}/v1/asyncapi").json()
        self.assertEqual(len(doc["channels"]), 5)
        binding = doc["channels"]["customer_profiles"]["bindings"]["kafka"]
        self.assertEqual(binding["topicConfiguration"]["cleanup.policy"], ["compact"])
        if not asyncapi_parser_installed():
            self.skipTest("npm @asyncapi/parser not installed (scripts/bootstrap --tests)")
        ok, out = validate_asyncapi(doc)
        self.assertTrue(ok, out)
        self.assertIn("valid: 5 channels", out)
        # A broken document is refused (the validator can fail).
        doc["channels"]["customer_profiles"]["address"] = 42
        ok, out = validate_asyncapi(doc)
        self.assertFalse(ok, out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
