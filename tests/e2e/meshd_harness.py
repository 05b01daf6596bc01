"""Shared helpers for meshd end-to-end tests.

Starts a real `meshd serve` on loopback with ephemeral ports, reads the
machine-readable listening line, and offers small HTTP helpers. Every wait is
bounded; nothing sleeps blindly.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

MESHD_BIN = os.environ.get("MESHD_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "meshd")
SOURCE_DIR = os.environ.get("MESHD_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))


def wait_until(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Polls predicate() until truthy; raises AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last={last!r})")


class Meshd:
    """A meshd server process. Use as a context manager or call start/stop."""

    def __init__(self, data_dir=None, extra_args=(), listeners=("http", "kafka", "registry"), env=None):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="meshd-e2e-")
        self.extra_args = list(extra_args)
        self.listeners = listeners
        self.env = env
        self.proc = None
        self.endpoints = {}
        # Beside the data dir, spelled without "..": cleanup() removes the dir
        # first, and a path through it would no longer resolve.
        self.stderr_path = os.path.join(os.path.dirname(os.path.abspath(self.data_dir)),
                                        os.path.basename(self.data_dir) + ".stderr")

    def start(self, timeout=20.0):
        args = [MESHD_BIN, "serve", "--data-dir", self.data_dir]
        for name in self.listeners:
            args += [f"--{name}", "127.0.0.1:0"]
        args += self.extra_args
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._stderr,
                                     env=self.env)
        line_box = {}

        def read_line():
            for raw in self.proc.stdout:
                try:
                    obj = json.loads(raw)
                except ValueError:
                    continue
                if obj.get("event") == "listening":
                    line_box["obj"] = obj
                    break
            # Keep draining stdout so the server never blocks on a full pipe.
            for _ in self.proc.stdout:
                pass

        t = threading.Thread(target=read_line, daemon=True)
        t.start()
        wait_until(lambda: "obj" in line_box or self.proc.poll() is not None, timeout,
                   what="meshd listening line")
        if "obj" not in line_box:
            raise AssertionError(f"meshd exited with {self.proc.returncode}: {self.stderr_tail()}")
        self.endpoints = line_box["obj"]
        return self

    @property
    def http(self):
        return "http://" + self.endpoints["http"]

    @property
    def kafka(self):
        return self.endpoints["kafka"]

    def stderr_tail(self, n=4000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def _close_pipes(self):
        for f in (getattr(self, "_stderr", None), self.proc and self.proc.stdout):
            try:
                if f:
                    f.close()
            except OSError:
                pass

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._close_pipes()

    def stop(self, timeout=20.0):
        signalled = self.proc is not None and self.proc.poll() is None
        if signalled:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("meshd did not stop within %ss after SIGTERM" % timeout)
        rc = self.proc.returncode if self.proc else 0
        if self.proc:
            self._close_pipes()
        # A graceful stop exits 0. Anything else is a crash at shutdown (or,
        # in the ASan build, a sanitizer report) that the test's own checks
        # could not see. A process kill9() ended was not signalled here.
        if signalled and rc != 0:
            raise AssertionError(f"meshd exited with {rc} on SIGTERM: {self.stderr_tail()}")
        return rc

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            try:
                os.remove(self.stderr_path)
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            if exc[0] is None:
                self.cleanup()
            else:
                sys.stderr.write("---- meshd stderr tail ----\n" + self.stderr_tail() + "\n")


class HttpResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"HttpResponse({self.status}, {self.body[:300]!r})"


def http(method, url, body=None, headers=None, timeout=30.0):
    """One HTTP request; returns HttpResponse for any status (no exceptions on 4xx/5xx)."""
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return HttpResponse(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return HttpResponse(e.code, dict(e.headers), e.read())


def cloudevent(i, source="/tests/e2e", type_="com.example.test", data=None, **ext):
    ev = {"specversion": "1.0", "id": f"ev-{i}", "source": source, "type": type_,
          "datacontenttype": "application/json", "data": data if data is not None else {"n": i}}
    ev.update(ext)
    return ev


def run_cli(*args, server=None, stdin=None, timeout=60):
    cmd = [MESHD_BIN] + list(args)
    if server:
        cmd += ["--server", server]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)


class Checks:
    """Minimal assertion collector that prints a final 'N passed, N failed' line."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
            print(f"ok   - {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL - {what}", flush=True)
        return cond

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)
