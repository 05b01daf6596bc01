"""Crash test (issue 2): a publisher writes to an fsync=always topic while
meshd gets kill -9 at random moments, for >= 20 cycles (MESHD_CRASH_CYCLES,
more under `make soak`). After each restart every acknowledged event is
present and intact, and each partition's offsets are dense and increasing."""
import json
import os
import random
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from meshd_harness import Meshd, cloudevent, http  # noqa: E402

TOPIC = "crash.orders"
PARTITIONS = 3
CYCLES = int(os.environ.get("MESHD_CRASH_CYCLES", "200" if os.environ.get("MESHD_SOAK") else "20"))


def read_partition(base, p):
    """All events of partition p, by explicit offset reads."""
    out = []
    offset = 0
    while True:
        r = http("GET", f"{base}/v1/topics/{TOPIC}/events?partition={p}&offset={offset}&max=1000&wait_ms=0")
        assert r.status == 200, r
        evs = r.json()["events"]
        if not evs:
            return out
        out.extend(evs)
        offset = evs[-1]["offset"] + 1


class CrashTest(unittest.TestCase):
    def test_kill9_cycles(self):
        rng = random.Random(int(os.environ.get("MESHD_CRASH_SEED", "20261127")))
        m = Meshd().start()
        acked = {}  # event id -> (partition, offset, data)
        seq = 0
        try:
            r = http("POST", f"{m.http}/v1/topics",
                     {"name": TOPIC, "partitions": PARTITIONS, "config": {"fsync": "always"}})
            self.assertEqual(r.status, 201, r)
            for cycle in range(CYCLES):
                base = m.http
                stop = threading.Event()
                lock = threading.Lock()

                def publisher(worker):
                    nonlocal seq
                    while not stop.is_set():
                        with lock:
                            n = seq
                            seq += 5
                        batch = [cloudevent(n + k, source="/crash", data={"n": n + k, "w": worker,
                                                                         "pad": "p" * (n % 300)})
                                 for k in range(5)]
                        try:
                            r = http("POST", f"{base}/v1/topics/{TOPIC}/events", json.dumps(batch),
                                     {"Content-Type": "application/cloudevents-batch+json"}, timeout=5)
                        except Exception:
                            return  # server died mid-request: not acknowledged
                        if r.status != 200:
                            return
                        with lock:
                            for ev, res in zip(batch, r.json()["results"]):
                                acked[ev["id"]] = (res["partition"], res["offset"], ev["data"])

                workers = [threading.Thread(target=publisher, args=(w,)) for w in range(3)]
                for w in workers:
                    w.start()
                time.sleep(rng.uniform(0.05, 0.6))  # the random crash moment (not a wait on state)
                m.kill9()
                stop.set()
                for w in workers:
                    w.join(timeout=10)
                m.start()
                base = m.http
                seen = {}
                for p in range(PARTITIONS):
                    evs = read_partition(base, p)
                    offsets = [e["offset"] for e in evs]
                    if offsets:
                        self.assertEqual(offsets, list(range(offsets[0], offsets[0] + len(offsets))),
                                         f"cycle {cycle}: partition {p} offsets dense and increasing")
                    for e in evs:
                        seen[e["event"]["id"]] = (p, e["offset"], e["event"]["data"])
                missing = [i for i in acked if i not in seen]
                self.assertEqual(missing[:5], [], f"cycle {cycle}: acknowledged events lost")
                wrong = [i for i, v in acked.items() if seen[i] != v]
                self.assertEqual(wrong[:5], [], f"cycle {cycle}: acknowledged events changed")
                print(f"cycle {cycle}: {len(acked)} acknowledged, {len(seen)} stored", flush=True)
            self.assertGreater(len(acked), CYCLES, "the publisher made progress")
        except Exception:
            sys.stderr.write(m.stderr_tail())
            raise
        finally:
            m.stop()
            m.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
