"""Archive and replay: replaying a 1-hour window re-delivers exactly the archived
events that match the archive's pattern, marked with replay-name."""
import json
import time
import unittest

from meshd_harness import Meshd, wait_until
from bus_e2e_util import Receiver, bus_arn, events_client


class ReplayTest(unittest.TestCase):
    def test_replay_one_hour_window(self):
        rx = Receiver(lambda n: 200)
        m = Meshd().start()
        try:
            ev = events_client(m)
            arch = ev.create_archive(ArchiveName="orders-archive", EventSourceArn=bus_arn(),
                                     EventPattern=json.dumps({"detail-type": ["OrderPlaced"]}),
                                     RetentionDays=7)
            self.assertEqual(arch["State"], "ENABLED")
            ev.put_rule(Name="shop", EventPattern=json.dumps({"source": ["shop"]}))
            ev.put_targets(Rule="shop", Targets=[{"Id": "hook", "Arn": rx.url}])
            entries = [{"Source": "shop", "DetailType": t, "Detail": json.dumps({"n": n})}
                       for n, t in [(1, "OrderPlaced"), (2, "OrderCancelled"), (3, "OrderPlaced")]]
            ev.put_events(Entries=entries)
            wait_until(lambda: len(rx.successes()) == 3, timeout=20, what="first deliveries")
            # A window end on a whole second after these events, and one more
            # matching event after the window.
            start = time.time()
            wait_until(lambda: time.time() >= int(start) + 1, timeout=3, what="next second")
            window_end = int(time.time())
            wait_until(lambda: time.time() >= window_end + 1, timeout=3, what="past window end")
            ev.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"n": 4})}])
            wait_until(lambda: len(rx.successes()) == 4, timeout=20, what="late event")
            r = ev.start_replay(ReplayName="last-hour", EventSourceArn=arch["ArchiveArn"],
                                EventStartTime=window_end - 3600, EventEndTime=window_end,
                                Destination={"Arn": bus_arn()})
            self.assertIn(r["State"], ("STARTING", "RUNNING", "COMPLETED"))
            wait_until(lambda: ev.describe_replay(ReplayName="last-hour")["State"] == "COMPLETED",
                       timeout=20, what="replay completed")
            wait_until(lambda: len(rx.successes()) >= 6, timeout=20, what="replayed deliveries")
            replayed = [e for e in rx.successes() if e.get("replay-name") == "last-hour"]
            self.assertEqual(sorted(e["detail"]["n"] for e in replayed), [1, 3])
            # Nothing else arrives: the delivered count settles at 6.
            wait_until(lambda: ev.describe_replay(ReplayName="last-hour").get("EventLastReplayedTime"),
                       timeout=5, what="last replayed time")
            self.assertEqual(len(rx.successes()), 6)
        finally:
            m.stop()
            m.cleanup()
            rx.close()


if __name__ == "__main__":
    unittest.main()
