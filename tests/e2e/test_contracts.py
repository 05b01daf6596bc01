"""End to end: data-product contracts enforced continuously (src/governance).

The retail POS product (examples/retail/pos: ODPS + ODCS, amount >= 0,
on_violation quarantine, freshness 5 min) is applied through the catalog
(`meshd product apply`), then:

1. Quarantine. Good and bad SaleCompleted events are published over HTTP
   (one batch) and over Kafka (kafka-python, and confluent-kafka with an
   idempotent producer so the rebuilt batches must keep the sequence). The
   bad ones land in `pos_transactions.quarantine` with their reason in
   headers; a Kafka consumer of pos_transactions reads every good event and
   no bad one; violations show in metrics, /v1/contracts and `_governance`.
   Release before a fix keeps them; after the contract is fixed (re-applied
   with a lower minimum) a release appends the event to pos_transactions,
   where the consumer then reads it; drop forgets the other; nothing is
   released twice.
2. Freshness. On a server run with --test-clock, the producer stops; the
   test clock moves past the 5-minute deadline and the port turns red, with
   a FreshnessViolated governance event and the metrics; a new event
   restores it.
3. The bus path: a rule's topic target into pos_transactions diverts the
   envelope whose detail breaks the contract.

Runs against $MESHD_BIN (default build/release/meshd).
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import SOURCE_DIR, Meshd, http, run_cli, wait_until  # noqa: E402

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from confluent_kafka import Producer  # noqa: E402

TOPIC = "pos_transactions"
QTOPIC = TOPIC + ".quarantine"
PRODUCT = "pos_transactions"
PORT = "pos_transactions"


def sale(n, amount):
    return {"transaction_id": f"T-{n}", "customer_id": f"C{n}", "store_id": f"S{n % 3}",
            "amount": amount, "currency": "EUR", "items": [{"sku": "A", "quantity": 1}],
            "sold_at": "2026-11-27T10:00:00Z"}


def event(n, amount):
    return {"specversion": "1.0", "id": f"sale-{n}", "source": "/pos/terminal", "type": "SaleCompleted",
            "datacontenttype": "application/json", "data": sale(n, amount)}


def pos_dir():
    """A private copy of the POS example (the test edits its contract)."""
    d = tempfile.mkdtemp(prefix="meshd-contracts-")
    for name in ("pos", "crm"):
        shutil.copytree(os.path.join(SOURCE_DIR, "examples", "retail", name), os.path.join(d, name))
    return d


def apply(m, path):
    r = run_cli("product", "apply", "-f", path, server=m.http)
    assert r.returncode == 0, f"product apply {path}: rc={r.returncode} {r.stdout} {r.stderr}"


def contract_state(m):
    for c in http("GET", m.http + "/v1/contracts").json()["contracts"]:
        if c["topic"] == TOPIC:
            return c
    return None


def metrics(m):
    return http("GET", m.http + "/metrics").body.decode()


def metric_value(text, prefix):
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return None


def governance_events(m):
    """Every CloudEvent in _governance, read over HTTP by offset."""
    r = http("GET", m.http + "/v1/topics/_governance/events?partition=0&offset=0&max=1000&wait_ms=0")
    if r.status != 200:
        return []
    out = []
    for e in r.json()["events"]:
        out.append(e)
    return out


def governance_types(m):
    types = []
    for e in governance_events(m):
        ev = e["event"]  # the structured CloudEvent as appended
        types.append((ev["type"], ev["subject"], ev.get("data", {})))
    return types


def consume_all(bootstrap, topic):
    """Every record of `topic` from the beginning to its current end, over Kafka."""
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=500,
                      api_version_auto_timeout_ms=10000)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic) or [])]
        c.assign(parts)
        c.seek_to_beginning(*parts)
        end = c.end_offsets(parts)
        got = []

        def done():
            for rec in c:
                got.append(rec)
            return all(c.position(tp) >= end[tp] for tp in parts)

        wait_until(done, timeout=20, interval=0.05, what=f"consuming {topic} to its end")
        return got
    finally:
        c.close()


class ContractQuarantineE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = pos_dir()
        cls.m = Meshd().start()
        apply(cls.m, os.path.join(cls.dir, "crm", "customer_profiles.odps.yaml"))
        apply(cls.m, os.path.join(cls.dir, "pos", "pos_transactions.odps.yaml"))
        wait_until(lambda: contract_state(cls.m), timeout=10, what="POS contract compiled")

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_quarantine_release_drop(self):
        m = self.m
        state = contract_state(m)
        self.assertEqual(state["on_violation"], "quarantine")
        self.assertEqual(state["status"], "green")

        # HTTP: one batch, one bad event among good ones.
        batch = [event(1, 10.0), event(2, -5), event(3, 0)]
        r = http("POST", f"{m.http}/v1/topics/{TOPIC}/events", json.dumps(batch),
                 headers={"Content-Type": "application/cloudevents-batch+json"})
        self.assertEqual(r.status, 200, r)
        results = r.json()["results"]
        self.assertFalse(results[0].get("quarantined", False))
        self.assertTrue(results[1]["quarantined"], results[1])
        self.assertEqual(results[1]["quarantine_topic"], QTOPIC)
        self.assertEqual(results[1]["violation"], "field 'amount' is -5, below the minimum 0")
        self.assertGreaterEqual(results[2]["offset"], 0)

        # Kafka: kafka-python (plain producer) ...
        kp = KafkaProducer(bootstrap_servers=m.kafka, value_serializer=lambda v: json.dumps(v).encode(),
                           api_version_auto_timeout_ms=10000)
        kp.send(TOPIC, sale(4, 7.5), key=b"S1").get(timeout=20)
        kp.send(TOPIC, sale(5, -1), key=b"S1").get(timeout=20)  # answered OK, quarantined
        kp.close()
        # ... and confluent-kafka, idempotent: good/bad/good in one batch, then more.
        errors = []
        p = Producer({"bootstrap.servers": m.kafka, "enable.idempotence": True, "linger.ms": 50})
        for n, amount in ((6, 1.0), (7, -2.0), (8, 3.0)):
            p.produce(TOPIC, json.dumps(sale(n, amount)).encode(), key=b"S2",
                      on_delivery=lambda err, msg: errors.append(err) if err else None)
        p.flush(20)
        for n in (9, 10):
            p.produce(TOPIC, json.dumps(sale(n, 5.0)).encode(), key=b"S2",
                      on_delivery=lambda err, msg: errors.append(err) if err else None)
        self.assertEqual(p.flush(20), 0)
        self.assertEqual(errors, [], "idempotent producer saw errors after a quarantine")

        # The quarantine holds exactly the bad ones, with reasons in headers.
        listed = http("GET", f"{m.http}/v1/quarantine?topic={TOPIC}").json()["events"]
        by_tx = {json.loads(e["value"])["transaction_id"]: e for e in listed}
        self.assertEqual(sorted(by_tx), ["T-2", "T-5", "T-7"])
        for tx, e in by_tx.items():
            self.assertEqual(e["topic"], QTOPIC)
            self.assertEqual(e["rule"], "amount.minimum")
            self.assertIn("below the minimum 0", e["headers"]["meshd_quarantine_reason"])
            self.assertEqual(e["headers"]["meshd_source_topic"], TOPIC)
            self.assertIn("meshd_source_partition", e["headers"])

        # A consumer of the topic never sees them.
        seen = [json.loads(rec.value) for rec in consume_all(m.kafka, TOPIC)]
        self.assertEqual(sorted(s["transaction_id"] for s in seen),
                         ["T-1", "T-10", "T-3", "T-4", "T-6", "T-8", "T-9"])
        self.assertTrue(all(s["amount"] >= 0 for s in seen))

        # Violations are visible: contract state, metrics, governance events.
        state = contract_state(m)
        self.assertEqual(state["status"], "red")
        self.assertFalse(state["validity_ok"])
        self.assertEqual(state["violations"], 3)
        text = metrics(m)
        self.assertEqual(metric_value(text, f'meshd_quarantined_events_total{{topic="{TOPIC}"}}'), 3)
        self.assertEqual(metric_value(
            text, f'meshd_contract_violations_total{{port="{PORT}",product="{PRODUCT}",rule="amount.minimum"}}'), 3)
        self.assertEqual(metric_value(text, f'meshd_contract_status{{port="{PORT}",product="{PRODUCT}"}}'), 0)
        violated = [t for t in governance_types(m) if t[0] == "meshd.governance.ContractViolated"]
        self.assertEqual(len(violated), 3, governance_types(m))
        self.assertEqual(violated[0][1], f"{PRODUCT}/{PORT}")
        self.assertIn("below the minimum 0", violated[0][2]["reason"])
        # The catalog entry shows the contract status too.
        desc = http("GET", f"{m.http}/v1/products/{PRODUCT}").body.decode()
        self.assertIn("violated", desc)

        # Release before any fix: still failing, so kept.
        http_bad = by_tx["T-2"]["offset"]
        r = http("POST", f"{m.http}/v1/quarantine/{TOPIC}/release", {"offsets": [http_bad]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["released"], [])
        self.assertEqual(r.json()["kept"][0]["rule"], "amount.minimum")

        # Fix the contract (refunds are legitimate: minimum -100) and re-apply.
        odcs = os.path.join(self.dir, "pos", "pos_transactions.odcs.yaml")
        with open(odcs) as f:
            text = f.read()
        self.assertIn("minimum: 0", text)
        with open(odcs, "w") as f:
            f.write(text.replace("minimum: 0", "minimum: -100"))
        apply(m, os.path.join(self.dir, "pos", "pos_transactions.odps.yaml"))
        wait_until(lambda: http("POST", f"{m.http}/v1/quarantine/{TOPIC}/release",
                                {"offsets": [http_bad]}).json()["released"],
                   timeout=10, what="release after the contract fix")
        seen = [json.loads(rec.value) for rec in consume_all(m.kafka, TOPIC)]
        self.assertIn("T-2", [s["transaction_id"] for s in seen])
        self.assertEqual([s["transaction_id"] for s in seen].count("T-2"), 1)

        # Released once only.
        r = http("POST", f"{m.http}/v1/quarantine/{TOPIC}/release", {"offsets": [http_bad]}).json()
        self.assertEqual(r["released"], [])
        self.assertEqual(r["not_found"], [http_bad])

        # Drop one over the CLI, release the other over the CLI.
        r = run_cli("quarantine", "drop", TOPIC, "--offset", str(by_tx["T-5"]["offset"]), server=m.http)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_cli("quarantine", "list", "--topic", TOPIC, "--json", server=m.http)
        self.assertEqual(r.returncode, 0, r.stderr)
        left = json.loads(r.stdout)["events"]
        self.assertEqual([json.loads(e["value"])["transaction_id"] for e in left], ["T-7"])
        r = run_cli("quarantine", "release", TOPIC, "--all", server=m.http)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("released offset", r.stdout)
        self.assertEqual(http("GET", f"{m.http}/v1/quarantine?topic={TOPIC}").json()["events"], [])
        seen = [json.loads(rec.value)["transaction_id"] for rec in consume_all(m.kafka, TOPIC)]
        self.assertIn("T-7", seen)
        self.assertNotIn("T-5", seen)

        # Bad CLI usage is a usage error.
        r = run_cli("quarantine", "release", TOPIC, server=m.http)
        self.assertEqual(r.returncode, 2)


class ContractBusTargetE2E(unittest.TestCase):
    """The bus path: a rule's topic target delivering into the POS topic."""

    def test_bus_topic_target_quarantines_bad_detail(self):
        from bus_e2e_util import events_client, topic_values
        d = pos_dir()
        try:
            with Meshd() as m:
                apply(m, os.path.join(d, "crm", "customer_profiles.odps.yaml"))
                apply(m, os.path.join(d, "pos", "pos_transactions.odps.yaml"))
                ev = events_client(m)
                ev.put_rule(Name="sales", EventPattern=json.dumps({"source": ["pos.terminal"]}))
                ev.put_targets(Rule="sales", Targets=[{"Id": "pos", "Arn": f"arn:meshd:topic:{TOPIC}"}])
                r = ev.put_events(Entries=[
                    {"Source": "pos.terminal", "DetailType": "SaleCompleted", "Detail": json.dumps(sale(20, 5))},
                    {"Source": "pos.terminal", "DetailType": "SaleCompleted", "Detail": json.dumps(sale(21, -9))}])
                self.assertEqual(r["FailedEntryCount"], 0)

                def quarantined():
                    evs = http("GET", f"{m.http}/v1/quarantine?topic={TOPIC}").json()["events"]
                    return evs if evs else None

                evs = wait_until(quarantined, timeout=20, what="bus delivery quarantined")
                self.assertEqual(len(evs), 1)
                self.assertEqual(json.loads(evs[0]["value"])["detail"]["transaction_id"], "T-21")
                self.assertEqual(evs[0]["rule"], "amount.minimum")
                self.assertEqual(evs[0]["headers"]["meshd-rule"], "sales")  # the target's own headers kept
                stored = wait_until(lambda: topic_values(m, TOPIC), timeout=20, what="good event delivered")
                details = [v["detail"]["transaction_id"] for v in stored if isinstance(v, dict) and "detail" in v]
                self.assertEqual(details, ["T-20"])
        finally:
            shutil.rmtree(d, ignore_errors=True)


