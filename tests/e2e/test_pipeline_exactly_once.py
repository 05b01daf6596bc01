"""Exactly-once effect of stream pipelines into the SQLite warehouse.

An enrichment pipeline (POS sales joined with CRM profiles, some profiles
arriving after the customer's first sales) and a windowed revenue pipeline
(tumbling 1 min per store, out-of-order and late sales) run while a producer
publishes; meshd is killed with SIGKILL at random points at least 10 times
and restarted. The final warehouse tables must equal a reference computed
here in Python, row for row; late sales must reach the side-output topic
with deterministic ids (duplicates after replays share the id).
"""
import json
import os
import random
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, http, wait_until  # noqa: E402

T0 = 1_700_000_040_000 - (1_700_000_040_000 % 60_000)
STORES = [f"s{i}" for i in range(6)]
WAIT_MS = 60_000

ENRICH = """
name: enrich
inputs: [pos_transactions]
checkpoint_interval: 50ms
operators:
  - join:
      table: crm_customer_profiles
      table_key: customer_id
      on: customer_id
      type: left
      wait: 60s
      time: ts
      out_of_orderness: 5s
      fields: [segment]
      prefix: customer_
outputs:
  - table: enriched_sales
    key: [transaction_id]
"""

REVENUE = """
name: revenue
inputs: [pos_transactions]
checkpoint_interval: 50ms
operators:
  - window:
      type: tumbling
      size: 1m
      key: [store_id]
      time: ts
      out_of_orderness: 5s
      late_output: late_sales
      aggregates:
        sales: count(*)
        revenue: sum(amount)
outputs:
  - table: revenue_per_store_minute
    key: [store_id, window_start]
"""


def generate(seed=1234, n=3000):
    rng = random.Random(seed)
    early = [f"c{i}" for i in range(20)]        # profile before any sale
    delayed = [f"c{i}" for i in range(20, 30)]  # profile after the first sales
    never = [f"c{i}" for i in range(30, 40)]    # no profile: NULL segment
    segment = {c: rng.choice(["premium", "standard", "basic"]) for c in early + delayed}
    sales, clock = [], T0
    for i in range(n):
        clock += rng.randint(50, 400)
        late = i > 300 and rng.random() < 0.02
        if late:
            # Far behind every partition's watermark, and only customers whose
            # profile status cannot change meanwhile (see README: replays).
            ts = clock - 600_000 - rng.randint(0, 60_000)
            customer = rng.choice(early + never)
        else:
            ts = clock - rng.randint(0, 3000)
            customer = rng.choice(early + delayed + never)
        sales.append({"transaction_id": f"T{i}", "store_id": rng.choice(STORES), "customer_id": customer,
                      "amount": round(rng.uniform(1, 300), 2), "ts": ts, "late": late})
    # Flush: one far-future sale per store moves every watermark past the
    # real windows (their own windows stay open and are not compared).
    for s in STORES:
        sales.append({"transaction_id": f"F-{s}", "store_id": s, "customer_id": "c0", "amount": 0.0,
                      "ts": clock + 600_000, "late": False, "flush": True})
    first = {}
    for i, s in enumerate(sales):
        first.setdefault(s["customer_id"], i)
    # The producer publishes each delayed profile just before this sale index.
    # (clamped so that it is published before the flush sales).
    profile_at = {c: min(first.get(c, 0) + rng.randint(1, 15), n - 1) for c in delayed}
    return sales, segment, early, profile_at


def reference(sales, segment):
    enriched = {}
    for s in sales:
        if s.get("flush") and s["customer_id"] not in segment:
            continue
        enriched[s["transaction_id"]] = (s["store_id"], s["customer_id"], s["amount"], segment.get(s["customer_id"]))
    revenue = {}
    for s in sales:
        if s["late"] or s.get("flush"):
            continue
        start = s["ts"] - (s["ts"] % 60_000)
        cnt, total = revenue.get((s["store_id"], start), (0, 0.0))
        revenue[(s["store_id"], start)] = (cnt + 1, total + s["amount"])
    return enriched, revenue


def event(kind, i, data, key):
    return {"specversion": "1.0", "id": f"{kind}-{i}", "source": "/tests/pipeline", "type": kind,
            "datacontenttype": "application/json", "partitionkey": key, "data": data}


