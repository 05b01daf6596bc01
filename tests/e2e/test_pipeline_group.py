"""Two meshd processes split one pipeline's partitions through a consumer group.

One "broker" meshd holds a 4-partition input topic (its Kafka listener is the
shared broker). Two "worker" meshds run the same pipeline with
--pipeline-brokers pointing at it: they join the group __pipeline.<name>, the
range assignor gives each 2 partitions, and each writes the rows of its
partitions into its own SQLite warehouse. The union of the two tables must
equal a Python reference. Then one worker is killed with SIGKILL: the
survivor must take over all 4 partitions (replaying the moved ones from the
beginning, since task state is local), and after more events its table alone
must equal the reference over every event.
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

# The join table (customers, 1 partition on the broker) is read whole by
# every task; `wait` holds an order until its customer's row has arrived, so
# the result does not depend on fetch timing.
PIPELINE = """
name: grouped_orders
inputs: [orders]
checkpoint_interval: 100ms
operators:
  - filter: "amount >= 0"
  - join:
      table: customers
      table_key: customer
      on: customer
      type: left
      wait: 10m
      time: ts
      fields: [segment]
  - map:
      select: [order_id, customer, amount, segment]
      compute: {doubled: "amount * 2", part: "$partition"}
outputs:
  - table: order_rows
    key: [order_id]
  - topic: order_rows_out
    key: customer
