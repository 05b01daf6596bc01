"""Malformed input on meshd's Kafka listener: an absurd length, a truncated
frame, an unknown API key, an unsupported version, or garbage closes only
that connection (with a log line); other connections keep working. An
unsupported ApiVersions version gets a v0 body with UNSUPPORTED_VERSION.
Frames of 64 KiB or more (read once queued, under a receive low-water mark)
are answered when they arrive in small pieces, and the connection then
answers small requests again."""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_e2e_util import Broker, RawClient, check  # noqa: E402


def uvarint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def big_api_versions(corr, name_len):
    """An ApiVersions v3 frame (flexible header) whose client software name
    is `name_len` letters: a valid request of any size."""
    name = b"a" * name_len
    payload = (struct.pack(">hhih", 18, 3, corr, -1) + b"\x00" + uvarint(len(name) + 1) + name +
               uvarint(2) + b"1" + b"\x00")
    return struct.pack(">i", len(payload)) + payload


def metadata_ok(bootstrap):
    c = RawClient(bootstrap)
    try:
        corr, body = c.request(3, 1, struct.pack(">i", -1))  # Metadata v1, all topics
        return corr == c.corr and len(body) > 8
    finally:
        c.close()


def main():
    with Broker() as b:
        keep = RawClient(b.bootstrap)  # stays open through all the abuse
        corr, body = keep.request(18, 0, b"")
        check(struct.unpack(">h", body[:2])[0] == 0, "ApiVersions v0 works")

        c = RawClient(b.bootstrap)
        corr, body = c.request(18, 99, b"")
        err, n = struct.unpack(">hi", body[:6])
        check(err == 35 and n > 10, "ApiVersions v99 -> v0 body, UNSUPPORTED_VERSION, full table")
        c.close()

        cases = {
            "absurd length": struct.pack(">i", 0x7FFFFFF0),
            "negative length": struct.pack(">i", -5),
            "unknown api key": (lambda p: struct.pack(">i", len(p)) + p)(
                struct.pack(">hhih", 999, 0, 1, -1)),
            "unsupported Fetch version": (lambda p: struct.pack(">i", len(p)) + p)(
                struct.pack(">hhih", 1, 0, 1, -1)),
            "truncated header": struct.pack(">i", 3) + b"\x00\x03\x00",
            "undecodable body": (lambda p: struct.pack(">i", len(p)) + p)(
                struct.pack(">hhih", 3, 1, 1, -1) + b"\x7f\xff\xff\xff"),
        }
        for name, data in cases.items():
            c = RawClient(b.bootstrap)
            c.send_raw(data)
            check(c.is_closed(5), "%s closes that connection" % name)
            c.close()
        # A frame cut short by the client disconnecting mid-body.
        c = RawClient(b.bootstrap)
        c.send_raw(struct.pack(">i", 100) + b"\x00\x12")
        c.close()

        # A big frame cut short: the client leaves 40 KB into 100 KB.
        c = RawClient(b.bootstrap)
        c.send_raw(struct.pack(">i", 100000) + b"\x00\x12" + b"x" * 40000)
        c.close()

        # A 70 KB frame sent 4 KiB at a time with pauses, then a small request
        # on the same connection (the low-water mark must be back to 1 byte,
        # or the next 4-byte length would never be read).
        big = RawClient(b.bootstrap)
        frame = big_api_versions(7, 70000)
        for i in range(0, len(frame), 4096):
            big.send_raw(frame[i:i + 4096])
            time.sleep(0.002)
        corr, body = big.read_response()
        check(corr == 7 and struct.unpack(">h", body[:2])[0] == 0, "a 70 KB frame sent in pieces is answered")
        big.corr = 7
        corr, body = big.request(18, 0, b"")
        check(corr == 8 and struct.unpack(">h", body[:2])[0] == 0, "then a small request on that connection")
        big.send_raw(big_api_versions(9, 300000))  # all at once this time
        corr, body = big.read_response()
        check(corr == 9 and struct.unpack(">h", body[:2])[0] == 0, "a 300 KB frame sent at once is answered")
        big.close()

        corr, body = keep.request(18, 2, b"")
        check(corr == keep.corr and struct.unpack(">h", body[:2])[0] == 0,
              "the untouched connection still answers")
        check(metadata_ok(b.bootstrap), "new connections still work")

        # Pipelining: three requests written at once are answered in order.
        p = RawClient(b.bootstrap)
        frames = b""
        for corr_id, (key, ver, body) in enumerate([(18, 0, b""), (3, 1, struct.pack(">i", -1)),
                                                    (18, 1, b"")], start=100):
            payload = struct.pack(">hhih", key, ver, corr_id, -1) + body
            frames += struct.pack(">i", len(payload)) + payload
        p.send_raw(frames)
        got = [p.read_response()[0] for _ in range(3)]
        check(got == [100, 101, 102], "pipelined requests answered in order")
        p.close()
        keep.close()
    print("PASS test_kafka_robustness")


if __name__ == "__main__":
    main()
