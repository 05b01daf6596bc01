"""End to end: the schema-enforcement metrics move, and bus topic targets
enforce the target topic's schema.validation.

1. A strict topic, a JSON Schema registered for its -value subject: one valid
   and one invalid Confluent-framed record produced through the Kafka listener
   (python3-confluent-kafka), and one incompatible registration (409). In
   /metrics, per subject: meshd_schema_validations_total +2,
   meshd_schema_validation_failures_total +1,
   meshd_schema_compatibility_rejections_total +1.
2. A bus rule whose target is a strict topic: the event that matches the
   topic's schema is appended; the one that does not goes to the rule's
   dead-letter topic with errorCode SCHEMA_VALIDATION_FAILED after one
   attempt (not retried), and is counted as a failure of that subject.

Runs against $MESHD_BIN (default build/release/meshd).
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from meshd_harness import Meshd, http, wait_until  # noqa: E402
from bus_e2e_util import events_client, metric, topic_values  # noqa: E402

from confluent_kafka import KafkaError, Producer  # noqa: E402

CT = "application/vnd.schemaregistry.v1+json"
FAST = dict(os.environ, MESHD_BUS_BACKOFF_BASE_MS="50", MESHD_BUS_BACKOFF_CAP_MS="200")

ORDER = json.dumps({"type": "object", "properties": {"id": {"type": "integer"},
                                                     "item": {"type": "string"}},
                    "required": ["id", "item"]})
ORDER_INCOMPATIBLE = json.dumps({"type": "object", "properties": {"id": {"type": "string"},
                                                                  "item": {"type": "string"}},
                                 "required": ["id", "item"]})
# What a bus topic target writes is the whole EventBridge-shaped event.
BUS_EVENT = json.dumps({"type": "object", "required": ["id", "source", "detail"],
                        "properties": {"detail": {"type": "object", "required": ["n"],
                                                  "properties": {"n": {"type": "integer"}}}}})


class SchemaMetricsE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Meshd(env=FAST).start()
        cls.registry = "http://" + cls.m.endpoints["registry"]

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)

    def register(self, subject, schema):
        return http("POST", f"{self.registry}/subjects/{subject}/versions",
                    json.dumps({"schema": schema, "schemaType": "JSON"}),
                    headers={"Content-Type": CT})

    def strict_topic(self, name):
        r = http("POST", self.m.http + "/v1/topics",
                 {"name": name, "partitions": 1, "config": {"schema.validation": "strict"}})
        self.assertEqual(r.status, 201, r)

    def metric(self, name, subject):
        return metric(self.m, name, subject=subject)

    def produce(self, producer, topic, value):
        box = {}
        producer.produce(topic, value=value, on_delivery=lambda err, msg: box.update(err=err))
        self.assertEqual(producer.flush(30), 0, "delivery report within 30s")
        return box["err"]

    def test_1_counters_move_on_kafka_produce_and_registration(self):
        topic, subject = "metrics.orders", "metrics.orders-value"
        self.strict_topic(topic)
        r = self.register(subject, ORDER)
        self.assertEqual(r.status, 200, r)
        schema_id = r.json()["id"]
        names = ("meshd_schema_validations_total", "meshd_schema_validation_failures_total",
                 "meshd_schema_compatibility_rejections_total")
        before = {n: self.metric(n, subject) for n in names}
        self.assertEqual(before, {n: 0.0 for n in names})

        producer = Producer({"bootstrap.servers": self.m.kafka, "linger.ms": 0,
                             "message.send.max.retries": 0})
        frame = b"\x00" + schema_id.to_bytes(4, "big")
        self.assertIsNone(self.produce(producer, topic, frame + b'{"id": 1, "item": "tea"}'))
        err = self.produce(producer, topic, frame + b'{"id": "one", "item": "tea"}')
        self.assertIsNotNone(err)
        self.assertEqual(err.code(), KafkaError.INVALID_RECORD, err)

        r = self.register(subject, ORDER_INCOMPATIBLE)
        self.assertEqual(r.status, 409, r)

        self.assertEqual(self.metric(names[0], subject), 2, "validations_total counts both records")
        self.assertEqual(self.metric(names[1], subject), 1, "failures_total counts the bad one")
        self.assertEqual(self.metric(names[2], subject), 1, "compatibility_rejections_total")
        # The exposition carries the metric family with its subject label.
        body = http("GET", self.m.http + "/metrics").body.decode()
        self.assertIn(f'meshd_schema_validations_total{{subject="{subject}"}} 2', body)

    def test_2_bus_topic_target_enforces_the_target_topic_schema(self):
        topic, subject = "bus.sink", "bus.sink-value"
        self.strict_topic(topic)
        self.assertEqual(self.register(subject, BUS_EVENT).status, 200)
        events = events_client(self.m)
        events.put_rule(Name="to-sink", EventPattern=json.dumps({"source": ["schema-target"]}))
        r = events.put_targets(Rule="to-sink", Targets=[{
            "Id": "sink", "Arn": f"arn:meshd:topic:{topic}",
            "DeadLetterConfig": {"Arn": "arn:meshd:topic:bus.sink-dlq"}}])
        self.assertEqual(r["FailedEntryCount"], 0, r)
        r = events.put_events(Entries=[
            {"Source": "schema-target", "DetailType": "T", "Detail": json.dumps({"n": 1})},
            {"Source": "schema-target", "DetailType": "T", "Detail": json.dumps({"n": "x"})}])
        self.assertEqual(r["FailedEntryCount"], 0, r)
        good_id, bad_id = r["Entries"][0]["EventId"], r["Entries"][1]["EventId"]

        dlq = wait_until(lambda: topic_values(self.m, "bus.sink-dlq"), timeout=20, what="DLQ record")
        stored = wait_until(lambda: topic_values(self.m, topic), timeout=20, what="good event stored")
        self.assertEqual([e["id"] for e in stored], [good_id])
        self.assertEqual(len(dlq), 1, dlq)
        self.assertEqual(dlq[0]["event"]["id"], bad_id)
        self.assertEqual(dlq[0]["errorCode"], "SCHEMA_VALIDATION_FAILED")
        self.assertIn("/detail/n", dlq[0]["errorMessage"])
        self.assertEqual(dlq[0]["attempts"], 1, "a schema failure is not retried")
        self.assertEqual(self.metric("meshd_schema_validations_total", subject), 2)
        self.assertEqual(self.metric("meshd_schema_validation_failures_total", subject), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
