#!/usr/bin/env python3
"""meshd function runtime shim for `runtime: python3`.

Started by meshd as a long-lived worker:  python3 meshd_python_runtime.py /abs/path/file.py:func
Protocol (one JSON document per line, both ways, over stdin/stdout):
  in : {"event": <EventBridge event or transformed input>, "context": {...}}
  out: {"ok": true, "result": <return value>}
     | {"ok": false, "errorType": "<exception class>", "errorMessage": "<str(exc)>"}
The handler is called as handler(event, context) where context has
function_name, aws_request_id, invoked_function_arn and get_remaining_time_in_millis().
Anything the handler prints goes to stderr (meshd's function log), never to
the protocol stream.
"""
import importlib.util
import json
import os
import sys
import time
import traceback


class Context:
    def __init__(self, data):
        self.function_name = data.get("function_name", "")
        self.function_version = "$LATEST"
        self.invoked_function_arn = data.get("invoked_function_arn", "")
        self.aws_request_id = data.get("aws_request_id", "")
        self.memory_limit_in_mb = 128
        self.log_group_name = "/meshd/function/" + self.function_name
        self.log_stream_name = str(os.getpid())
        self._deadline_ms = data.get("deadline_ms", 0)

    def get_remaining_time_in_millis(self):
        if not self._deadline_ms:
            return 0
        return max(0, int(self._deadline_ms - time.time() * 1000))


def load_handler(spec):
    path, _, func = spec.rpartition(":")
    if not path or not func:
        raise ValueError("handler must be path/file.py:function, got %r" % spec)
    path = os.path.abspath(path)
    sys.path.insert(0, os.path.dirname(path))
    name = os.path.splitext(os.path.basename(path))[0]
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, func)


def main():
    # Keep the protocol stream private: fd 1 becomes stderr for user prints.
    proto_out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    handler = None
    load_error = None
    try:
        handler = load_handler(sys.argv[1])
    except Exception as e:  # reported per invocation so meshd can retry/DLQ
        load_error = e
        traceback.print_exc()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            if load_error is not None:
                raise load_error
            result = handler(req.get("event"), Context(req.get("context") or {}))
            out = {"ok": True, "result": result}
            text = json.dumps(out, default=str)
        except Exception as e:
            traceback.print_exc()
            text = json.dumps({"ok": False, "errorType": type(e).__name__, "errorMessage": str(e)})
        proto_out.write(text + "\n")
        proto_out.flush()


if __name__ == "__main__":
    main()
