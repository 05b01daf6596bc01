"""Publishes a CloudEvent to a meshd topic over the HTTP API.

Shared by the demo's functions. The meshd URL comes from the function's
environment (MESHD_URL), which `meshd demo` sets when it creates the function.
Event ids are derived from the input, so a retried invocation republishes the
same (source, id) and meshd's idempotent publish stores it once.
"""
import json
import os
import urllib.request


def publish(topic, source, event_type, event_id, data, key=None):
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": event_type,
        "datacontenttype": "application/json",
        "data": data,
    }
    if key is not None:
        event["partitionkey"] = key
    url = os.environ.get("MESHD_URL", "http://127.0.0.1:8080") + "/v1/topics/" + topic + "/events"
    req = urllib.request.Request(url, data=json.dumps(event).encode(), method="POST",
                                 headers={"Content-Type": "application/cloudevents+json"})
    token = os.environ.get("MESHD_TOKEN")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"{}")
