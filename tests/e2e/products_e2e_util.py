"""Helpers for the data-product end-to-end tests (tests/e2e/test_products*.py)."""
import json
import os
import subprocess

from meshd_harness import SOURCE_DIR, http, run_cli

EXAMPLES = os.path.join(SOURCE_DIR, "examples")
NODE_DIR = os.path.join(os.path.dirname(__file__), "node")


def cli(m, *args):
    """Runs `meshd ARGS --server <m>`; returns the CompletedProcess."""
    return run_cli(*args, server=m.http)


def registry_versions(m, subject):
    r = http("GET", f"http://{m.endpoints['registry']}/subjects/{subject}/versions")
    return r.json() if r.status == 200 else []


def topic_exists(m, topic):
    return http("GET", f"{m.http}/v1/topics/{topic}").status == 200


def product(m, name):
    r = http("GET", f"{m.http}/v1/products/{name}")
    return r.json() if r.status == 200 else None


def validate_asyncapi(doc):
    """(ok, output) from @asyncapi/parser run by node on `doc`."""
    p = subprocess.run(["node", os.path.join(NODE_DIR, "validate_asyncapi.js")], input=json.dumps(doc),
                       capture_output=True, text=True, timeout=120, cwd=NODE_DIR)
    return p.returncode == 0, p.stdout + p.stderr


def asyncapi_parser_installed():
    return os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@asyncapi", "parser")) and \
        os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@asyncapi", "avro-schema-parser"))
