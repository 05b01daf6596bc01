#!/usr/bin/python3
"""Recomputes every AVRO verdict of compatibility.json with python3-avro's
checker (avro.compatibility.ReaderWriterCompatibilityChecker) and fails if
any disagrees with the file (which the C++ test checks meshd against).

Levels are applied as meshd and Confluent do: BACKWARD* = new schema reads
old data, FORWARD* = old schema reads new data, FULL* = both; non-transitive
levels check the latest previous version only.
"""
import json
import os
import sys

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType


def parse(s):
    return avro.schema.parse(json.dumps(s))


def compatible(reader, writer):
    r = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    return r.compatibility is SchemaCompatibilityType.compatible


def verdict(case):
    level = case["level"]
    if level == "NONE":
        return True
    cand = parse(case["candidate"])
    prev = [parse(p) for p in case["previous"]]
    if not level.endswith("_TRANSITIVE"):
        prev = prev[-1:]
    backward = not level.startswith("FORWARD")
    forward = not level.startswith("BACKWARD")
    for p in prev:
        if backward and not compatible(cand, p):
            return False
        if forward and not compatible(p, cand):
            return False
    return True


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "compatibility.json")
    cases = json.load(open(path))
    bad = 0
    n = 0
    for c in cases:
        if c["type"] != "AVRO":
            continue
        n += 1
        v = verdict(c)
        if v != c["compatible"]:
            bad += 1
            print(f"DISAGREE {c['id']}: file says {c['compatible']}, python3-avro says {v}")
    print(f"python3-avro oracle: {n - bad}/{n} Avro verdicts agree")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
