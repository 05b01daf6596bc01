"""kcat (librdkafka 2.0.2) against meshd's Kafka listener.

10,000 keyed messages, 2,500 each with gzip, snappy, lz4 and zstd, to a
3-partition topic; consumed back with -C and in a group with -G: counts and
payloads equal. The stored batches carry every codec (codec bits non-zero for
the compressible payload), read back with a raw Fetch.
"""

import collections
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_e2e_util import Broker, all_batches, check, fail  # noqa: E402

from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "kcat-orders"
CODECS = ["gzip", "snappy", "lz4", "zstd"]
PER_CODEC = 2500


def kcat(args, stdin=None, timeout=180):
    r = subprocess.run(["kcat"] + args, input=stdin, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        fail("kcat %s exited %d: %s" % (" ".join(args), r.returncode, r.stderr[-2000:]))
    return r.stdout


def main():
    with Broker() as b:
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        fut = admin.create_topics([NewTopic(TOPIC, num_partitions=3, replication_factor=1)])
        fut[TOPIC].result(timeout=30)
        md = kcat(["-b", b.bootstrap, "-L", "-t", TOPIC])
        check("3 partitions" in md or md.count("partition ") == 3, "topic has 3 partitions")

        expected = collections.Counter()
        for ci, codec in enumerate(CODECS):
            lines = []
            for i in range(PER_CODEC):
                n = ci * PER_CODEC + i
                key = "cust-%05d" % n
                # Repetitive, compressible value (~200 bytes).
                value = '{"n":%d,"codec":"%s","note":"%s"}' % (n, codec, "abcdefgh" * 20)
                lines.append(key + "\t" + value)
                expected[(key, value)] += 1
            kcat(["-b", b.bootstrap, "-t", TOPIC, "-P", "-K", "\t", "-z", codec,
                  "-X", "linger.ms=20", "-X", "acks=all"], stdin="\n".join(lines) + "\n")
        check(sum(expected.values()) == 10000, "produced 10,000 messages")

        out = kcat(["-b", b.bootstrap, "-t", TOPIC, "-C", "-e", "-o", "beginning", "-q",
                    "-f", "%k\t%s\n"])
        got = collections.Counter(tuple(l.split("\t", 1)) for l in out.splitlines() if l)
        check(sum(got.values()) == 10000, "kcat -C read 10,000 messages (got %d)" % sum(got.values()))
        check(got == expected, "kcat -C payloads and keys equal what was produced")

        out = kcat(["-b", b.bootstrap, "-G", "kcat-e2e-group", TOPIC, "-e", "-q",
                    "-X", "auto.offset.reset=earliest", "-f", "%k\t%s\n"])
        got = collections.Counter(tuple(l.split("\t", 1)) for l in out.splitlines() if l)
        check(got == expected, "kcat -G group consume equals what was produced (%d)" % sum(got.values()))

        codecs_seen = set()
        total = 0
        for p in range(3):
            hwm, batches = all_batches(b.bootstrap, TOPIC, p)
            total += sum(x["count"] for x in batches)
            codecs_seen |= {x["codec"] for x in batches}
        check(total == 10000, "raw fetch counts 10,000 records over 3 partitions")
        check({1, 2, 3, 4} <= codecs_seen,
              "stored batches keep gzip/snappy/lz4/zstd codec bits (seen %s)" % sorted(codecs_seen))
    print("PASS test_kafka_kcat")


if __name__ == "__main__":
    main()
