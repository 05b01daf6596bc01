"""End to end: federated governance and safe provisioning.

- A product that violates the global policy (`meshd serve --policy FILE`) is
  refused at create time with EVERY violated rule listed (CLI and HTTP 422
  POLICY_VIOLATION), and nothing is created: no topic, no schema, no entry.
- Re-applying with an incompatible schema is refused with the registry's
  reasons; --dry-run shows the diff and changes nothing.
- A provisioning step that fails midway (the registry refuses the second
  port's subject) leaves nothing half-provisioned.
"""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, http  # noqa: E402
from products_e2e_util import cli, product, registry_versions, topic_exists  # noqa: E402

POLICY = """kind: GovernancePolicy
rules:
  require_owner: true
  require_description: true
  pii_requires_treatment: true
  topic_name_pattern: "^[a-z][a-z0-9_]*$"
  max_retention: 30d
  allowed_domains: [crm, pos, digital_workplace, analytics]
"""

AVRO_V1 = '{"type":"record","name":"Sale","fields":[{"name":"id","type":"string"}]}'
AVRO_V2 = ('{"type":"record","name":"Sale","fields":[{"name":"id","type":"string"},'
           '{"name":"note","type":["null","string"],"default":null}]}')
AVRO_BAD = ('{"type":"record","name":"Sale","fields":[{"name":"id","type":"string"},'
            '{"name":"store","type":"string"}]}')


def write(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class Governance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="meshd-gov-")
        policy = write(cls.tmp.name, "policy.yaml", POLICY)
        cls.m = Meshd(extra_args=["--policy", policy]).start()

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)
        cls.tmp.cleanup()

    def folder(self, name):
        d = os.path.join(self.tmp.name, name)
        os.makedirs(d, exist_ok=True)
        return d

    def test_policy_violation_lists_every_rule_and_creates_nothing(self):
        d = self.folder("bad")
        write(d, "s.json", '{"type":"object","properties":{"email":{"type":"string"}}}')
        desc = write(d, "bad.yaml", """data_product:
  name: leaky_orders
  domain: marketing
  output_port:
    name: Leaky-Orders
    schema: s.json
    retention: forever
    pii: {email: ""}
""")
        r = cli(self.m, "create-data-product", "--config", desc)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("POLICY_VIOLATION", r.stderr)
        for rule in ["require_owner", "require_description", "pii_requires_treatment", "topic_name_pattern",
                     "max_retention", "allowed_domains"]:
            self.assertIn(f"[{rule}]", r.stderr)
        self.assertFalse(topic_exists(self.m, "Leaky-Orders"))
        self.assertEqual(registry_versions(self.m, "Leaky-Orders-value"), [])
        self.assertIsNone(product(self.m, "leaky_orders"))
        # Same over HTTP: 422 with the list.
        with open(desc) as f, open(os.path.join(d, "s.json")) as s:
            bundle = {"file": "bad.yaml", "content": f.read(), "files": {"s.json": s.read()}}
        h = http("POST", f"{self.m.http}/v1/products", bundle)
        self.assertEqual(h.status, 422)
        body = h.json()
        self.assertEqual(body["error_code"], "POLICY_VIOLATION")
        self.assertEqual(len(body["violations"]), 6, body)
        self.assertIsNone(product(self.m, "leaky_orders"))

    def test_policy_api(self):
        got = http("GET", f"{self.m.http}/v1/policies").json()
        self.assertTrue(got["rules"]["require_owner"])
        bad = http("PUT", f"{self.m.http}/v1/policies", "rules:\n  require_ownr: true\n")
        self.assertEqual(bad.status, 400)
        self.assertIn("require_ownr", bad.json()["message"])

    def test_incompatible_update_dry_run_and_diff(self):
        d = self.folder("sales")
        write(d, "sale.avsc", AVRO_V1)
        desc = write(d, "sales.yaml", """data_product:
  name: store_sales
  domain: pos
  owner: pos-team
  description: Sales per store
  output_port:
    name: store_sales
    schema: sale.avsc
""")
        r = cli(self.m, "product", "apply", "-f", desc)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Incompatible: a new required field without default.
        write(d, "sale.avsc", AVRO_BAD)
        r = cli(self.m, "product", "apply", "-f", desc)
        self.assertEqual(r.returncode, 1)
        self.assertIn("SCHEMA_INCOMPATIBLE", r.stderr)
        self.assertIn("store", r.stderr)
        self.assertEqual(registry_versions(self.m, "store_sales-value"), [1])
        # Dry run of a compatible change plus more partitions: diff only.
        write(d, "sale.avsc", AVRO_V2)
        with open(desc, "a") as f:
            f.write("    partitions: 4\n")
        r = cli(self.m, "product", "apply", "-f", desc, "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("dry run: data product store_sales would be updated; nothing was changed", r.stdout)
        self.assertIn("~ outputs.store_sales.partitions: 1 -> 4", r.stdout)
        self.assertIn("outputs.store_sales.schema", r.stdout)
        self.assertEqual(registry_versions(self.m, "store_sales-value"), [1])
        self.assertEqual(len(http("GET", f"{self.m.http}/v1/topics/store_sales").json()["partitions"]), 1)
        # The real update shows the same diff, then applies it.
        r = cli(self.m, "product", "apply", "-f", desc)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("data product store_sales: updated", r.stdout)
        self.assertIn("~ outputs.store_sales.partitions: 1 -> 4", r.stdout)
        self.assertEqual(registry_versions(self.m, "store_sales-value"), [1, 2])
        self.assertEqual(product(self.m, "store_sales")["outputs"][0]["schema_version"], 2)

    def test_failed_apply_leaves_nothing_half_provisioned(self):
        d = self.folder("twoports")
        write(d, "a.avsc", AVRO_V1)
        write(d, "b.avsc", AVRO_V1)
        desc = write(d, "two.yaml", """data_product:
  name: two_ports
  domain: analytics
  owner: analytics-team
  description: Two ports, the second cannot register
  output_ports:
    - {name: two_ports_a, schema: a.avsc}
    - {name: two_ports_b, schema: b.avsc}
""")
        reg = f"http://{self.m.endpoints['registry']}"
        ct = {"Content-Type": "application/vnd.schemaregistry.v1+json"}
        m = http("PUT", f"{reg}/mode/two_ports_b-value?force=true", '{"mode": "READONLY"}', headers=ct)
        self.assertEqual(m.status, 200, m)
        r = cli(self.m, "create-data-product", "--config", desc)
        self.assertEqual(r.returncode, 1)
        self.assertIn("PROVISIONING_FAILED", r.stderr)
        self.assertIn("undone: deleted topic two_ports_a", r.stderr)
        for t in ["two_ports_a", "two_ports_b"]:
            self.assertFalse(topic_exists(self.m, t), t)
        self.assertEqual(registry_versions(self.m, "two_ports_a-value"), [])
        self.assertIsNone(product(self.m, "two_ports"))
        # With the registry writable again the same file provisions.
        http("DELETE", f"{reg}/mode/two_ports_b-value", headers=ct)
        r = cli(self.m, "create-data-product", "--config", desc)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(topic_exists(self.m, "two_ports_b"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
