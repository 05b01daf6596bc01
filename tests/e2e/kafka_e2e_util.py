"""Shared helpers for the Kafka end-to-end tests (tests/e2e/test_kafka_*.py).

Starts a broker on loopback and reads its listening line:
  * `$MESHD_BIN serve --data-dir D --http 127.0.0.1:0 --kafka 127.0.0.1:PORT`
    (any stdout JSON line with a "kafka" key gives the address), or, when that
    is not available,
  * `$KAFKA_TEST_SERVER --data-dir D --port PORT` (src/kafka/tests/kafka_test_server.cc).
Also a tiny raw Kafka client for byte-level checks (codec bits, malformed frames).
Every wait is bounded.
"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok: " + msg, flush=True)


def wait_until(pred, timeout, what, interval=0.05):
    """Polls `pred` until it is truthy or `timeout` seconds pass (then fails)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            fail("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


class Broker:
    """A meshd (or kafka_test_server) process on 127.0.0.1."""

    def __init__(self, data_dir=None, extra_args=None, test_server_only=False):
        self.owns_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="meshd_kafka_e2e_")
        self.extra_args = extra_args or []
        self.test_server_only = test_server_only
        self.proc = None
        self.port = 0
        self.bootstrap = None
        self.stderr_path = os.path.join(os.path.dirname(os.path.abspath(self.data_dir)),
                                        os.path.basename(self.data_dir) + ".stderr")

    def _commands(self, port):
        cmds = []
        meshd = os.environ.get("MESHD_BIN")
        if meshd and not self.test_server_only and os.path.exists(meshd):
            # meshd spells the test server's --sasl-user as --kafka-sasl-user.
            extra = ["--kafka-sasl-user" if a == "--sasl-user" else a for a in self.extra_args]
            cmds.append([meshd, "serve", "--data-dir", self.data_dir, "--http", "127.0.0.1:0",
                         "--registry", "off", "--kafka", "127.0.0.1:%d" % port] + extra)
        ts = os.environ.get("KAFKA_TEST_SERVER")
        if ts and os.path.exists(ts):
            cmds.append([ts, "--data-dir", self.data_dir, "--port", str(port)] + self.extra_args)
        return cmds

    def start(self, port=None):
        port = self.port if port is None else port
        cmds = self._commands(port)
        if not cmds:
            fail("neither MESHD_BIN nor KAFKA_TEST_SERVER points at a server binary")
        last_err = ""
        for cmd in cmds:
            err = open(self.stderr_path, "ab")
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
            addr = self._read_listening(proc, timeout=20)
            if addr:
                self.proc = proc
                self.bootstrap = addr
                self.port = int(addr.rsplit(":", 1)[1])
                print("broker: %s (%s)" % (addr, os.path.basename(cmd[0])), flush=True)
                return self
            proc.kill()
            proc.wait(timeout=10)
            last_err = "no listening line from %s" % cmd
        fail(last_err + "; stderr in " + self.stderr_path)

    @staticmethod
    def _read_listening(proc, timeout):
        result = {}

        def reader():
            for line in proc.stdout:
                line = line.strip()
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict) and obj.get("kafka"):
                    result["addr"] = obj["kafka"]
                    break
            # Keep draining stdout so the server never blocks on a full pipe.
            for _ in proc.stdout:
                pass

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and "addr" not in result and proc.poll() is None:
            time.sleep(0.02)
        return result.get("addr")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                rc = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                fail("the broker did not stop within 20 s of signal %d; stderr in %s" % (sig, self.stderr_path))
            # A graceful stop exits 0; anything else is a crash at shutdown
            # (or, in the ASan build, a sanitizer report).
            if sig == signal.SIGTERM and rc != 0:
                fail("the broker exited with %d on SIGTERM; stderr in %s" % (rc, self.stderr_path))
        self.proc = None

    def restart(self, sig=signal.SIGTERM):
        """Stops and starts again on the same port and data dir."""
        port = self.port
        self.stop(sig)
        # The port is normally free at once (SO_REUSEADDR); retry briefly.
        deadline = time.monotonic() + 15
        while True:
            try:
                return self.start(port)
            except SystemExit:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def cleanup(self):
        self.stop()
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            try:
                os.unlink(self.stderr_path)
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        failed = exc_type is not None and not (exc_type is SystemExit and not exc.code)
        if failed and os.path.exists(self.stderr_path):
            # Show the broker's log on failure before it is removed.
            with open(self.stderr_path, errors="replace") as f:
                lines = f.readlines()[-40:]
            print("---- broker stderr (last %d lines) ----" % len(lines))
            print("".join(lines), end="")
        self.cleanup()


# ---------------------------------------------------------------- raw client
def _str(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


class RawClient:
    """Minimal non-flexible Kafka client for byte-level assertions."""

    def __init__(self, bootstrap, timeout=10):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.corr = 0

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def request(self, api_key, version, body, client_id="raw-e2e"):
        self.corr += 1
        payload = struct.pack(">hhi", api_key, version, self.corr) + _str(client_id) + body
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        return self.read_response()

    def read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by broker")
            buf += chunk
        return buf

    def read_response(self):
        size = struct.unpack(">i", self.read_exact(4))[0]
        data = self.read_exact(size)
        corr = struct.unpack(">i", data[:4])[0]
        return corr, data[4:]

    def is_closed(self, timeout=5):
        """True if the broker closes the connection within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except socket.timeout:
            return False
        except ConnectionError:
            return True

    def fetch_batches(self, topic, partition, offset=0, max_bytes=1 << 20):
        """Fetch v4; returns (high_watermark, [batch header dicts])."""
        body = struct.pack(">iiiib", -1, 100, 1, max_bytes, 0)
        body += struct.pack(">i", 1) + _str(topic) + struct.pack(">i", 1)
        body += struct.pack(">iqi", partition, offset, max_bytes)
        _, resp = self.request(1, 4, body)
        pos = 4  # throttle
        (ntopics,) = struct.unpack_from(">i", resp, pos); pos += 4
        (tlen,) = struct.unpack_from(">h", resp, pos); pos += 2 + tlen
        (nparts,) = struct.unpack_from(">i", resp, pos); pos += 4
        part, err, hwm, lso = struct.unpack_from(">ihqq", resp, pos); pos += 4 + 2 + 8 + 8
        (naborted,) = struct.unpack_from(">i", resp, pos); pos += 4
        if naborted > 0:
            pos += 16 * naborted
        (rlen,) = struct.unpack_from(">i", resp, pos); pos += 4
        records = resp[pos:pos + max(rlen, 0)]
        if err != 0:
            raise RuntimeError("fetch error %d" % err)
        batches = []
        p = 0
        while p + 61 <= len(records):
            base_offset, blen = struct.unpack_from(">qi", records, p)
            if p + 12 + blen > len(records):
                break
            attrs = struct.unpack_from(">h", records, p + 21)[0]
            last_delta = struct.unpack_from(">i", records, p + 23)[0]
            count = struct.unpack_from(">i", records, p + 57)[0]
            batches.append({"base_offset": base_offset, "codec": attrs & 7,
                            "last_offset": base_offset + last_delta, "count": count})
            p += 12 + blen
        return hwm, lso, batches


def all_batches(bootstrap, topic, partition):
    c = RawClient(bootstrap)
    try:
        out, offset = [], 0
        hwm = None
        for _ in range(100000):
            hwm, lso, batches = c.fetch_batches(topic, partition, offset)
            if not batches:
                break
            out.extend(batches)
            offset = batches[-1]["last_offset"] + 1
            if offset >= hwm:
                break
        return hwm, out
    finally:
        c.close()
