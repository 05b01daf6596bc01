"""Access control end to end, with `meshd serve --auth required`:

- the first start writes <data-dir>/admin.token (mode 0600); anonymous /v1
  requests get 401 UNAUTHENTICATED while /healthz and /metrics stay open;
- `meshd token create --domain crm` prints a token once; tokens for pos and a
  fraud principal are created over POST /v1/principals;
- a data product owned by domain pos (applied by the pos token through the
  catalog's POST /v1/products; crm may not apply or delete it) classifies `email` as PII (mask), grants crm read
  without PII and principal fraud-svc read with PII;
- the crm token cannot publish to the pos topic: HTTP 403 FORBIDDEN, and a
  confluent-kafka producer authenticated with SASL PLAIN (username = principal
  name, password = token) gets TOPIC_AUTHORIZATION_FAILED;
- crm receives a masked `email` over HTTP and over Kafka (PLAIN and
  SCRAM-SHA-256); fraud-svc and the owning domain receive the real value;
- the audit log (GET /v1/audit, `meshd audit`) records who did what, and is
  admin-only; a revoked token stops working at once.
"""

import json
import os
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from meshd_harness import Checks, Meshd, cloudevent, http, run_cli, wait_until  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer  # noqa: E402

TOPIC = "pos_sales"
SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"sale_id": {"type": "string"}, "email": {"type": "string"},
                   "amount": {"type": "number"}},
    "required": ["sale_id"],
})
DESCRIPTOR = """
data_product:
  name: pos_sales
  domain: pos
  owner: pos-team
  description: Completed sales from the store terminals
  output_port:
    name: sales
    topic: pos_sales
    schema: pos_sales.json
    pii:
      email: mask
    access:
      - domain: crm
        access: read
      - principal: fraud-svc
        access: read
        pii: true
"""
EMAIL = "ann@example.com"


def bearer(token):
    return {"Authorization": "Bearer " + token}


