"""End to end: topic config schema.validation=strict enforced on every
publish path of one `meshd serve` (HTTP, Kafka, registry listeners).

With Debian's python3-confluent-kafka: a JSONSerializer (auto-register)
produces valid records through meshd's Kafka listener; a Confluent-framed
record that violates the schema, and an unframed one, are rejected with
INVALID_RECORD; a JSONDeserializer consumer reads the valid ones back; an
incompatible new schema version gets HTTP 409 through SchemaRegistryClient;
over HTTP a bad event gets 422 while a good one is accepted; a topic with
schema.key.validation=strict checks record keys against <topic>-key; and a
topic an AdminClient creates with Confluent Server's
confluent.value.schema.validation=true is enforced.

Runs against $MESHD_BIN (default build/release/meshd).
"""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, cloudevent, http, wait_until  # noqa: E402

from confluent_kafka import KafkaError, Producer  # noqa: E402
from confluent_kafka import DeserializingConsumer, SerializingProducer  # noqa: E402
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.error import SchemaRegistryError  # noqa: E402
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer  # noqa: E402

TOPIC = "crm.customers"
SUBJECT = TOPIC + "-value"
CUSTOMER = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Customer", "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                   "email": {"type": "string"}},
    "required": ["id", "name"]})
# `id` changes type: no reader of v1 can read it (BACKWARD, the default).
CUSTOMER_INCOMPATIBLE = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Customer", "type": "object",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    "required": ["id", "name"]})
VALID = [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace", "email": "g@x"},
         {"id": 3, "name": "Linus"}]