"""
CUSTOMERS = [f"cust-{i}" for i in range(24)]
SEGMENT = {c: ("gold" if i % 3 == 0 else "basic") for i, c in enumerate(CUSTOMERS)}
T0 = 1_700_000_000_000


def events(start, n):
    out = []
    for i in range(start, start + n):
        c = CUSTOMERS[i % len(CUSTOMERS)]
        amount = (i * 7) % 100 - (5 if i % 31 == 0 else 0)  # a few negatives are filtered out
        out.append({"specversion": "1.0", "id": f"order-{i}", "source": "/tests/group", "type": "OrderPlaced",
                    "datacontenttype": "application/json", "partitionkey": c,
                    "data": {"order_id": f"o{i}", "customer": c, "amount": amount, "note": "x",
                             "ts": T0 + i * 10}})
    return out


def publish(broker, evs, topic="orders"):
    """Publishes to the broker; returns {order_id: partition}."""
    r = http("POST", f"{broker.http}/v1/topics/{topic}/events", json.dumps(evs),
             {"Content-Type": "application/cloudevents-batch+json"})
    assert r.status in (200, 201), r
    return {e["data"].get("order_id"): res["partition"] for e, res in zip(evs, r.json()["results"])}


def profiles():
    return [{"specversion": "1.0", "id": f"profile-{c}", "source": "/tests/group", "type": "Customer",
             "datacontenttype": "application/json", "partitionkey": c,
             "data": {"customer": c, "segment": SEGMENT[c]}} for c in CUSTOMERS]


def reference(evs, partition_of):
    return {e["data"]["order_id"]: (e["data"]["customer"], float(e["data"]["amount"] * 2),
                                    partition_of[e["data"]["order_id"]], SEGMENT[e["data"]["customer"]])
            for e in evs if e["data"]["amount"] >= 0}


def table(worker):
    sql = "SELECT order_id, customer, doubled, part, segment FROM order_rows"
    r = http("GET", f"{worker.http}/v1/query?sql=" + urllib.parse.quote(sql, safe=""))
    if r.status != 200:
        return {}  # not created yet
    return {row[0]: (row[1], float(row[2]), int(row[3]), row[4]) for row in r.json()["rows"]}


def topic_outputs(broker):
    """{CloudEvent id: order_id} of the output topic on the broker (all partitions)."""
    d = http("GET", f"{broker.http}/v1/topics/order_rows_out")
    if d.status != 200:
        return {}
    seen = {}
    for p in range(len(d.json()["partitions"])):
        offset = 0
        while True:
            r = http("GET", f"{broker.http}/v1/topics/order_rows_out/events?partition={p}"
                            f"&offset={offset}&max=500&wait_ms=0")
            if r.status != 200:
                return {}
            body = r.json()
            if not body["events"]:
                break
            for item in body["events"]:
                ev = item["event"]
                # A replay appends a record again with the same id: same order.
                assert seen.setdefault(ev["id"], ev["data"]["order_id"]) == ev["data"]["order_id"], ev
            offset = body["next_offset"]
    return seen


def running(worker):
    r = http("GET", f"{worker.http}/v1/pipelines/grouped_orders")
    if r.status != 200:
        return None
    return r.json()


def partitions(worker):
    d = running(worker)
    return sorted(d.get("partitions", [])) if d else None


class PipelineGroupTest(unittest.TestCase):
    def test_two_workers_split_partitions_and_the_survivor_takes_over(self):
        work = tempfile.mkdtemp(prefix="meshd-e2e-group-")
        spec = os.path.join(work, "grouped.yaml")
        with open(spec, "w") as f:
            f.write(PIPELINE)
        broker = Meshd(data_dir=os.path.join(work, "broker"), listeners=("http", "kafka"),
                       extra_args=["--registry", "off"])
        os.makedirs(broker.data_dir)
        broker.start()
        workers = []
        try:
            self.assertEqual(http("POST", f"{broker.http}/v1/topics", {"name": "orders", "partitions": 4}).status, 201)
            self.assertEqual(http("POST", f"{broker.http}/v1/topics", {"name": "customers", "partitions": 1}).status, 201)
            publish(broker, profiles(), topic="customers")
            for name in ("a", "b"):
                d = os.path.join(work, name)
                os.makedirs(d)
                w = Meshd(data_dir=d, listeners=("http",),
                          extra_args=["--kafka", "off", "--registry", "off", "--pipeline", spec,
                                      "--pipeline-brokers", broker.kafka])
                workers.append(w.start())
            a, b = workers

            # The range assignor splits 4 partitions 2 + 2.
            def split():
                pa, pb = partitions(a), partitions(b)
                return (pa, pb) if pa is not None and pb is not None and len(pa) == 2 and len(pb) == 2 else None

            pa, pb = wait_until(split, timeout=40, interval=0.2, what="each worker runs 2 partitions")
            self.assertEqual(sorted(pa + pb), [0, 1, 2, 3])
            da = running(a)
            self.assertEqual(da["group"]["id"], "__pipeline.grouped_orders")
            self.assertEqual(sorted(t["partition"] for t in da["tasks"]), pa)

            first = events(0, 240)
            part_of = publish(broker, first)
            self.assertEqual(set(part_of.values()), {0, 1, 2, 3}, "events reach every partition")
            expected = reference(first, part_of)

            def union_ok():
                ta, tb = table(a), table(b)
                return (ta, tb) if {**ta, **tb} == expected else None

            ta, tb = wait_until(union_ok, timeout=30, interval=0.2, what="union of both tables = reference")
            # Each worker wrote only the rows of its own partitions, and both wrote some.
            self.assertTrue(ta and tb)
            self.assertEqual({v[2] for v in ta.values()}, set(pa))
            self.assertEqual({v[2] for v in tb.values()}, set(pb))
            self.assertEqual(len(ta) + len(tb), len(expected))

            # kill -9 worker b: after its session times out, a runs everything.
            b.kill9()
            wait_until(lambda: partitions(a) == [0, 1, 2, 3], timeout=40, interval=0.2,
                       what="the survivor runs all 4 partitions")
            second = events(240, 160)
            part_of.update(publish(broker, second))
            expected_all = reference(first + second, part_of)
            self.assertGreater(len(expected_all), len(expected))
            wait_until(lambda: table(a) == expected_all, timeout=30, interval=0.2,
                       what="the survivor's table = reference over all events")
            # Topic outputs went to the broker: one per kept order (duplicates
            # from the moved partitions' replay share their id).
            wait_until(lambda: sorted(topic_outputs(broker).values()) == sorted(expected_all), timeout=30,
                       interval=0.2, what="topic outputs on the broker = reference")
            # Checkpoints commit the group's offsets on the broker (lag tools).
            def lags():
                r = http("GET", f"{broker.http}/v1/topics/orders/groups/__pipeline.grouped_orders")
                return [o["lag"] for o in r.json()["offsets"]] if r.status == 200 else None

            wait_until(lambda: lags() == [0, 0, 0, 0], timeout=20, interval=0.2, what="group lag 0 on the broker")
            d = running(a)
            self.assertGreaterEqual(d["group"]["rebalances"], 2)
            self.assertEqual(sorted(t["partition"] for t in d["tasks"]), [0, 1, 2, 3])
        finally:
            for w in workers:
                if w.proc and w.proc.poll() is None:
                    w.stop()
            broker.stop()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
