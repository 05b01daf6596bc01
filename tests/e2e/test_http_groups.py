"""End to end (issue 2): 10,000 events over HTTP to a 4-partition topic, read
by a consumer group of 2 members, exactly that set; after a restart the
committed offsets resume without loss and re-deliver at most the uncommitted
tail."""
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, cloudevent, http, wait_until  # noqa: E402

TOPIC = "pos.sales"
N = 10_000


class GroupMember:
    """One HTTP consumer-group member: polls, remembers its member id, commits."""

    def __init__(self, base, group):
        self.base = base
        self.group = group
        self.member_id = None

    def poll(self, max_events=500, wait_ms=300, auto_commit=False):
        url = f"{self.base}/v1/topics/{TOPIC}/events?group={self.group}&max={max_events}&wait_ms={wait_ms}"
        if self.member_id:
            url += f"&member_id={self.member_id}"
        if auto_commit:
            url += "&auto_commit=true"
        r = http("GET", url, timeout=30)
        if r.status != 200:
            raise AssertionError(f"poll failed: {r}")
        body = r.json()
        mid = body.get("member_id") or r.headers.get("X-Meshd-Member-Id") or r.headers.get("x-meshd-member-id")
        if mid:
            self.member_id = mid
        return body["events"]

    def commit(self, events):
        nxt = {}
        for e in events:
            nxt[e["partition"]] = max(nxt.get(e["partition"], -1), e["offset"] + 1)
        if not nxt:
            return
        url = f"{self.base}/v1/topics/{TOPIC}/commit?group={self.group}"
        if self.member_id:
            url += f"&member_id={self.member_id}"
        r = http("POST", url, {"offsets": [{"partition": p, "offset": o} for p, o in nxt.items()]})
        if r.status not in (200, 204):
            raise AssertionError(f"commit failed: {r}")

    def leave(self):
        if self.member_id:
            http("DELETE", f"{self.base}/v1/groups/{self.group}/members/{self.member_id}")


def publish(base, start, count):
    url = f"{base}/v1/topics/{TOPIC}/events"
    for lo in range(start, start + count, 200):
        batch = [cloudevent(i, source="/pos/store-1", type_="SaleCompleted",
                            data={"sale": i, "amount": i % 97}, partitionkey=f"c{i % 101}")
                 for i in range(lo, min(lo + 200, start + count))]
        r = http("POST", url, json.dumps(batch), {"Content-Type": "application/cloudevents-batch+json"})
        assert r.status == 200, r
        assert len(r.json()["results"]) == len(batch)


class HttpGroupsTest(unittest.TestCase):
    def test_group_of_two_then_restart(self):
        m = Meshd().start()
        try:
            base = m.http
            r = http("POST", f"{base}/v1/topics", {"name": TOPIC, "partitions": 4})
            self.assertEqual(r.status, 201, r)
            a, b = GroupMember(base, "analytics"), GroupMember(base, "analytics")
            # Both members join before any data exists, so membership is stable.
            a.poll(wait_ms=0)
            b.poll(wait_ms=0)
            a.poll(wait_ms=0)
            publish(base, 0, N)

            got = {"a": [], "b": []}
            stop = threading.Event()
            errors = []

            def run(name, member):
                try:
                    while not stop.is_set():
                        evs = member.poll()
                        got[name].extend(e["event"]["id"] for e in evs)
                        member.commit(evs)
                except Exception as e:  # surfaced below
                    errors.append(e)

            threads = [threading.Thread(target=run, args=("a", a)),
                       threading.Thread(target=run, args=("b", b))]
            for t in threads:
                t.start()
            try:
                wait_until(lambda: errors or len(got["a"]) + len(got["b"]) >= N, timeout=180,
                           interval=0.1, what="10,000 events consumed")
            finally:
                stop.set()
                for t in threads:
                    t.join(timeout=30)
            self.assertEqual(errors, [])
            all_ids = got["a"] + got["b"]
            expected = {f"ev-{i}" for i in range(N)}
            self.assertEqual(set(all_ids), expected)
            self.assertEqual(len(all_ids), N, "no event delivered twice within a stable group")
            self.assertGreater(len(got["a"]), 0, "member a got a share")
            self.assertGreater(len(got["b"]), 0, "member b got a share")
            b.leave()

            # Phase 2: more events; commit part, leave an uncommitted tail, restart.
            publish(base, N, 1000)
            seen_committed = set()
            while len(seen_committed) < 300:
                evs = a.poll(max_events=100)
                a.commit(evs)
                seen_committed.update(e["event"]["id"] for e in evs)
            tail = a.poll(max_events=100)  # polled, never committed
            tail_ids = {e["event"]["id"] for e in tail}
            self.assertTrue(tail_ids)
            m.restart()
            base = m.http
            c = GroupMember(base, "analytics")
            after = []
            remaining = {f"ev-{i}" for i in range(N, N + 1000)} - seen_committed
            deadline = time.monotonic() + 60
            while not remaining.issubset(set(after)) and time.monotonic() < deadline:
                evs = c.poll(max_events=500)
                after.extend(e["event"]["id"] for e in evs)
                c.commit(evs)
            self.assertTrue(remaining.issubset(set(after)), "no loss after restart")
            redelivered = set(after) & (seen_committed | expected)
            self.assertEqual(redelivered, set(), "committed events are not re-delivered")
            extra = set(after) - remaining
            self.assertTrue(extra.issubset(tail_ids), f"only the uncommitted tail may repeat: {sorted(extra)[:5]}")
            self.assertEqual(len(after), len(set(after)))
        except Exception:
            sys.stderr.write(m.stderr_tail())
            raise
        finally:
            m.stop()
            m.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
