#pragma once
// Settings of the /v1 HTTP API (mirrored by `meshd serve` flags and the YAML
// config file keys of the same names).

#include <cstdint>

namespace meshd::api {

struct ApiOptions {
  // Largest single event (key + value + headers) accepted: 413 EVENT_TOO_LARGE.
  int64_t max_event_bytes = 1024 * 1024;
  // Publishing to an unknown topic creates it with this many partitions
  // instead of answering 404 TOPIC_NOT_FOUND.
  bool auto_create_topics = false;
  int32_t auto_create_partitions = 1;
  // Idempotent publish: (source, id) remembered this long / this many entries.
  int64_t dedup_window_ms = 10 * 60 * 1000;
  int64_t dedup_max_entries = 1'000'000;
  // Consumer groups.
  int64_t session_timeout_ms = 30'000;
  int64_t max_wait_ms = 30'000;   // cap on ?wait_ms
  int32_t default_max_events = 100;
  int32_t max_events = 10'000;    // cap on ?max
  int32_t fetch_max_bytes = 1024 * 1024;  // per partition per fetch
  int64_t sse_heartbeat_ms = 15'000;
};

}  // namespace meshd::api
