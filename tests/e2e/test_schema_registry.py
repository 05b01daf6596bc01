"""End to end: meshd's schema registry with Debian's python3-confluent-kafka
SchemaRegistryClient and JSON serdes, plus curl-style checks of the error
codes of the brief's section 1.4.

Runs against `$MESHD_BIN serve --data-dir D --http 127.0.0.1:0 --registry
127.0.0.1:0` and needs the "registry" key in meshd's listening line; the
Kafka produce part runs only when a "kafka" listener is reported too.
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, http  # noqa: E402

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.error import SchemaRegistryError  # noqa: E402
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402

CT = "application/vnd.schemaregistry.v1+json"

PURCHASE_V1 = json.dumps({"type": "record", "name": "CustomerPurchase", "namespace": "com.acme",
                          "fields": [{"name": "id", "type": "string"},
                                     {"name": "amount", "type": "double"}]})
PURCHASE_V2 = json.dumps({"type": "record", "name": "CustomerPurchase", "namespace": "com.acme",
                          "fields": [{"name": "id", "type": "string"},
                                     {"name": "amount", "type": "double"},
                                     {"name": "coupon", "type": ["null", "string"], "default": None}]})
PURCHASE_BAD = json.dumps({"type": "record", "name": "CustomerPurchase", "namespace": "com.acme",
                           "fields": [{"name": "id", "type": "string"},
                                      {"name": "amount", "type": "double"},
                                      {"name": "store", "type": "string"}]})
PROFILE = json.dumps({"$schema": "http://json-schema.org/draft-07/schema#",
                      "title": "CustomerProfileUpdated", "type": "object",
                      "properties": {"customerId": {"type": "string"},
                                     "loyaltyPoints": {"type": "integer", "minimum": 0}},
                      "required": ["customerId"], "additionalProperties": False})


class SchemaRegistryE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Meshd(listeners=("http", "registry")).start()
        if "registry" not in cls.m.endpoints:
            cls.m.__exit__(None, None, None)
            raise unittest.SkipTest("meshd does not report a registry listener yet")
        cls.base = "http://" + cls.m.endpoints["registry"]
        cls.client = SchemaRegistryClient({"url": cls.base})

    @classmethod
    def tearDownClass(cls):
        cls.m.__exit__(None, None, None)

    def req(self, method, path, body=None):
        r = http(method, self.base + path, json.dumps(body) if body is not None else None,
                 headers={"Content-Type": CT, "Accept": CT})
        self.assertTrue(r.headers.get("Content-Type", "").startswith(CT), r)
        return r

    def assertCode(self, r, status, code):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.json()["error_code"], code, r)
        self.assertTrue(r.json()["message"], r)

    def test_1_client_register_fetch_and_409(self):
        c = self.client
        sid = c.register_schema("purchases-value", Schema(PURCHASE_V1, "AVRO"))
        self.assertEqual(c.register_schema("purchases-value", Schema(PURCHASE_V1, "AVRO")), sid)
        self.assertEqual(json.loads(c.get_schema(sid).schema_str), json.loads(PURCHASE_V1))
        sid2 = c.register_schema("purchases-value", Schema(PURCHASE_V2, "AVRO"))
        self.assertNotEqual(sid, sid2)
        latest = c.get_latest_version("purchases-value")
        self.assertEqual((latest.schema_id, latest.version), (sid2, 2))
        self.assertIn("purchases-value", c.get_subjects())
        self.assertFalse(c.test_compatibility("purchases-value", Schema(PURCHASE_BAD, "AVRO")))
        with self.assertRaises(SchemaRegistryError) as e:
            c.register_schema("purchases-value", Schema(PURCHASE_BAD, "AVRO"))
        self.assertEqual(e.exception.http_status_code, 409)
        c.set_compatibility("purchases-value", "NONE")
        self.assertEqual(c.get_compatibility("purchases-value"), "NONE")
        r = self.req("POST", "/compatibility/subjects/purchases-value/versions/1?verbose=true",
                     {"schema": PURCHASE_BAD})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["is_compatible"])

    def test_2_json_serdes(self):
        ser = JSONSerializer(PROFILE, self.client)
        ctx = SerializationContext("crm-profiles", MessageField.VALUE)
        data = ser({"customerId": "c-1", "loyaltyPoints": 5}, ctx)
        self.assertEqual(data[0], 0)
        sid = int.from_bytes(data[1:5], "big")
        self.assertEqual(self.client.get_latest_version("crm-profiles-value").schema_id, sid)
        self.assertEqual(JSONDeserializer(PROFILE)(data, ctx), {"customerId": "c-1", "loyaltyPoints": 5})
        with self.assertRaises(Exception):
            ser({"customerId": "c-1", "loyaltyPoints": -1}, ctx)  # client-side validation

    def test_3_error_codes(self):
        self.assertEqual(self.req("GET", "/").status, 200)
        self.assertEqual(sorted(self.req("GET", "/schemas/types").json()), ["AVRO", "JSON"])
        self.assertCode(self.req("GET", "/subjects/nope/versions"), 404, 40401)
        self.assertEqual(self.req("GET", "/subjects/nope/versions").json()["message"],
                         "Subject 'nope' not found.")
        self.req("POST", "/subjects/codes-value/versions", {"schema": '"string"'})
        self.assertCode(self.req("GET", "/subjects/codes-value/versions/9"), 404, 40402)
        self.assertCode(self.req("GET", "/schemas/ids/99999"), 404, 40403)
        self.assertCode(self.req("POST", "/subjects/codes-value", {"schema": '"int"'}), 404, 40403)
        self.assertCode(self.req("DELETE", "/subjects/codes-value?permanent=true"), 404, 40405)
        self.assertCode(self.req("DELETE", "/subjects/codes-value/versions/1?permanent=true"), 404, 40407)
        self.assertCode(self.req("GET", "/config/codes-value"), 404, 40408)
        self.assertCode(self.req("GET", "/mode/codes-value"), 404, 40409)
        self.assertCode(self.req("POST", "/subjects/x/versions", {"schema": '{"type":"nope"}'}), 422, 42201)
        r = self.req("POST", "/subjects/x/versions", {"schema": 'syntax = "proto3";', "schemaType": "PROTOBUF"})
        self.assertCode(r, 422, 42201)
        self.assertIn("PROTOBUF", r.json()["message"])
        self.assertCode(self.req("GET", "/subjects/codes-value/versions/0"), 422, 42202)
        self.assertCode(self.req("PUT", "/config", {"compatibility": "SIDEWAYS"}), 422, 42203)
        self.assertCode(self.req("PUT", "/mode", {"mode": "SIDEWAYS"}), 422, 42204)
        self.assertCode(self.req("POST", "/subjects/y/versions", {"schema": '"int"', "id": 77}), 422, 42205)
        self.assertEqual(self.req("GET", "/associations/resources/-/codes?resourceType=topic").status, 404)
        self.assertEqual(self.req("DELETE", "/subjects/codes-value").json(), [1])
        self.assertCode(self.req("DELETE", "/subjects/codes-value"), 404, 40404)
        self.assertCode(self.req("DELETE", "/subjects/codes-value/versions/1"), 404, 40406)
        self.assertEqual(self.req("DELETE", "/subjects/codes-value?permanent=true").json(), [1])

    def test_4_ids_stable_across_restart(self):
        sid = self.client.register_schema("restart-value", Schema('"long"', "AVRO"))
        self.m.restart()
        base = "http://" + self.m.endpoints["registry"]
        type(self).base = base
        type(self).client = SchemaRegistryClient({"url": base})
        self.assertEqual(self.client.register_schema("restart-value", Schema('"long"', "AVRO")), sid)
        r = http("GET", f"{base}/schemas/ids/{sid}")
        self.assertEqual(json.loads(r.json()["schema"]), "long")


if __name__ == "__main__":
    unittest.main(verbosity=2)
