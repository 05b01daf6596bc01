"""confluent-kafka (python3-confluent-kafka 1.7.0 on librdkafka 2.0.2).

An idempotent Producer streams numbered messages while the broker is
restarted mid-stream (every connection dropped): the topic ends up with
every number exactly once, in order per partition. Then a Consumer group
with manual commits reads half, commits, closes; a second consumer in the
same group reads exactly the rest.
"""

import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_e2e_util import Broker, check, fail, wait_until  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "billing-invoices"
N = 6000
GROUP = "billing-readers"


def consume(bootstrap, limit, commit_every=100, timeout=60):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "session.timeout.ms": 10000, "enable.partition.eof": True})
    c.subscribe([TOPIC])
    got = []
    eof = set()
    deadline = time.monotonic() + timeout
    since_commit = 0
    while len(got) < limit and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            if len(eof) == 3 and c.assignment():
                break
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof.add(m.partition())
                continue
            fail("consumer error: %s" % m.error())
        eof.discard(m.partition())
        got.append((m.partition(), m.offset(), json.loads(m.value())["seq"]))
        since_commit += 1
        if since_commit >= commit_every or len(got) >= limit:
            c.commit(asynchronous=False)
            since_commit = 0
    if since_commit:
        c.commit(asynchronous=False)
    c.close()
    return got


def main():
    with Broker() as b:
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        admin.create_topics([NewTopic(TOPIC, num_partitions=3, replication_factor=1)])[TOPIC].result(30)

        p = Producer({"bootstrap.servers": b.bootstrap, "enable.idempotence": True,
                      "linger.ms": 5, "batch.num.messages": 50,
                      "message.timeout.ms": 60000, "reconnect.backoff.ms": 50})
        errors = []
        delivered = []

        def on_delivery(err, msg):
            if err:
                errors.append(str(err))
            else:
                delivered.append(msg.offset())

        restarted = threading.Event()
        for i in range(N):
            p.produce(TOPIC, key="acct-%d" % (i % 97), value=json.dumps({"seq": i}),
                      on_delivery=on_delivery)
            p.poll(0)
            if i == N // 2:
                # Wait until part of the stream is acknowledged, then restart the
                # broker while the rest is still being produced.
                wait_until(lambda: len(delivered) > N // 4 or p.poll(0.05) and False, 30,
                           "first deliveries")
                # SIGKILL: no graceful close; acknowledged data and producer
                # state must still be there (process death keeps the page cache).
                b.restart(signal.SIGKILL)
                restarted.set()
        remaining = p.flush(60)
        check(remaining == 0, "producer flushed every message after the restart")
        check(restarted.is_set(), "broker was restarted mid-stream")
        check(not errors, "no delivery errors (%s)" % errors[:3])
        check(len(delivered) == N, "all %d deliveries reported" % N)

        first = consume(b.bootstrap, N // 2)
        check(len(first) == N // 2, "manual-commit consumer read half (%d)" % len(first))
        rest = consume(b.bootstrap, N)
        seqs = sorted(s for _, _, s in first + rest)
        check(len(first) + len(rest) == N,
              "second consumer resumed at the commits: %d + %d = %d" % (len(first), len(rest), N))
        check(seqs == list(range(N)), "no duplicates or gaps in the topic after the restart")
        by_part = {}
        for part, off, s in sorted(first + rest, key=lambda x: (x[0], x[1])):
            by_part.setdefault(part, []).append(s)
        check(all(v == sorted(v) for v in by_part.values()), "per-partition order preserved")
    print("PASS test_kafka_confluent")


if __name__ == "__main__":
    main()
