"""Pipeline metrics on GET /metrics (issue #7): after N events are published
to a 2-partition input, meshd_pipeline_records_in_total sums to N over the
pipeline's partitions, meshd_pipeline_input_lag_records goes to 0 for each,
the families carry the right # TYPE, and every series labelled with the
pipeline disappears after DELETE /v1/pipelines/{name}. With two processes
splitting a pipeline through its consumer group (--pipeline-brokers), each
shows its share of the tasks, its rebalances and lag 0.

The exposition text is parsed line by line (name, labels, value), not
searched for substrings. Runs against $MESHD_BIN.
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from meshd_harness import Meshd, http, wait_until  # noqa: E402

PIPELINE = """
name: order_totals
inputs: [orders]
checkpoint_interval: 50ms
operators:
  - map:
      select: [order_id, amount]
outputs:
  - table: order_totals
    key: [order_id]
"""

N = 150


def parse_exposition(text):
    """Returns (types, samples): {family: type} from # TYPE lines, and a list
    of (name, {label: value}, float) for every sample line."""
    types, samples = {}, []
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3]
            continue
        head, _, value = line.rpartition(" ")
        name, labels = head, {}
        if "{" in head:
            name, body = head.split("{", 1)
            assert body.endswith("}"), line
            body = body[:-1]
            i = 0
            while i < len(body):
                eq = body.index("=", i)
                key = body[i:eq]
                assert body[eq + 1] == '"', line
                j, val = eq + 2, []
                while body[j] != '"':
                    if body[j] == "\\":
                        j += 1
                        val.append({"n": "\n"}.get(body[j], body[j]))
                    else:
                        val.append(body[j])
                    j += 1
                labels[key] = "".join(val)
                i = j + 1
                if i < len(body):
                    assert body[i] == ",", line
                    i += 1
        samples.append((name, labels, float(value)))
    return types, samples


def scrape(m):
    r = http("GET", f"{m.http}/metrics")
    assert r.status == 200, r
    return parse_exposition(r.body.decode())


def series(samples, name, **match):
    return [(labels, v) for n, labels, v in samples
            if n == name and all(labels.get(k) == val for k, val in match.items())]


class PipelineMetricsE2E(unittest.TestCase):
    def test_records_lag_and_cleanup(self):
        with Meshd() as m:
            self.assertEqual(http("POST", f"{m.http}/v1/topics", {"name": "orders", "partitions": 2}).status, 201)
            r = http("POST", f"{m.http}/v1/pipelines", PIPELINE, {"Content-Type": "application/yaml"})
            self.assertEqual(r.status, 201, r)
            events = [{"specversion": "1.0", "id": f"o-{i}", "source": "/tests/orders", "type": "Order",
                       "partitionkey": f"k{i}", "datacontenttype": "application/json",
                       "data": {"order_id": i, "amount": i * 3}} for i in range(N)]
            r = http("POST", f"{m.http}/v1/topics/orders/events", json.dumps(events),
                     {"Content-Type": "application/cloudevents-batch+json"})
            self.assertIn(r.status, (200, 201), r)

            def settled():
                _, s = scrape(m)
                ins = series(s, "meshd_pipeline_records_in_total", pipeline="order_totals")
                lags = series(s, "meshd_pipeline_input_lag_records", pipeline="order_totals", topic="orders")
                done = (sum(v for _, v in ins) == N and len(lags) == 2 and all(v == 0 for _, v in lags))
                return done and s

            s = wait_until(settled, timeout=30, interval=0.1, what="records_in == N and lag 0")
            types, _ = scrape(m)
            for family, kind in [("meshd_pipeline_records_in_total", "counter"),
                                 ("meshd_pipeline_records_out_total", "counter"),
                                 ("meshd_pipeline_decode_errors_total", "counter"),
                                 ("meshd_pipeline_late_events_total", "counter"),
                                 ("meshd_pipeline_checkpoints_total", "counter"),
                                 ("meshd_pipeline_checkpoint_seconds", "histogram"),
                                 ("meshd_pipeline_input_lag_records", "gauge"),
                                 ("meshd_pipeline_tasks", "gauge"),
                                 ("meshd_pipeline_up", "gauge")]:
                self.assertEqual(types.get(family), kind, family)
            ins = series(s, "meshd_pipeline_records_in_total", pipeline="order_totals")
            self.assertEqual(sorted(labels["partition"] for labels, _ in ins), ["0", "1"])
            self.assertTrue(all(v > 0 for _, v in ins), ins)  # the events were spread over both partitions
            self.assertEqual(series(s, "meshd_pipeline_tasks", pipeline="order_totals")[0][1], 2)
            self.assertEqual(series(s, "meshd_pipeline_up", pipeline="order_totals")[0][1], 1)
            self.assertEqual(sum(v for _, v in series(s, "meshd_pipeline_decode_errors_total",
                                                      pipeline="order_totals")), 0)
            # Outputs are counted at checkpoints: every record, once the last one is durable.
            wait_until(lambda: sum(v for _, v in series(scrape(m)[1], "meshd_pipeline_records_out_total",
                                                        pipeline="order_totals")) == N,
                       timeout=30, interval=0.1, what="records_out == N")
            _, s = scrape(m)
            self.assertGreaterEqual(sum(v for _, v in series(s, "meshd_pipeline_checkpoints_total",
                                                             pipeline="order_totals")), 2)
            self.assertGreaterEqual(series(s, "meshd_pipeline_checkpoint_seconds_count",
                                           pipeline="order_totals")[0][1], 2)
            self.assertEqual(series(s, "meshd_pipeline_rebalances_total"), [])  # no group without brokers

            self.assertEqual(http("DELETE", f"{m.http}/v1/pipelines/order_totals").status, 200)
            _, s = scrape(m)
            left = [(n, labels) for n, labels, _ in s if labels.get("pipeline") == "order_totals"]
            self.assertEqual(left, [])
            self.assertEqual([n for n, _, _ in s if n.startswith("meshd_pipeline_")], [])

    def test_group_split_is_visible(self):
        """Two processes splitting a 4-partition pipeline through the consumer
        group: each shows its share in meshd_pipeline_tasks, its rebalances,
        and its lag (from librdkafka's high watermarks) going to 0."""
        work = tempfile.mkdtemp(prefix="meshd-e2e-pmetrics-")
        spec = os.path.join(work, "p.yaml")
        with open(spec, "w") as f:
            f.write(PIPELINE)
        broker = Meshd(data_dir=os.path.join(work, "broker"), listeners=("http", "kafka"),
                       extra_args=["--registry", "off"])
        os.makedirs(broker.data_dir)
        workers = []
        try:
            broker.start()
            self.assertEqual(http("POST", f"{broker.http}/v1/topics", {"name": "orders", "partitions": 4}).status, 201)
            for name in ("a", "b"):
                d = os.path.join(work, name)
                os.makedirs(d)
                workers.append(Meshd(data_dir=d, listeners=("http",),
                                     extra_args=["--kafka", "off", "--registry", "off", "--pipeline", spec,
                                                 "--pipeline-brokers", broker.kafka]).start())

            def tasks(w):
                found = series(scrape(w)[1], "meshd_pipeline_tasks", pipeline="order_totals")
                return found[0][1] if found else None

            wait_until(lambda: [tasks(w) for w in workers] == [2, 2], timeout=40, interval=0.2,
                       what="each worker runs 2 of the 4 partitions")
            events = [{"specversion": "1.0", "id": f"o-{i}", "source": "/tests/orders", "type": "Order",
                       "partitionkey": f"k{i}", "datacontenttype": "application/json",
                       "data": {"order_id": i, "amount": i}} for i in range(N)]
            r = http("POST", f"{broker.http}/v1/topics/orders/events", json.dumps(events),
                     {"Content-Type": "application/cloudevents-batch+json"})
            self.assertIn(r.status, (200, 201), r)

            def all_read():
                total, lags = 0, []
                for w in workers:
                    _, s = scrape(w)
                    total += sum(v for _, v in series(s, "meshd_pipeline_records_in_total", pipeline="order_totals"))
                    lags += [v for _, v in series(s, "meshd_pipeline_input_lag_records", pipeline="order_totals")]
                return total == N and len(lags) == 4 and all(v == 0 for v in lags)

            wait_until(all_read, timeout=40, interval=0.2, what="both workers read all N records, lag 0")
            for w in workers:
                _, s = scrape(w)
                self.assertGreaterEqual(series(s, "meshd_pipeline_rebalances_total", pipeline="order_totals")[0][1], 1)
                self.assertEqual(len(series(s, "meshd_pipeline_records_in_total", pipeline="order_totals")), 2)
                self.assertEqual(series(s, "meshd_pipeline_up", pipeline="order_totals")[0][1], 1)
        finally:
            for w in workers:
                w.stop()
                w.cleanup()
            broker.stop()
            broker.cleanup()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
