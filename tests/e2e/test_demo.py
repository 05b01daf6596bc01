"""End to end: `meshd demo` (issue 7) runs the whole retail scenario on an
embedded server and every figure it prints agrees with the generator's own
reference answer: revenue equals the sum of the valid sales, the quarantine
holds exactly the malformed sales, every created customer got a workplace
user, the stalled presence producer is flagged, lineage covers the pipelines."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import MESHD_BIN, SOURCE_DIR  # noqa: E402


class DemoTest(unittest.TestCase):
    def test_demo_is_consistent(self):
        proc = subprocess.run(
            [MESHD_BIN, "demo", "--duration", "12", "--rate", "150", "--json",
             "--examples", os.path.join(SOURCE_DIR, "examples", "retail")],
            capture_output=True, text=True, timeout=240)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr[-3000:])
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertTrue(summary["consistent"], json.dumps(summary, indent=1))
        x = summary["expected"]
        for key in ("valid_sales", "malformed_sales", "valid_revenue", "customers_created",
                    "large_premium_purchases"):
            self.assertGreater(x[key], 0, key)
        sections = summary["sections"]
        text = "\n".join(line for lines in sections.values() for line in lines)
        self.assertIn("[matches]", text)
        self.assertNotIn("[MISMATCH]", text)
        lineage = "\n".join(next(v for k, v in sections.items() if k.startswith("lineage")))
        for edge in ("topic:pos_transactions -> pipeline:revenue_per_store_minute",
                     "pipeline:sales_enrichment -> table:enriched_sales",
                     "topic:customer_profiles -> pipeline:sales_enrichment",
                     "product:pos_transactions -> topic:pos_transactions",
                     "bus:retail -> rule:retail/provision-workplace",
                     "rule:retail/provision-workplace -> function:provision_workplace_user",
                     "rule:retail/crm-customer-profiles -> topic:customer_profiles"):
            self.assertIn(edge, lineage)
        revenue = next(v for k, v in sections.items() if k.startswith("revenue"))
        self.assertGreaterEqual(len(revenue), 2, revenue)  # at least one store row and the total

    def test_bad_examples_dir_is_a_clear_error(self):
        proc = subprocess.run([MESHD_BIN, "demo", "--examples", "/nonexistent"],
                              capture_output=True, text=True, timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("/nonexistent", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
