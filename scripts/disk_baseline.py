#!/usr/bin/env python3
"""Measures the disk's own baselines in the directory given (default /tmp):
sequential write bandwidth with `dd ... conv=fdatasync`, and fdatasync latency
of 4 KiB appends. Benchmarks report meshd's figures as ratios of these, taken
in the same run, because the machines are shared and noisy.
Prints one JSON object."""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def dd_bandwidth(directory, mib=512):
    path = os.path.join(directory, "meshd-dd-baseline")
    try:
        r = subprocess.run(["dd", "if=/dev/zero", f"of={path}", "bs=1M", f"count={mib}",
                            "conv=fdatasync"], capture_output=True, text=True, check=True)
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
    # dd prints e.g. "536870912 bytes (537 MB, 512 MiB) copied, 0.61 s, 880 MB/s"
    m = re.search(r"(\d+) bytes.*copied, ([\d.]+) s", r.stderr)
    nbytes, secs = int(m.group(1)), float(m.group(2))
    return nbytes / secs


def fdatasync_latency(directory, n=400):
    fd, path = tempfile.mkstemp(dir=directory, prefix="meshd-fsync-")
    block = b"x" * 4096
    lat = []
    try:
        for _ in range(n):
            os.write(fd, block)
            t = time.perf_counter()
            os.fdatasync(fd)
            lat.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        os.remove(path)
    lat.sort()
    return {"p50_ms": lat[len(lat) // 2] * 1e3, "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1e3,
            "mean_ms": statistics.mean(lat) * 1e3}


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
    out = {"dir": directory, "dd_write_bytes_per_sec": dd_bandwidth(directory)}
    out["fdatasync"] = fdatasync_latency(directory)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
