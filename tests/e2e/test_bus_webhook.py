"""Webhook targets end to end: retries with backoff deliver once, permanent and
exhausted failures land in the dead-letter topic with the reason."""
import json
import os
import unittest

from meshd_harness import Meshd, wait_until
from bus_e2e_util import Receiver, events_client, metric, topic_values

FAST = dict(os.environ, MESHD_BUS_BACKOFF_BASE_MS="50", MESHD_BUS_BACKOFF_CAP_MS="200")


class WebhookTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Meshd(env=FAST).start()
        cls.events = events_client(cls.m)

    @classmethod
    def tearDownClass(cls):
        cls.m.stop()
        cls.m.cleanup()

    def rule(self, name, url, **target):
        self.events.put_rule(Name=name, EventPattern=json.dumps({"source": [name]}))
        t = {"Id": "hook", "Arn": url, "DeadLetterConfig": {"Arn": f"arn:meshd:topic:{name}-dlq"}}
        t.update(target)
        r = self.events.put_targets(Rule=name, Targets=[t])
        self.assertEqual(r["FailedEntryCount"], 0, r)

    def put(self, source, detail):
        r = self.events.put_events(Entries=[{"Source": source, "DetailType": "Test",
                                             "Detail": json.dumps(detail)}])
        self.assertEqual(r["FailedEntryCount"], 0)
        return r["Entries"][0]["EventId"]

    def test_fails_three_times_then_delivered_once(self):
        rx = Receiver(lambda n: 500 if n <= 3 else 200)
        try:
            self.rule("flaky", rx.url)
            event_id = self.put("flaky", {"n": 1})
            wait_until(lambda: rx.successes(), timeout=20, what="successful delivery")
            wait_until(lambda: metric(self.m, "meshd_bus_delivered_total", rule="flaky") == 1,
                       timeout=10, what="delivered metric")
            self.assertEqual(rx.count(), 4)
            ok = rx.successes()
            self.assertEqual(len(ok), 1)
            self.assertEqual(ok[0]["id"], event_id)
            self.assertEqual(ok[0]["detail"], {"n": 1})
            self.assertEqual(metric(self.m, "meshd_bus_retries_total", rule="flaky"), 3)
            self.assertEqual(topic_values(self.m, "flaky-dlq"), [])
        finally:
            rx.close()

    def test_permanent_failure_goes_to_dlq_with_reason(self):
        rx = Receiver(lambda n: 400)
        try:
            self.rule("broken", rx.url)
            event_id = self.put("broken", {"n": 2})
            dlq = wait_until(lambda: topic_values(self.m, "broken-dlq"), timeout=20, what="DLQ record")
            rec = dlq[0]
            self.assertEqual(rec["errorCode"], "HTTP_400")
            self.assertIn("400", rec["errorMessage"])
            self.assertEqual(rec["exhaustedRetryCondition"], "")
            self.assertEqual(rec["attempts"], 1)
            self.assertEqual(rec["targetArn"], rx.url)
            self.assertTrue(rec["ruleArn"].endswith("rule/broken"))
            self.assertEqual(rec["event"]["id"], event_id)
            self.assertEqual(rx.count(), 1)  # 4xx is not retried
        finally:
            rx.close()

    def test_retries_exhausted_go_to_dlq(self):
        rx = Receiver(lambda n: 503)
        try:
            self.rule("down", rx.url, RetryPolicy={"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 600})
            self.put("down", {"n": 3})
            dlq = wait_until(lambda: topic_values(self.m, "down-dlq"), timeout=20, what="DLQ record")
            self.assertEqual(dlq[0]["exhaustedRetryCondition"], "MaximumRetryAttempts")
            self.assertEqual(dlq[0]["retryAttempts"], 2)
            self.assertEqual(dlq[0]["errorCode"], "HTTP_503")
            self.assertEqual(rx.count(), 3)
        finally:
            rx.close()


if __name__ == "__main__":
    unittest.main()