def kafka_conf(m, user, token, mechanism="PLAIN"):
    return {"bootstrap.servers": m.kafka, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": mechanism, "sasl.username": user, "sasl.password": token}


def kafka_produce_error(m, user, token, topic):
    """Produces one message; returns the delivery error (None on success)."""
    box = {}
    p = Producer(dict(kafka_conf(m, user, token), **{"message.timeout.ms": 10000}))
    # The callback keeps only the error's name: this confluent-kafka build
    # raises from KafkaError.code() for some broker errors.
    p.produce(topic, json.dumps({"sale_id": "k1", "email": EMAIL}).encode(),
              on_delivery=lambda err, msg: box.setdefault("err", None if err is None else str(err)))
    p.flush(15)
    return box.get("err", "no delivery report")


def kafka_read_values(m, user, token, topic, want, mechanism="PLAIN"):
    c = Consumer(dict(kafka_conf(m, user, token, mechanism),
                      **{"group.id": "g-" + user + "-" + mechanism, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False}))
    c.subscribe([topic])
    out, errors = [], []
    deadline = time.monotonic() + 20
    while len(out) < want and time.monotonic() < deadline:
        msg = c.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            errors.append(str(msg.error()))
            if "TOPIC_AUTHORIZATION_FAILED" in errors[-1]:
                break
            continue
        out.append(json.loads(msg.value()))
    c.close()
    return out, errors


def http_read(m, token, topic):
    r = http("GET", m.http + f"/v1/topics/{topic}/events?partition=0&offset=0&max=100",
             headers=bearer(token))
    return r


def main():
    t = Checks()
    with Meshd(extra_args=["--auth", "required"]) as m:
        # ---- bootstrap and authentication
        token_file = os.path.join(m.data_dir, "admin.token")
        t.check(os.path.exists(token_file), "first start writes <data-dir>/admin.token")
        t.check(stat.S_IMODE(os.stat(token_file).st_mode) == 0o600, "admin.token has mode 0600")
        admin = open(token_file).read().strip()
        r = http("GET", m.http + "/v1/topics")
        t.check(r.status == 401 and r.json()["error_code"] == "UNAUTHENTICATED",
                f"anonymous /v1 request is 401 UNAUTHENTICATED ({r})")
        t.check(http("GET", m.http + "/healthz").status == 200, "/healthz stays open")
        t.check(http("GET", m.http + "/metrics").status == 200, "/metrics stays open")
        r = http("GET", m.http + "/v1/topics", headers=bearer("mshd_forged"))
        t.check(r.status == 401, f"a forged token is 401 ({r})")
        r = http("GET", m.http + "/v1/whoami", headers=bearer(admin))
        t.check(r.status == 200 and r.json()["admin"] is True, f"the admin token authenticates ({r})")

        # ---- principals: CLI (token printed once) and HTTP
        cli = run_cli("token", "create", "--domain", "crm", "--data-dir", m.data_dir, server=m.http)
        crm = cli.stdout.strip()
        t.check(cli.returncode == 0 and crm.startswith("mshd_"),
                f"meshd token create --domain crm prints a token (rc={cli.returncode} err={cli.stderr!r})")
        again = run_cli("token", "create", "--domain", "crm", "--data-dir", m.data_dir, server=m.http)
        t.check(again.returncode == 1 and "already exists" in again.stderr,
                f"a second principal of the same name is refused ({again.stderr!r})")
        tokens = {"crm": crm}
        for name, domain in [("pos", "pos"), ("fraud-svc", "risk"), ("mkt", "marketing")]:
            r = http("POST", m.http + "/v1/principals", {"name": name, "domain": domain},
                     headers=bearer(admin))
            t.check(r.status == 201, f"POST /v1/principals {name} ({r})")
            tokens[name] = r.json()["token"] if r.status == 201 else ""
        r = http("POST", m.http + "/v1/principals", {"name": "evil", "domain": "crm", "admin": True},
                 headers=bearer(crm))
        t.check(r.status == 403 and r.json()["error_code"] == "FORBIDDEN",
                f"a domain token cannot create principals ({r})")
        listed = run_cli("token", "list", "--token", admin, server=m.http)
        t.check(listed.returncode == 0 and "crm" in listed.stdout and crm not in listed.stdout,
                "meshd token list shows principals but never tokens")

        # ---- the pos data product (catalog apply path)
        bundle = {"file": "pos_sales.yaml", "content": DESCRIPTOR,
                  "files": {"pos_sales.json": SCHEMA}}
        r = http("POST", m.http + "/v1/products", bundle, headers=bearer(crm))
        t.check(r.status == 403 and r.json()["error_code"] == "FORBIDDEN",
                f"crm cannot apply a product of domain pos ({r})")
        r = http("POST", m.http + "/v1/products", bundle, headers=bearer(tokens["pos"]))
        t.check(r.status in (200, 201), f"pos applies its own product through POST /v1/products ({r})")
        r = http("DELETE", m.http + f"/v1/products/{TOPIC}", headers=bearer(crm))
        t.check(r.status == 403, f"crm cannot delete the pos product ({r})")

        # ---- produce rules
        ev = cloudevent(1, data={"sale_id": "s1", "email": EMAIL, "amount": 12.5})
        r = http("POST", m.http + f"/v1/topics/{TOPIC}/events", ev, headers=bearer(crm))
        t.check(r.status == 403 and r.json()["error_code"] == "FORBIDDEN",
                f"crm cannot publish to the pos topic over HTTP: 403 FORBIDDEN ({r})")
        t.check("crm" in r.json().get("message", "") and "pos" in r.json().get("message", ""),
                f"the refusal names the principal and the owner ({r})")
        r = http("POST", m.http + f"/v1/topics/{TOPIC}/events", ev, headers=bearer(tokens["pos"]))
        t.check(r.status in (200, 201), f"the owning domain publishes ({r})")
        err = kafka_produce_error(m, "crm", crm, TOPIC)
        t.check(err is not None and "TOPIC_AUTHORIZATION_FAILED" in err,
                f"crm Kafka produce (SASL PLAIN) gets TOPIC_AUTHORIZATION_FAILED ({err})")
        err = kafka_produce_error(m, "pos", tokens["pos"], TOPIC)
        t.check(err is None, f"pos Kafka produce succeeds ({err})")
        err = kafka_produce_error(m, "crm", tokens["pos"], TOPIC)
        t.check(err is not None, f"a token only works with its own principal name ({err})")

        # ---- reads and PII masking
        r = http_read(m, crm, TOPIC)
        events = r.json().get("events", []) if r.status == 200 else []
        t.check(len(events) == 2, f"crm (read grant) consumes over HTTP ({r})")
        data = [e["event"]["data"] for e in events]
        t.check(all(d.get("email") == "***" for d in data) and data and data[0]["amount"] == 12.5,
                f"crm receives a masked email over HTTP ({data})")
        r = http_read(m, tokens["fraud-svc"], TOPIC)
        data = [e["event"]["data"] for e in r.json().get("events", [])] if r.status == 200 else []
        t.check(len(data) == 2 and all(d.get("email") == EMAIL for d in data),
                f"fraud-svc (PII grant) receives the real email over HTTP ({data})")
        r = http_read(m, tokens["pos"], TOPIC)
        data = [e["event"]["data"] for e in r.json().get("events", [])] if r.status == 200 else []
        t.check(data and all(d.get("email") == EMAIL for d in data), "the owning domain reads in clear")
        r = http_read(m, tokens["mkt"], TOPIC)
        t.check(r.status == 403, f"a domain without a grant cannot consume ({r})")

        vals, errs = kafka_read_values(m, "crm", crm, TOPIC, 2)
        t.check(len(vals) == 2 and all(v.get("email") == "***" for v in vals),
                f"crm receives a masked email over Kafka Fetch ({vals} {errs})")
        vals, errs = kafka_read_values(m, "crm", crm, TOPIC, 2, mechanism="SCRAM-SHA-256")
        t.check(len(vals) == 2 and all(v.get("email") == "***" for v in vals),
                f"SCRAM-SHA-256 with the same token works, masked too ({vals} {errs})")
        vals, errs = kafka_read_values(m, "fraud-svc", tokens["fraud-svc"], TOPIC, 2)
        t.check(len(vals) == 2 and all(v.get("email") == EMAIL for v in vals),
                f"fraud-svc receives the real email over Kafka ({vals} {errs})")
        vals, errs = kafka_read_values(m, "mkt", tokens["mkt"], TOPIC, 1)
        t.check(not vals and any("TOPIC_AUTHORIZATION_FAILED" in e for e in errs),
                f"a domain without a grant gets TOPIC_AUTHORIZATION_FAILED on Kafka ({errs})")

        # ---- topics outside data products stay open to authenticated principals
        r = http("POST", m.http + "/v1/topics", {"name": "crm_scratch"}, headers=bearer(crm))
        t.check(r.status == 201, f"any principal may create a plain topic ({r})")
        r = http("POST", m.http + "/v1/topics/crm_scratch/events", cloudevent(9), headers=bearer(mkt_token := tokens["mkt"]))
        t.check(r.status == 200, f"plain topics are open to authenticated principals ({r})")
        r = http("POST", m.http + "/v1/topics", {"name": "pos_sales"}, headers=bearer(crm))
        t.check(r.status == 403, f"but not a product's topic ({r})")
        del mkt_token

        # ---- audit
        def audit(query=""):
            r = http("GET", m.http + "/v1/audit" + query, headers=bearer(admin))
            return r.json()["entries"] if r.status == 200 else []

        def has(entries, **kw):
            return any(all(e.get(k) == v for k, v in kw.items()) for e in entries)

        entries = wait_until(lambda: (lambda e: e if has(e, principal="crm", action="consume",
                                                          resource="topic:" + TOPIC) else None)(audit()),
                             timeout=10, what="crm consume audited")
        t.check(has(entries, principal="crm", action="produce", resource="topic:" + TOPIC,
                    outcome="denied"), "the refused crm publish is audited")
        t.check(has(entries, principal="crm", action="consume", resource="topic:" + TOPIC, outcome="ok"),
                "crm's reads are audited")
        reads = [e for e in entries if e.get("principal") == "crm" and e.get("action") == "consume"
                 and e.get("outcome") == "ok"]
        # Dozens of fetches (HTTP, Kafka PLAIN and SCRAM) but one entry per
        # minute; a slow run may cross one minute boundary.
        t.check(1 <= len(reads) <= 2, f"reads are audited once per principal, topic and minute ({len(reads)})")
        t.check(has(entries, principal="admin", action="create", resource="/v1/principals"),
                "principal creation is audited")
        t.check(has(entries, principal="pos", action="create", resource="/v1/products", outcome="ok"),
                "product apply is audited")
        t.check(has(entries, principal="crm", action="create", resource="/v1/products", outcome="denied"),
                "the refused product apply is audited")
        r = http("GET", m.http + "/v1/audit", headers=bearer(crm))
        t.check(r.status == 403, f"the audit log is admin-only ({r})")
        out = run_cli("audit", "--principal", "crm", "--token", admin, server=m.http)
        t.check(out.returncode == 0 and "consume" in out.stdout and "admin" not in out.stdout.split(),
                f"meshd audit --principal crm ({out.stdout!r} {out.stderr!r})")

        # ---- revocation
        out = run_cli("token", "revoke", "mkt", "--token", admin, server=m.http)
        t.check(out.returncode == 0, f"meshd token revoke ({out.stderr!r})")
        r = http("GET", m.http + "/v1/topics", headers=bearer(tokens["mkt"]))
        t.check(r.status == 401, f"a revoked token is refused at once ({r})")

        # ---- principals survive a restart; no new admin token is minted
        m.restart()
        r = http("GET", m.http + "/v1/whoami", headers=bearer(crm))
        t.check(r.status == 200 and r.json().get("domain") == "crm", f"tokens are replayed at start ({r})")
        t.check(open(token_file).read().strip() == admin, "the admin token is not replaced on restart")
    t.finish()


if __name__ == "__main__":
    main()