class Producer(threading.Thread):
    """Publishes profiles and sales in order; retries a batch (same CloudEvent
    ids, so the server's idempotence window drops repeats) while meshd is down."""

    def __init__(self, meshd, sales, segment, early, profile_at):
        super().__init__(daemon=True)
        self.meshd, self.sales, self.segment = meshd, sales, segment
        self.early, self.profile_at = early, profile_at
        self.error = None
        self.done = threading.Event()

    def post(self, topic, events):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                r = http("POST", f"{self.meshd.http}/v1/topics/{topic}/events", json.dumps(events),
                         {"Content-Type": "application/cloudevents-batch+json"}, timeout=5)
                if r.status in (200, 201):
                    return
            except Exception:  # connection refused/reset while meshd is down
                pass
            time.sleep(0.05)
        raise AssertionError(f"could not publish to {topic} within 60 s")

    def profile(self, c):
        return event("CustomerProfile", c, {"customer_id": c, "segment": self.segment[c]}, c)

    def run(self):
        try:
            self.post("crm_customer_profiles", [self.profile(c) for c in self.early])
            batch = []
            for i, s in enumerate(self.sales):
                for c, at in self.profile_at.items():
                    if at == i:
                        if batch:
                            self.post("pos_transactions", batch)
                            batch = []
                        self.post("crm_customer_profiles", [self.profile(c)])
                data = {k: v for k, v in s.items() if k not in ("late", "flush")}
                batch.append(event("SaleCompleted", s["transaction_id"], data, s["store_id"]))
                if len(batch) == 25:
                    self.post("pos_transactions", batch)
                    batch = []
                    time.sleep(0.06)
            if batch:
                self.post("pos_transactions", batch)
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            self.done.set()


def query(m, sql):
    r = http("GET", f"{m.http}/v1/query?sql=" + urllib_quote(sql))
    return r.json()["rows"] if r.status == 200 else None


def urllib_quote(s):
    import urllib.parse
    return urllib.parse.quote(s, safe="")


class ExactlyOnceTest(unittest.TestCase):
    def test_kill9_during_production_gives_the_reference_tables(self):
        work = tempfile.mkdtemp(prefix="meshd-e2e-eo-")
        files = []
        for name, text in (("enrich.yaml", ENRICH), ("revenue.yaml", REVENUE)):
            path = os.path.join(work, name)
            with open(path, "w") as f:
                f.write(text)
            files += ["--pipeline", path]
        os.makedirs(os.path.join(work, "data"))
        m = Meshd(data_dir=os.path.join(work, "data"), extra_args=files).start()
        try:
            self.assertEqual(http("POST", f"{m.http}/v1/topics", {"name": "pos_transactions", "partitions": 3}).status, 201)
            self.assertEqual(http("POST", f"{m.http}/v1/topics", {"name": "crm_customer_profiles", "partitions": 1}).status, 201)
            sales, segment, early, profile_at = generate()
            exp_enriched, exp_revenue = reference(sales, segment)
            producer = Producer(m, sales, segment, early, profile_at)
            producer.start()
            rng = random.Random(7)
            kills = 0
            while kills < 10 or not producer.done.is_set():
                time.sleep(rng.uniform(0.2, 0.9))
                m.kill9()
                kills += 1
                m.start()
                if kills > 40:
                    break
            producer.join(timeout=120)
            self.assertIsNone(producer.error)
            self.assertGreaterEqual(kills, 10)
            print(f"killed meshd {kills} times", flush=True)

            def enriched_rows():
                rows = query(m, "SELECT transaction_id, store_id, customer_id, amount, customer_segment "
                                "FROM enriched_sales")
                return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows} if rows is not None else None

            def revenue_rows():
                rows = query(m, "SELECT store_id, window_start, sales, revenue FROM revenue_per_store_minute")
                if rows is None:
                    return None
                return {(r[0], r[1]): (r[2], round(r[3], 6)) for r in rows}

            exp_rev = {k: (v[0], round(v[1], 6)) for k, v in exp_revenue.items()}
            wait_until(lambda: enriched_rows() == exp_enriched, timeout=60, what="enriched_sales = reference")
            wait_until(lambda: revenue_rows() == exp_rev, timeout=60, what="revenue table = reference")
            # One more crash after the end changes nothing.
            m.kill9()
            m.start()
            time.sleep(0.5)
            self.assertEqual(enriched_rows(), exp_enriched)
            self.assertEqual(revenue_rows(), exp_rev)
            self.assertGreater(sum(1 for v in exp_enriched.values() if v[3] is None), 50)
            self.assertGreater(len(exp_rev), 50)
            # Late sales reach the side output; replays may repeat a record,
            # always with the same deterministic id.
            late_ids = {s["transaction_id"] for s in sales if s["late"]}

            def late_seen():
                seen = set()
                ids = {}
                for p in range(3):
                    offset = 0
                    while True:
                        r = http("GET", f"{m.http}/v1/topics/late_sales/events?partition={p}"
                                        f"&offset={offset}&max=500&wait_ms=0")
                        if r.status != 200:
                            return None
                        body = r.json()
                        if not body["events"]:
                            break
                        for item in body["events"]:
                            ev = item["event"]
                            tid = ev["data"]["transaction_id"]
                            # A replayed duplicate carries the id of the first copy.
                            if ids.setdefault(ev["id"], tid) != tid:
                                return "id reused for another sale: " + ev["id"]
                            seen.add(tid)
                        offset = body["next_offset"]
                return seen

            wait_until(lambda: late_seen() == late_ids, timeout=30, what="late sales on the side output")
            self.assertGreater(len(late_ids), 20)
            d = http("GET", f"{m.http}/v1/pipelines/revenue").json()
            self.assertEqual(len(d["tasks"]), 3)
        finally:
            m.stop()
            import shutil
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
