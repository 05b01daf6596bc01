"""SASL on meshd's Kafka listener (PLAIN and SCRAM-SHA-256):
kafka-python 2.0.2 (SaslHandshake v0 + raw tokens), librdkafka via kcat and
confluent-kafka (SaslHandshake v1 + SaslAuthenticate). Wrong passwords are
refused and unauthenticated requests get the connection closed.

Users come from `meshd serve --kafka-sasl-user alice:secret` (or the
kafka_test_server's --sasl-user when KAFKA_TEST_SERVER is set).
"""

import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_e2e_util import Broker, RawClient, check, fail  # noqa: E402


def kcat_ok(bootstrap, mech, password, topic):
    args = ["kcat", "-b", bootstrap, "-X", "security.protocol=SASL_PLAINTEXT",
            "-X", "sasl.mechanisms=" + mech, "-X", "sasl.username=alice",
            "-X", "sasl.password=" + password, "-m", "10"]
    r = subprocess.run(args + ["-t", topic, "-P"], input="a\nb\n", capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 0:
        return False
    r = subprocess.run(args + ["-t", topic, "-C", "-e", "-o", "beginning", "-q"],
                       capture_output=True, text=True, timeout=30)
    return r.returncode == 0 and r.stdout.split() == ["a", "b"]


def main():
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.errors import KafkaError

    with Broker(extra_args=["--sasl-user", "alice:secret"]) as b:
        c = RawClient(b.bootstrap)
        c.send_raw((lambda p: struct.pack(">i", len(p)) + p)(
            struct.pack(">hhih", 3, 1, 1, -1) + struct.pack(">i", -1)))
        check(c.is_closed(5), "Metadata before authentication closes the connection")
        c.close()

        for mech in ["PLAIN", "SCRAM-SHA-256"]:
            topic = "sasl-py-" + mech.lower().replace("-", "")
            common = dict(bootstrap_servers=b.bootstrap, security_protocol="SASL_PLAINTEXT",
                          sasl_mechanism=mech, sasl_plain_username="alice",
                          sasl_plain_password="secret")
            p = KafkaProducer(**common)
            p.send(topic, b"hello-" + mech.encode()).get(timeout=20)
            p.close()
            cons = KafkaConsumer(topic, auto_offset_reset="earliest", consumer_timeout_ms=4000,
                                 **common)
            vals = [m.value for m in cons]
            cons.close()
            check(vals == [b"hello-" + mech.encode()], "kafka-python %s (raw-token path)" % mech)
            try:
                bad = dict(common, sasl_plain_password="wrong")
                p = KafkaProducer(request_timeout_ms=3000, max_block_ms=4000, **bad)
                p.send(topic, b"x").get(timeout=5)
                fail("kafka-python with a wrong %s password was accepted" % mech)
            except KafkaError:
                check(True, "kafka-python wrong %s password refused" % mech)

            check(kcat_ok(b.bootstrap, mech, "secret", "sasl-kcat-" + mech.lower().replace("-", "")),
                  "kcat (librdkafka) %s produce + consume" % mech)
        check(not kcat_ok(b.bootstrap, "SCRAM-SHA-256", "nope", "sasl-kcat-bad"),
              "kcat wrong SCRAM password refused")
    print("PASS test_kafka_sasl")


if __name__ == "__main__":
    main()
