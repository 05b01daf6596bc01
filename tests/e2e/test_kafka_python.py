"""kafka-python 2.0.2 (Debian python3-kafka) against meshd's Kafka listener.

A KafkaProducer with a JSON value_serializer sends to crm-customer-updates; a
consumer group of two processes receives every message exactly once across
the members; committed offsets survive a restart of the broker.
"""

import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_e2e_util import Broker, check, fail, wait_until  # noqa: E402

TOPIC = "crm-customer-updates"
GROUP = "crm-sync"
N = 600


def consumer_main(bootstrap, out_path, ready_path):
    """Child process: one group member; writes received ids as JSON lines."""
    from kafka import KafkaConsumer

    c = KafkaConsumer(TOPIC, bootstrap_servers=bootstrap, group_id=GROUP,
                      auto_offset_reset="earliest", enable_auto_commit=False,
                      value_deserializer=lambda v: json.loads(v.decode()),
                      session_timeout_ms=10000, heartbeat_interval_ms=1000,
                      max_poll_records=50)
    deadline = time.monotonic() + 90
    idle_since = None
    last = None
    with open(out_path, "w") as out:
        while time.monotonic() < deadline:
            batch = c.poll(timeout_ms=500)
            now = sorted(p.partition for p in c.assignment())
            if now != last:
                # Publish the current assignment (atomically) for the parent.
                with open(ready_path + ".tmp", "w") as f:
                    f.write(json.dumps(now))
                os.replace(ready_path + ".tmp", ready_path)
                last = now
            if batch:
                for records in batch.values():
                    for r in records:
                        out.write(json.dumps({"id": r.value["id"], "p": r.partition}) + "\n")
                out.flush()
                c.commit()
                idle_since = None
            elif os.path.exists(out_path + ".stop"):
                if idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > 3:
                    break
    c.close()


def main():
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic

    with Broker() as b:
        admin = KafkaAdminClient(bootstrap_servers=b.bootstrap)
        admin.create_topics([NewTopic(TOPIC, num_partitions=4, replication_factor=1)])
        admin.close()

        tmp = b.data_dir + "-py"
        os.makedirs(tmp, exist_ok=True)
        outs = [os.path.join(tmp, "member%d.jsonl" % i) for i in range(2)]
        readies = [o + ".ready" for o in outs]
        procs = [subprocess.Popen([sys.executable, __file__, "--consumer", b.bootstrap, o, r])
                 for o, r in zip(outs, readies)]
        try:
            # Both members hold partitions before anything is produced.
            def both_assigned():
                if not all(os.path.exists(r) for r in readies):
                    return False
                parts = [set(json.load(open(r))) for r in readies]
                return parts[0] and parts[1] and not (parts[0] & parts[1])
            wait_until(lambda: any(p.poll() is not None for p in procs) and fail("consumer died")
                       or both_assigned(), 60, "two group members with disjoint assignments")
            check(True, "group of 2 members, disjoint assignments")

            p = KafkaProducer(bootstrap_servers=b.bootstrap, acks="all",
                              value_serializer=lambda v: json.dumps(v).encode(),
                              key_serializer=lambda k: k.encode())
            for i in range(N):
                p.send(TOPIC, key="customer-%d" % i, value={"id": i, "name": "c%d" % i})
            p.flush(timeout=30)
            p.close()
            check(True, "KafkaProducer sent %d JSON messages" % N)

            def received():
                ids = []
                for o in outs:
                    if os.path.exists(o):
                        ids += [json.loads(l)["id"] for l in open(o) if l.strip()]
                return ids
            wait_until(lambda: len(received()) >= N, 60, "all messages consumed")
            for o in outs:
                open(o + ".stop", "w").close()
            for pr in procs:
                pr.wait(timeout=60)
        finally:
            for pr in procs:
                if pr.poll() is None:
                    pr.kill()
        ids = received()
        per_member = [sum(1 for l in open(o) if l.strip()) for o in outs]
        shutil.rmtree(tmp, ignore_errors=True)
        check(sorted(ids) == list(range(N)), "every message exactly once across the group "
              "(%d received, per member %s)" % (len(ids), per_member))
        check(all(n > 0 for n in per_member), "both members received messages")

        b.restart()
        c = KafkaConsumer(bootstrap_servers=b.bootstrap, group_id=GROUP, enable_auto_commit=False)
        parts = [TopicPartition(TOPIC, i) for i in range(4)]
        committed = sum((c.committed(tp) or 0) for tp in parts)
        c.close()
        check(committed == N, "committed offsets survive a restart (sum %d)" % committed)

        p = KafkaProducer(bootstrap_servers=b.bootstrap,
                          value_serializer=lambda v: json.dumps(v).encode())
        for i in range(N, N + 20):
            p.send(TOPIC, value={"id": i})
        p.flush(timeout=30)
        p.close()
        c = KafkaConsumer(TOPIC, bootstrap_servers=b.bootstrap, group_id=GROUP,
                          auto_offset_reset="earliest", consumer_timeout_ms=6000,
                          value_deserializer=lambda v: json.loads(v.decode()))
        after = sorted(m.value["id"] for m in c)
        c.close()
        check(after == list(range(N, N + 20)),
              "after restart the group resumes at its commits (got %d new)" % len(after))
    print("PASS test_kafka_python")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--consumer":
        consumer_main(*sys.argv[2:5])
    else:
        main()
