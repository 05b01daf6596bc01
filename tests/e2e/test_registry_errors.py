"""End to end: every error code of the brief's section 1.4 table (Confluent
`Errors.java`) that meshd's schema registry can produce, hit with the real
`curl` binary against a real `meshd serve`.

Each case checks the HTTP status, the Content-Type
(application/vnd.schemaregistry.v1+json) and that the body is exactly
{"error_code": <int>, "message": <non-empty string>} with the expected code.

Codes of the table that meshd cannot produce, and why:
- 40901 (incompatible schema, Confluent source since its Dec-2025 associations
  change): meshd answers incompatible registrations with error_code 409, as
  every released Confluent server and Karapace do; clients key on the HTTP
  status (409), which is the same for both.
- 50001 (store error): returned when appending to the `_schemas` topic fails.
  A running meshd holds its segment files open, and these tests run as root,
  so no file-permission trick makes the append fail; the path is covered
  in-process by the registry unit tests' failing-log case instead.
- 50002 (timeout), 50003 (forwarding failed), 50004 (unknown leader): meshd's
  registry is single-node; it never forwards a write to a leader, so there is
  no leader to time out on, forward to, or not know.

Runs against $MESHD_BIN (default build/release/meshd).
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from meshd_harness import Checks, Meshd  # noqa: E402

CT = "application/vnd.schemaregistry.v1+json"

MONEY = json.dumps({"type": "record", "name": "Money", "namespace": "com.acme",
                    "fields": [{"name": "cents", "type": "long"},
                               {"name": "currency", "type": "string"}]})
PURCHASE_V1 = json.dumps({"type": "record", "name": "CustomerPurchase", "namespace": "com.acme",
                          "fields": [{"name": "id", "type": "string"},
                                     {"name": "amount", "type": "double"}]})
PURCHASE_V2 = json.dumps({"type": "record", "name": "CustomerPurchase", "namespace": "com.acme",
                          "fields": [{"name": "id", "type": "string"},
                                     {"name": "amount", "type": "double"},
                                     {"name": "coupon", "type": ["null", "string"], "default": None}]})
# A new field without a default: the new schema cannot read v2 data (BACKWARD).
PURCHASE_INCOMPATIBLE = json.dumps({"type": "record", "name": "CustomerPurchase",
                                    "namespace": "com.acme",
                                    "fields": [{"name": "id", "type": "string"},
                                               {"name": "amount", "type": "double"},
                                               {"name": "store", "type": "string"}]})
ORDER_WITH_REF = json.dumps({"type": "record", "name": "Order", "namespace": "com.acme",
                             "fields": [{"name": "total", "type": "com.acme.Money"}]})


class Curl:
    def __init__(self, base, checks, workdir):
        self.base = base
        self.c = checks
        self.workdir = workdir

    def call(self, method, path, body=None):
        """Runs curl; returns (status, content_type, body bytes)."""
        out = os.path.join(self.workdir, "body")
        cmd = ["curl", "-sS", "-g", "-X", method, "-o", out,
               "-w", "%{http_code}\n%{content_type}",
               "-H", "Accept: " + CT, self.base + path]
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else (
                body.encode() if isinstance(body, str) else json.dumps(body).encode())
            cmd[1:1] = ["-H", "Content-Type: " + CT, "--data-binary", "@-"]
        r = subprocess.run(cmd, input=data, capture_output=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"curl {method} {path} exited {r.returncode}: {r.stderr!r}")
        status, _, ctype = r.stdout.decode().partition("\n")
        with open(out, "rb") as f:
            return int(status), ctype, f.read()

    def ok(self, method, path, body=None):
        """A call that must succeed (setup); returns the parsed body."""
        status, _, raw = self.call(method, path, body)
        if status != 200:
            raise AssertionError(f"setup {method} {path} -> {status}: {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def expect(self, method, path, status, code, body=None, message_has=None):
        got_status, ctype, raw = self.call(method, path, body)
        what = f"{method} {path} -> {status} {code}"
        try:
            obj = json.loads(raw)
        except ValueError:
            obj = None
        good = (got_status == status and ctype.startswith(CT) and isinstance(obj, dict)
                and set(obj) == {"error_code", "message"} and type(obj["error_code"]) is int
                and obj["error_code"] == code and isinstance(obj["message"], str)
                and obj["message"] != ""
                and (message_has is None or message_has in obj["message"]))
        if not good:
            what += f" (got {got_status}, Content-Type {ctype!r}, body {raw[:300]!r})"
        self.c.check(good, what)
        return obj


def main():
    checks = Checks()
    with Meshd(listeners=("http", "registry")) as m, tempfile.TemporaryDirectory() as tmp:
        cu = Curl("http://" + m.endpoints["registry"], checks, tmp)

        # ---- 400: a body that is not a JSON object (Jackson's parse error in Confluent)
        cu.expect("POST", "/subjects/codes-value/versions", 400, 400, body=b"{not json")
        cu.expect("POST", "/subjects/codes-value/versions", 400, 400, body=b"[1,2]")
        # ---- 404 (Jersey's "HTTP 404 Not Found"): unknown paths, incl. /associations
        cu.expect("GET", "/associations/resources/-/codes?resourceType=topic&associationType=value",
                  404, 404)
        cu.expect("GET", "/no/such/path", 404, 404)

        # ---- 40401 subject not found
        cu.expect("GET", "/subjects/nope-value/versions", 404, 40401,
                  message_has="Subject 'nope-value' not found.")
        cu.expect("GET", "/subjects/nope-value/versions/1", 404, 40401)
        cu.expect("GET", "/subjects/nope-value/versions/latest/schema", 404, 40401)
        cu.expect("POST", "/subjects/nope-value", 404, 40401, body={"schema": PURCHASE_V1})
        cu.expect("DELETE", "/subjects/nope-value", 404, 40401)
        cu.expect("DELETE", "/subjects/nope-value/versions/1", 404, 40401)
        cu.expect("POST", "/compatibility/subjects/nope-value/versions/1", 404, 40401,
                  body={"schema": PURCHASE_V1})

        v1 = cu.ok("POST", "/subjects/codes-value/versions", {"schema": PURCHASE_V1})
        cu.ok("POST", "/subjects/codes-value/versions", {"schema": PURCHASE_V2})
        # ---- 40402 version not found
        cu.expect("GET", "/subjects/codes-value/versions/9", 404, 40402)
        cu.expect("POST", "/compatibility/subjects/codes-value/versions/9", 404, 40402,
                  body={"schema": PURCHASE_V2})
        # ---- 40403 schema not found: unknown id, or lookup of a schema not under the subject
        cu.expect("GET", "/schemas/ids/99999", 404, 40403)
        cu.expect("GET", "/schemas/ids/99999/schema", 404, 40403)
        cu.expect("GET", "/schemas/ids/99999/subjects", 404, 40403)
        cu.expect("POST", "/subjects/codes-value", 404, 40403, body={"schema": '"int"'})

        # ---- 40405 / 40407: permanent delete of live things
        cu.expect("DELETE", "/subjects/codes-value?permanent=true", 404, 40405)
        cu.expect("DELETE", "/subjects/codes-value/versions/1?permanent=true", 404, 40407)
        # ---- 40406: soft delete of a soft-deleted version; 40402 when reading it
        cu.ok("DELETE", "/subjects/codes-value/versions/1")
        cu.expect("DELETE", "/subjects/codes-value/versions/1", 404, 40406)
        cu.expect("GET", "/subjects/codes-value/versions/1", 404, 40402)
        # ---- 40404: soft delete of a soft-deleted subject; 40401 when reading it
        cu.ok("DELETE", "/subjects/codes-value")
        cu.expect("DELETE", "/subjects/codes-value", 404, 40404)
        cu.expect("GET", "/subjects/codes-value/versions", 404, 40401)
        checks.check(cu.ok("DELETE", "/subjects/codes-value?permanent=true") == [1, 2],
                     "permanent delete after soft delete succeeds")
        cu.expect("GET", f"/schemas/ids/{v1['id']}", 404, 40403)

        # ---- 40408 / 40409: subject-level config / mode not set
        cu.expect("GET", "/config/unset-value", 404, 40408)
        cu.expect("GET", "/mode/unset-value", 404, 40409)
        cu.expect("DELETE", "/mode/unset-value", 404, 40409)

        # ---- 409 incompatible (BACKWARD, the default)
        purchase = cu.ok("POST", "/subjects/purchases-value/versions", {"schema": PURCHASE_V1})
        cu.expect("POST", "/subjects/purchases-value/versions", 409, 409,
                  body={"schema": PURCHASE_INCOMPATIBLE},
                  message_has="Schema being registered is incompatible with an earlier schema "
                              "for subject \"purchases-value\"")

        # ---- 42201 invalid schema
        cu.expect("POST", "/subjects/x-value/versions", 422, 42201,
                  body={"schema": '{"type":"nope"}'})
        cu.expect("POST", "/subjects/x-value/versions", 422, 42201,
                  body={"schema": "{not json", "schemaType": "JSON"})
        cu.expect("POST", "/subjects/x-value/versions", 422, 42201, body={"schema": ""})
        cu.expect("POST", "/subjects/x-value/versions", 422, 42201,
                  body={"schema": '"int"', "schemaType": "XML"})
        cu.expect("POST", "/subjects/x-value/versions", 422, 42201,
                  body={"schema": 'syntax = "proto3";', "schemaType": "PROTOBUF"},
                  message_has="PROTOBUF")
        cu.expect("POST", "/subjects/x-value/versions", 422, 42201,
                  body={"schema": ORDER_WITH_REF,
                        "references": [{"name": "com.acme.Money", "subject": "nope", "version": 1}]})
        cu.expect("POST", "/compatibility/subjects/purchases-value/versions", 422, 42201,
                  body={"schema": '{"type":"record"}'})
        # ---- 42202 invalid version
        for bad in ("0", "-2", "abc", "2147483648", "1.5"):
            cu.expect("GET", f"/subjects/purchases-value/versions/{bad}", 422, 42202)
        cu.expect("DELETE", "/subjects/purchases-value/versions/0", 422, 42202)
        # ---- 42203 invalid compatibility level
        cu.expect("PUT", "/config", 422, 42203, body={"compatibility": "SIDEWAYS"})
        cu.expect("PUT", "/config/purchases-value", 422, 42203, body={"compatibility": ""})
        # ---- 42204 invalid mode
        cu.expect("PUT", "/mode", 422, 42204, body={"mode": "SIDEWAYS"})
        cu.expect("PUT", "/mode/purchases-value", 422, 42204, body={"mode": "readwrite!"})

        # ---- 42205 operation not permitted
        cu.expect("POST", "/subjects/y-value/versions", 422, 42205, body={"schema": '"int"', "id": 77})
        cu.ok("PUT", "/mode/ro-value", {"mode": "READONLY"})
        cu.expect("POST", "/subjects/ro-value/versions", 422, 42205, body={"schema": '"int"'})
        cu.expect("PUT", "/mode", 422, 42205, body={"mode": "IMPORT"})  # subjects exist, no force

        # ---- 42206 reference exists
        cu.ok("POST", "/subjects/money/versions", {"schema": MONEY})
        cu.ok("POST", "/subjects/orders-value/versions",
              {"schema": ORDER_WITH_REF,
               "references": [{"name": "com.acme.Money", "subject": "money", "version": 1}]})
        cu.expect("DELETE", "/subjects/money/versions/1", 422, 42206)
        cu.expect("DELETE", "/subjects/money", 422, 42206)

        # ---- 42207 id does not match (IMPORT with an id that holds another schema)
        cu.ok("PUT", "/mode/imp-value?force=true", {"mode": "IMPORT"})
        cu.expect("POST", "/subjects/imp-value/versions", 422, 42207,
                  body={"schema": '"string"', "id": purchase["id"]})

        # ---- 42208 invalid subject name (control characters, reserved names)
        cu.expect("POST", "/subjects/bad%01name/versions", 422, 42208, body={"schema": '"int"'})
        cu.expect("POST", "/subjects/line%0Abreak/versions", 422, 42208, body={"schema": '"int"'})
        cu.expect("POST", "/subjects/__GLOBAL/versions", 422, 42208, body={"schema": '"int"'})

        # ---- 42209 schema too large (over 1 MiB; the HTTP body limit is 8 MiB)
        big = json.dumps({"type": "record", "name": "Big", "doc": "d" * (1100 * 1024),
                          "fields": [{"name": "a", "type": "int"}]})
        cu.expect("POST", "/subjects/big-value/versions", 422, 42209, body={"schema": big})

        # Nothing above may have registered anything unexpected.
        subjects = sorted(cu.ok("GET", "/subjects"))
        checks.check(subjects == ["money", "orders-value", "purchases-value"],
                     f"only the expected subjects exist ({subjects})")
    checks.finish()


if __name__ == "__main__":
    main()
