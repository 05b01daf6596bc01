"""Pipelines over HTTP (POST/GET/DELETE /v1/pipelines, persisted across a
restart) and warehouse queries through `meshd query` and GET /v1/query:
table/JSON/CSV output and the read-only guard."""
import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, http, run_cli, wait_until  # noqa: E402

PIPELINE = """
name: big_orders
inputs: [orders]
checkpoint_interval: 50ms
operators:
  - filter: "amount >= 100"
  - map:
      select: [order_id, region, amount]
      compute:
        size: "CASE WHEN amount >= 500 THEN 'xl' ELSE 'l' END"
        region_code: "upper(substr(region, 1, 2))"
outputs:
  - table: big_orders
    key: [order_id]
"""


def publish(m, orders):
    events = [{"specversion": "1.0", "id": f"o-{o['order_id']}", "source": "/tests/orders", "type": "Order",
               "datacontenttype": "application/json", "data": o} for o in orders]
    r = http("POST", f"{m.http}/v1/topics/orders/events", json.dumps(events),
             {"Content-Type": "application/cloudevents-batch+json"})
    assert r.status in (200, 201), r


class PipelineQueryTest(unittest.TestCase):
    def test_pipeline_api_and_query(self):
        with Meshd() as m:
            self.assertEqual(http("POST", f"{m.http}/v1/topics", {"name": "orders", "partitions": 2}).status, 201)
            bad = http("POST", f"{m.http}/v1/pipelines", "name: x\ninputs: [orders]\noutputs: [{table: t}]\n"
                                                           "operators: [{filter: 'amount >'}]")
            self.assertEqual(bad.status, 400)
            self.assertEqual(bad.json()["error_code"], "INVALID_PIPELINE")
            self.assertIn("operators[0].filter", bad.json()["message"])
            r = http("POST", f"{m.http}/v1/pipelines", PIPELINE, {"Content-Type": "application/yaml"})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(http("POST", f"{m.http}/v1/pipelines", PIPELINE + "# v2\n").status, 409)
            orders = [{"order_id": i, "region": ["north", "south", "east"][i % 3], "amount": (i * 37) % 700}
                      for i in range(300)]
            publish(m, orders)
            expected = sorted([o["order_id"], o["region"], o["amount"], "xl" if o["amount"] >= 500 else "l",
                               o["region"][:2].upper()] for o in orders if o["amount"] >= 100)

            def rows():
                p = run_cli("query", "SELECT order_id, region, amount, size, region_code FROM big_orders "
                                     "ORDER BY order_id", "--json", server=m.http)
                return json.loads(p.stdout)["rows"] if p.returncode == 0 else None

            wait_until(lambda: rows() == expected, timeout=30, what="big_orders filled")

            table = run_cli("query", "SELECT region, count(*) AS n, sum(amount) AS total FROM big_orders "
                                     "GROUP BY region ORDER BY region", server=m.http)
            self.assertEqual(table.returncode, 0, table.stderr)
            lines = table.stdout.splitlines()
            self.assertEqual([c.strip() for c in lines[0].split("|")], ["region", "n", "total"])
            self.assertEqual(lines[-1], "(3 rows)")
            self.assertIn("east", table.stdout)
            csv = run_cli("query", "SELECT order_id, region FROM big_orders ORDER BY order_id LIMIT 2",
                          "--csv", server=m.http)
            self.assertEqual(csv.returncode, 0)
            self.assertEqual(csv.stdout.splitlines()[0], "order_id,region")
            self.assertEqual(len(csv.stdout.splitlines()), 3)

            # Read-only: writes are refused over HTTP and in the CLI.
            for sql in ("DELETE FROM big_orders", "DROP TABLE big_orders", "SELECT 1; DELETE FROM big_orders",
                        "UPDATE big_orders SET amount = 0"):
                r = http("GET", f"{m.http}/v1/query?sql=" + urllib.parse.quote(sql))
                self.assertEqual(r.status, 400, sql)
                self.assertEqual(r.json()["error_code"], "READ_ONLY", sql)
            cli = run_cli("query", "DELETE FROM big_orders", server=m.http)
            self.assertEqual(cli.returncode, 2)
            self.assertIn("READ_ONLY", cli.stderr)
            bad_sql = http("GET", f"{m.http}/v1/query?sql=" + urllib.parse.quote("SELECT * FROM nowhere"))
            self.assertEqual(bad_sql.status, 400)
            self.assertEqual(bad_sql.json()["error_code"], "BAD_SQL")
            self.assertEqual(http("GET", f"{m.http}/v1/query").json()["error_code"], "BAD_SQL")
            self.assertEqual(len(rows()), len(expected))  # nothing was deleted

            listed = http("GET", f"{m.http}/v1/pipelines").json()["pipelines"]
            self.assertEqual([p["name"] for p in listed], ["big_orders"])
            one = http("GET", f"{m.http}/v1/pipelines/big_orders").json()
            self.assertEqual(len(one["tasks"]), 2)
            self.assertIn("definition", one)

            # Persisted: back after a restart, and it resumes (no reprocessing).
            m.restart()
            self.assertEqual([p["name"] for p in http("GET", f"{m.http}/v1/pipelines").json()["pipelines"]],
                             ["big_orders"])
            publish(m, [{"order_id": 1000, "region": "west", "amount": 999}])
            wait_until(lambda: rows() is not None and len(rows()) == len(expected) + 1, timeout=30,
                       what="new order after restart")
            self.assertEqual(http("DELETE", f"{m.http}/v1/pipelines/big_orders").status, 200)
            self.assertEqual(http("GET", f"{m.http}/v1/pipelines/big_orders").status, 404)
            self.assertEqual(http("DELETE", f"{m.http}/v1/pipelines/big_orders").json()["error_code"],
                             "PIPELINE_NOT_FOUND")
            # The warehouse table stays queryable after the pipeline is gone.
            self.assertEqual(len(rows()), len(expected) + 1)


if __name__ == "__main__":
    unittest.main()