class ContractFreshnessE2E(unittest.TestCase):
    def test_producer_stops_freshness_violated_then_restored(self):
        d = pos_dir()
        try:
            with Meshd(extra_args=["--test-clock"]) as m:
                apply(m, os.path.join(d, "crm", "customer_profiles.odps.yaml"))
                apply(m, os.path.join(d, "pos", "pos_transactions.odps.yaml"))
                wait_until(lambda: contract_state(m), timeout=10, what="POS contract compiled")
                self.assertEqual(contract_state(m)["freshness_max_delay_ms"], 5 * 60 * 1000)
                r = http("POST", f"{m.http}/v1/topics/{TOPIC}/events", event(1, 10.0))
                self.assertEqual(r.status, 200, r)

                def advance(ms):
                    r = http("POST", f"{m.http}/v1/_test/clock/advance?ms={ms}")
                    self.assertEqual(r.status, 200, r)

                advance(4 * 60 * 1000)  # within the SLA
                state = contract_state(m)
                self.assertTrue(state["freshness_ok"], state)
                self.assertEqual(state["status"], "green")
                advance(2 * 60 * 1000)  # the producer has been silent for 6 minutes
                state = contract_state(m)
                self.assertFalse(state["freshness_ok"], state)
                self.assertEqual(state["status"], "red")
                self.assertGreaterEqual(state["freshness_age_ms"], 6 * 60 * 1000)
                self.assertIn("freshness limit of 300 s", state["reason"])
                fresh = [t for t in governance_types(m) if t[0] == "meshd.governance.FreshnessViolated"]
                self.assertEqual(len(fresh), 1, governance_types(m))
                self.assertEqual(fresh[0][1], f"{PRODUCT}/{PORT}")
                self.assertGreaterEqual(fresh[0][2]["age_ms"], 6 * 60 * 1000)
                text = metrics(m)
                labels = f'{{port="{PORT}",product="{PRODUCT}"}}'
                self.assertEqual(metric_value(text, "meshd_contract_status" + labels), 0)
                self.assertGreaterEqual(metric_value(text, "meshd_contract_freshness_age_seconds" + labels), 360)
                self.assertIn("violated", http("GET", f"{m.http}/v1/products/{PRODUCT}").body.decode())
                # The producer comes back: restored.
                r = http("POST", f"{m.http}/v1/topics/{TOPIC}/events", event(2, 11.0))
                self.assertEqual(r.status, 200, r)
                state = contract_state(m)
                self.assertTrue(state["freshness_ok"], state)
                types = [t[0] for t in governance_types(m)]
                self.assertIn("meshd.governance.FreshnessRestored", types)
                self.assertEqual(metric_value(metrics(m), "meshd_contract_status" + labels), 1)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_clock_hook_absent_without_flag(self):
        with Meshd() as m:
            r = http("POST", f"{m.http}/v1/_test/clock/advance?ms=1000")
            self.assertEqual(r.status, 404)


if __name__ == "__main__":
    unittest.main(verbosity=2)