class SchemaEnforcementE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Meshd().start()
        cls.registry = "http://" + cls.m.endpoints["registry"]
        cls.client = SchemaRegistryClient({"url": cls.registry})
        r = http("POST", cls.m.http + "/v1/topics",
                 {"name": TOPIC, "partitions": 1, "config": {"schema.validation": "strict"}})
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)

    def produce(self, producer, value, **kw):
        """Produces one record; returns the delivery report's error (None = ok)."""
        box = {}
        producer.produce(TOPIC, value=value, on_delivery=lambda err, msg: box.update(err=err), **kw)
        remaining = producer.flush(30)
        self.assertEqual(remaining, 0, "delivery report within 30s")
        self.assertIn("err", box)
        return box["err"]

    def end_offset(self):
        r = http("GET", self.m.http + "/v1/topics/" + TOPIC)
        self.assertEqual(r.status, 200, r)
        return r.json()["partitions"][0]["end_offset"]

    def test_1_kafka_produce_and_consume(self):
        ser = JSONSerializer(CUSTOMER, self.client)  # auto.register.schemas defaults to true
        producer = SerializingProducer({"bootstrap.servers": self.m.kafka, "value.serializer": ser,
                                        "linger.ms": 0})
        for v in VALID:
            self.assertIsNone(self.produce(producer, v), f"valid record {v} accepted")
        self.assertEqual(self.end_offset(), 3)
        schema_id = self.client.get_latest_version(SUBJECT).schema_id

        raw = Producer({"bootstrap.servers": self.m.kafka, "linger.ms": 0,
                        "message.send.max.retries": 0})
        bad = b"\x00" + schema_id.to_bytes(4, "big") + json.dumps({"id": "four"}).encode()
        err = self.produce(raw, bad)
        self.assertIsNotNone(err, "a record violating the schema is rejected")
        self.assertEqual(err.code(), KafkaError.INVALID_RECORD, err)
        err = self.produce(raw, json.dumps({"id": 5, "name": "unframed"}).encode())
        self.assertIsNotNone(err, "an unframed record is rejected")
        self.assertEqual(err.code(), KafkaError.INVALID_RECORD, err)
        unknown = b"\x00" + (schema_id + 1000).to_bytes(4, "big") + json.dumps(VALID[0]).encode()
        err = self.produce(raw, unknown)
        self.assertIsNotNone(err, "a record with an unknown schema id is rejected")
        self.assertEqual(err.code(), KafkaError.INVALID_RECORD, err)
        self.assertEqual(self.end_offset(), 3, "nothing of the rejected batches was stored")

        consumer = DeserializingConsumer({
            "bootstrap.servers": self.m.kafka, "group.id": "enforce-e2e",
            "auto.offset.reset": "earliest", "value.deserializer": JSONDeserializer(CUSTOMER)})
        consumer.subscribe([TOPIC])
        got = []
        deadline = time.monotonic() + 30
        try:
            while len(got) < len(VALID) and time.monotonic() < deadline:
                msg = consumer.poll(0.5)
                if msg is None:
                    continue
                self.assertIsNone(msg.error(), msg.error())
                got.append(msg.value())
        finally:
            consumer.close()
        self.assertEqual(got, VALID)

    def test_2_incompatible_version_gets_409(self):
        with self.assertRaises(SchemaRegistryError) as cm:
            self.client.register_schema(SUBJECT, Schema(CUSTOMER_INCOMPATIBLE, "JSON"))
        self.assertEqual(cm.exception.http_status_code, 409, cm.exception)

    def test_3_http_publish(self):
        before = self.end_offset()
        bad = cloudevent(100, data={"id": "not-an-int", "name": "x"})
        r = http("POST", self.m.http + f"/v1/topics/{TOPIC}/events", json.dumps([bad]),
                 headers={"Content-Type": "application/cloudevents-batch+json"})
        self.assertTrue(400 <= r.status < 500, r)
        self.assertEqual(r.json()["error_code"], "SCHEMA_VALIDATION_FAILED", r)
        self.assertIn("event[0]", r.json()["message"])
        good = cloudevent(101, data={"id": 101, "name": "Barbara"})
        r = http("POST", self.m.http + f"/v1/topics/{TOPIC}/events", json.dumps(good),
                 headers={"Content-Type": "application/cloudevents+json"})
        self.assertEqual(r.status, 200, r)
        wait_until(lambda: self.end_offset() == before + 1, timeout=10, what="good event stored")

    def test_4_kafka_keys_validated_when_the_topic_asks(self):
        """schema.key.validation=strict (Confluent Server's
        confluent.key.schema.validation): keys are checked against
        <topic>-key; values are not checked on this topic."""
        topic = "crm.customer-events"
        r = http("POST", self.m.http + "/v1/topics",
                 {"name": topic, "partitions": 1, "config": {"schema.key.validation": "strict"}})
        self.assertEqual(r.status, 201, r)
        key_schema = json.dumps({"title": "CustomerKey", "type": "object",
                                 "properties": {"customerId": {"type": "integer"}},
                                 "required": ["customerId"]})
        ser = JSONSerializer(key_schema, self.client)
        producer = SerializingProducer({"bootstrap.servers": self.m.kafka, "key.serializer": ser,
                                        "linger.ms": 0})
        box = {}

        def produce(p, **kw):
            box.clear()
            p.produce(topic, on_delivery=lambda err, msg: box.update(err=err), **kw)
            self.assertEqual(p.flush(30), 0, "delivery report within 30s")
            return box["err"]

        self.assertIsNone(produce(producer, key={"customerId": 7}, value=b"any bytes: values unchecked"))
        key_id = self.client.get_latest_version(topic + "-key").schema_id
        raw = Producer({"bootstrap.servers": self.m.kafka, "linger.ms": 0, "message.send.max.retries": 0})
        self.assertIsNone(produce(raw, value=b"no key: nothing to check"), "a null key is not validated")
        bad_key = b"\x00" + key_id.to_bytes(4, "big") + json.dumps({"customerId": "seven"}).encode()
        err = produce(raw, key=bad_key, value=b"v")
        self.assertIsNotNone(err, "a key violating <topic>-key is rejected")
        self.assertEqual(err.code(), KafkaError.INVALID_RECORD, err)
        err = produce(raw, key=b"customer-7", value=b"v")
        self.assertIsNotNone(err, "an unframed key is rejected")
        self.assertEqual(err.code(), KafkaError.INVALID_RECORD, err)
        r = http("GET", self.m.http + "/v1/topics/" + topic)
        self.assertEqual(r.json()["partitions"][0]["end_offset"], 2, "only the two accepted records")
        r = http("POST", self.m.http + "/v1/topics",
                 {"name": "crm.bad-config", "partitions": 1, "config": {"schema.key.validation": "yes"}})
        self.assertEqual(r.status, 400, r)
        self.assertIn("schema.key.validation", r.json()["message"])

    def test_5_confluent_topic_config_through_the_admin_client(self):
        """A topic created by a Confluent AdminClient with Confluent Server's
        confluent.value.schema.validation=true is enforced (strict)."""
        from confluent_kafka.admin import AdminClient, NewTopic
        topic = "pos.sales"
        admin = AdminClient({"bootstrap.servers": self.m.kafka})
        fs = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                           config={"confluent.value.schema.validation": "true"})])
        fs[topic].result(30)
        raw = Producer({"bootstrap.servers": self.m.kafka, "linger.ms": 0, "message.send.max.retries": 0})
        box = {}
        raw.produce(topic, value=b'{"not": "framed"}', on_delivery=lambda err, msg: box.update(err=err))
        self.assertEqual(raw.flush(30), 0, "delivery report within 30s")
        self.assertIsNotNone(box["err"], "an unframed value is rejected on a Confluent-validated topic")
        self.assertEqual(box["err"].code(), KafkaError.INVALID_RECORD, box["err"])
        bad = admin.create_topics([NewTopic("pos.bad", num_partitions=1, replication_factor=1,
                                            config={"confluent.value.schema.validation": "maybe"})])
        with self.assertRaises(Exception) as cm:
            bad["pos.bad"].result(30)
        self.assertIn("confluent.value.schema.validation", str(cm.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)
