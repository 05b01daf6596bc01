"""kill -9 of meshd in mid-retry, then a restart, still ends in delivery or in
the DLQ: retry state lives with the target's committed offset."""
import json
import os
import unittest

from meshd_harness import Meshd, wait_until
from bus_e2e_util import Receiver, events_client, topic_values

SLOW = dict(os.environ, MESHD_BUS_BACKOFF_BASE_MS="200", MESHD_BUS_BACKOFF_CAP_MS="400")


class CrashInRetryTest(unittest.TestCase):
    def test_kill9_mid_retry_then_delivery(self):
        rx = Receiver(lambda n: 500)
        m = Meshd(env=SLOW).start()
        try:
            ev = events_client(m)
            ev.put_rule(Name="crashy", EventPattern=json.dumps({"source": ["crashy"]}))
            ev.put_targets(Rule="crashy", Targets=[{"Id": "hook", "Arn": rx.url,
                                                    "DeadLetterConfig": {"Arn": "arn:meshd:topic:crashy-dlq"}}])
            r = ev.put_events(Entries=[{"Source": "crashy", "DetailType": "T", "Detail": '{"k":1}'}])
            event_id = r["Entries"][0]["EventId"]
            wait_until(lambda: rx.count() >= 2, timeout=20, what="two failed attempts")
            m.kill9()
            rx.policy = lambda n: 200
            m.start()
            ok = wait_until(lambda: rx.successes(), timeout=30, what="delivery after restart")
            self.assertEqual(ok[0]["id"], event_id)
            self.assertEqual(topic_values(m, "crashy-dlq"), [])
        finally:
            m.stop()
            m.cleanup()
            rx.close()

    def test_kill9_mid_retry_then_dlq_counts_earlier_attempts(self):
        rx = Receiver(lambda n: 500)
        m = Meshd(env=SLOW).start()
        try:
            ev = events_client(m)
            ev.put_rule(Name="doomed", EventPattern=json.dumps({"source": ["doomed"]}))
            ev.put_targets(Rule="doomed", Targets=[{"Id": "hook", "Arn": rx.url,
                                                    "RetryPolicy": {"MaximumRetryAttempts": 4},
                                                    "DeadLetterConfig": {"Arn": "arn:meshd:topic:doomed-dlq"}}])
            ev.put_events(Entries=[{"Source": "doomed", "DetailType": "T", "Detail": '{"k":2}'}])
            wait_until(lambda: rx.count() >= 3, timeout=20, what="three failed attempts")
            m.kill9()
            before = rx.count()
            m.start()
            dlq = wait_until(lambda: topic_values(m, "doomed-dlq"), timeout=30, what="DLQ after restart")
            rec = dlq[0]
            self.assertEqual(rec["exhaustedRetryCondition"], "MaximumRetryAttempts")
            # 5 attempts in total; an attempt in flight at the kill may be repeated.
            self.assertIn(rec["attempts"], (5, 6))
            self.assertGreater(rx.count(), before)
            self.assertLessEqual(rx.count(), 6)
        finally:
            m.stop()
            m.cleanup()
            rx.close()


if __name__ == "__main__":
    unittest.main()
