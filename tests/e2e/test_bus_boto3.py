"""Event bus end to end with boto3: PutEvents, rules, a Python function target,
TestEventPattern, buses, the REST ingest API and the bus CLI commands."""
import json
import os
import shutil
import tempfile
import unittest

from botocore.exceptions import ClientError

from meshd_harness import Meshd, http, run_cli, wait_until
from bus_e2e_util import bus_arn, events_client, topic_values

HANDLER = '''
import json, os
def lambda_handler(event, context):
    customer = event["detail"]["customer"]
    with open(os.environ["OUT_FILE"], "a") as f:
        f.write(json.dumps(customer) + "\\n")
    return {"provisioned": customer["id"]}
'''


class Boto3BusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="meshd-bus-e2e-")
        cls.out_file = os.path.join(cls.tmp, "customers.jsonl")
        env = dict(os.environ, OUT_FILE=cls.out_file)
        cls.m = Meshd(env=env).start()
        cls.events = events_client(cls.m)

    @classmethod
    def tearDownClass(cls):
        cls.m.stop()
        cls.m.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_put_events_accepted(self):
        r = self.events.put_events(Entries=[{
            "Source": "crm.production", "DetailType": "CustomerCreated",
            "Detail": json.dumps({"customer": {"id": "c-1", "name": "Ada"}})}])
        self.assertEqual(r["FailedEntryCount"], 0)
        self.assertEqual(len(r["Entries"]), 1)
        self.assertTrue(r["Entries"][0]["EventId"])

    def test_put_events_partial_failure_is_200_with_per_entry_errors(self):
        r = self.events.put_events(Entries=[
            {"Source": "s", "DetailType": "d", "Detail": "{}"},
            {"Source": "s", "DetailType": "d", "Detail": "not json"}])
        self.assertEqual(r["FailedEntryCount"], 1)
        self.assertIn("EventId", r["Entries"][0])
        self.assertEqual(r["Entries"][1]["ErrorCode"], "MalformedDetail")

    def test_function_target_receives_customer(self):
        handler = os.path.join(self.tmp, "provision.py")
        with open(handler, "w") as f:
            f.write(HANDLER)
        r = run_cli("function", "create", "provision", "--runtime", "python3",
                    "--handler", handler + ":lambda_handler", server=self.m.http)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_cli("function", "list", server=self.m.http)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("provision", r.stdout)
        rule = self.events.put_rule(Name="provision-workplace",
                                    EventPattern=json.dumps({"source": ["crm.production"],
                                                             "detail-type": ["CustomerCreated"]}))
        self.assertIn("rule/provision-workplace", rule["RuleArn"])
        t = self.events.put_targets(Rule="provision-workplace", Targets=[
            {"Id": "fn", "Arn": "arn:meshd:function:provision"}])
        self.assertEqual(t["FailedEntryCount"], 0)
        self.events.put_events(Entries=[{
            "Source": "crm.production", "DetailType": "CustomerCreated",
            "Detail": json.dumps({"customer": {"id": "c-42", "name": "Grace"}})}])

        def customers():
            try:
                with open(self.out_file) as f:
                    return [json.loads(l) for l in f if l.strip()]
            except OSError:
                return []
        got = wait_until(lambda: [c for c in customers() if c["id"] == "c-42"], timeout=30,
                         what="function wrote the customer")
        self.assertEqual(got[0]["name"], "Grace")
        d = self.events.describe_rule(Name="provision-workplace")
        self.assertEqual(d["State"], "ENABLED")
        self.assertEqual(json.loads(d["EventPattern"])["detail-type"], ["CustomerCreated"])
        targets = self.events.list_targets_by_rule(Rule="provision-workplace")["Targets"]
        self.assertEqual([x["Arn"] for x in targets], ["arn:meshd:function:provision"])

    def test_test_event_pattern(self):
        event = json.dumps({"id": "1", "source": "crm.production", "detail-type": "CustomerCreated",
                            "account": "000000000000", "time": "2026-11-27T10:00:00Z",
                            "region": "us-east-1", "resources": [], "detail": {"tier": "gold"}})
        yes = self.events.test_event_pattern(
            EventPattern=json.dumps({"detail": {"tier": [{"prefix": "go"}]}}), Event=event)
        self.assertTrue(yes["Result"])
        no = self.events.test_event_pattern(
            EventPattern=json.dumps({"detail-type": ["CustomerDeleted"]}), Event=event)
        self.assertFalse(no["Result"])
        with self.assertRaises(ClientError) as cm:
            self.events.test_event_pattern(EventPattern=json.dumps({"source": "not-a-list"}), Event=event)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidEventPatternException")

    def test_rule_lifecycle_and_errors(self):
        self.events.put_rule(Name="life", EventPattern=json.dumps({"source": ["x"]}), State="DISABLED",
                             Description="d")
        names = [r["Name"] for r in self.events.list_rules(NamePrefix="li")["Rules"]]
        self.assertIn("life", names)
        self.events.enable_rule(Name="life")
        self.assertEqual(self.events.describe_rule(Name="life")["State"], "ENABLED")
        self.events.disable_rule(Name="life")
        self.assertEqual(self.events.describe_rule(Name="life")["State"], "DISABLED")
        t = self.events.put_targets(Rule="life", Targets=[
            {"Id": "ok", "Arn": "arn:meshd:topic:life-out"},
            {"Id": "bad", "Arn": "arn:nope"}])
        self.assertEqual(t["FailedEntryCount"], 1)
        self.assertEqual(t["FailedEntries"][0]["TargetId"], "bad")
        r = self.events.remove_targets(Rule="life", Ids=["ok"])
        self.assertEqual(r["FailedEntryCount"], 0)
        self.events.delete_rule(Name="life")
        with self.assertRaises(ClientError) as cm:
            self.events.describe_rule(Name="life")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")

    def test_buses(self):
        arn = self.events.create_event_bus(Name="orders")["EventBusArn"]
        self.assertTrue(arn.endswith("event-bus/orders"))
        names = [b["Name"] for b in self.events.list_event_buses()["EventBuses"]]
        self.assertIn("default", names)
        self.assertIn("orders", names)
        with self.assertRaises(ClientError) as cm:
            self.events.create_event_bus(Name="orders")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceAlreadyExistsException")
        self.assertEqual(self.events.describe_event_bus(Name="orders")["Name"], "orders")
        self.events.put_rule(Name="o", EventBusName="orders", EventPattern=json.dumps({"source": ["shop"]}))
        self.events.put_targets(Rule="o", EventBusName="orders",
                                Targets=[{"Id": "t", "Arn": "arn:meshd:topic:orders-out",
                                          "InputPath": "$.detail"}])
        r = http("POST", f"{self.m.http}/v1/buses/orders/events",
                 {"Entries": [{"Source": "shop", "DetailType": "OrderPlaced", "Detail": {"order": 1}}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["FailedEntryCount"], 0)
        got = wait_until(lambda: topic_values(self.m, "orders-out"), timeout=15, what="orders-out record")
        self.assertEqual(got[0], {"order": 1})
        self.events.remove_targets(Rule="o", EventBusName="orders", Ids=["t"])
        self.events.delete_rule(Name="o", EventBusName="orders")
        self.events.delete_event_bus(Name="orders")

    def test_cli_rule_test_and_apply(self):
        r = run_cli("rule", "test", "--pattern", '{"source":["a"]}', "--event", '{"source":"a"}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("MATCH", r.stdout)
        r = run_cli("rule", "test", "--pattern", '{"source":["a"]}', "--event", '{"source":"b"}')
        self.assertEqual(r.returncode, 1)
        r = run_cli("rule", "test", "--pattern", '{"Source":["a"]}', "--event", '{"source":"a"}')
        self.assertIn("warning", r.stdout.lower())
        handler = os.path.join(self.tmp, "handlers", "echo.py")
        os.makedirs(os.path.dirname(handler), exist_ok=True)
        with open(handler, "w") as f:
            f.write("def lambda_handler(event, context):\n    return event\n")
        rules = os.path.join(self.tmp, "rules.yaml")
        with open(rules, "w") as f:
            f.write("""
buses:
  - name: crm
functions:
  - name: echo
    runtime: python3
    handler: handlers/echo.py:lambda_handler
    concurrency: 2
    timeout: 10
rules:
  - name: sales-to-loyalty
    bus: crm
    description: loyalty points
    event_pattern:
      source: [shop]
      detail-type: [SaleCompleted]
      detail:
        amount: [{numeric: [">", 0]}]
    targets:
      - id: topic
        arn: arn:meshd:topic:loyalty
        input_transformer:
          input_paths_map: {amount: $.detail.amount}
          input_template: '{"points": <amount>}'
        retry_policy: {maximum_retry_attempts: 3, maximum_event_age_seconds: 600}
      - id: fn
        arn: arn:meshd:function:echo
""")
        r = run_cli("rule", "apply", "-f", rules, server=self.m.http)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = run_cli("rule", "list", "--bus", "crm", server=self.m.http)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sales-to-loyalty", r.stdout)
        self.events.put_events(Entries=[{"Source": "shop", "DetailType": "SaleCompleted",
                                         "Detail": json.dumps({"amount": 12}), "EventBusName": "crm"}])
        got = wait_until(lambda: topic_values(self.m, "loyalty"), timeout=15, what="loyalty record")
        self.assertEqual(got[0], {"points": 12})
        # Applying again is idempotent.
        r = run_cli("rule", "apply", "-f", rules, server=self.m.http)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = run_cli("function", "delete", "echo", server=self.m.http)
        self.assertEqual(r.returncode, 0, r.stderr)


class PersistenceTest(unittest.TestCase):
    def test_rules_survive_restart(self):
        m = Meshd().start()
        try:
            ev = events_client(m)
            ev.put_rule(Name="keep", EventPattern=json.dumps({"source": ["k"]}))
            ev.put_targets(Rule="keep", Targets=[{"Id": "t", "Arn": "arn:meshd:topic:keep-out",
                                                  "RetryPolicy": {"MaximumRetryAttempts": 7}}])
            m.restart()
            ev = events_client(m)
            t = ev.list_targets_by_rule(Rule="keep")["Targets"]
            self.assertEqual(t[0]["RetryPolicy"]["MaximumRetryAttempts"], 7)
            ev.put_events(Entries=[{"Source": "k", "DetailType": "d", "Detail": "{}"}])
            wait_until(lambda: topic_values(m, "keep-out"), timeout=15, what="delivery after restart")
        finally:
            m.stop()
            m.cleanup()


if __name__ == "__main__":
    unittest.main()
