#pragma once
// Configuration of the Kafka listener (KafkaServer). Plain data; the app
// fills it from `meshd serve` flags.

#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"
#include "kafka/server/group_coordinator.h"
#include "kafka/server/access_hook.h"
#include "kafka/server/record_gate.h"
#include "kafka/server/record_validator.h"
#include "kafka/server/sasl.h"

namespace meshd::kafka {

struct KafkaServerOptions {
  // Address clients are told to connect to (Metadata, FindCoordinator).
  // Empty host = the listen host (127.0.0.1 when listening on 0.0.0.0/::);
  // port 0 = the bound port.
  std::string advertised_host;
  uint16_t advertised_port = 0;
  int32_t node_id = 0;
  std::string cluster_id = "meshd";

  // Topics named in Metadata (when the client allows it) or Produce are
  // created on first use with `default_partitions` partitions. On by
  // default because librdkafka and kafka-python producers rely on it.
  bool auto_create_topics = true;
  int32_t default_partitions = 1;

  // SASL PLAIN / SCRAM-SHA-256; disabled unless `sasl.users` is non-empty.
  SaslOptions sasl;

  // Frames above this size (or negative) close the connection. Kafka's
  // socket.request.max.bytes default.
  int32_t max_frame_bytes = 100 * 1024 * 1024;
  // Requests read ahead per connection before waiting for responses
  // (clients pipeline, e.g. 5 in-flight produce requests).
  int32_t max_in_flight_per_connection = 64;

  // Directory for the producer-id counter (see ProducerIdAllocator); usually
  // the data dir. Empty = ids derived from the wall clock.
  std::string state_dir;

  GroupCoordinatorOptions groups;
  // Period of the group coordinator's deadline check.
  int32_t group_tick_ms = 100;

  // Schema enforcement on Produce (topic configs schema.validation and
  // schema.key.validation); null = records are appended unchecked.
  std::shared_ptr<RecordValidator> record_validator;

  // Data-product contracts: records failing an on_violation=quarantine rule
  // are diverted (see record_gate.h); null = every record is stored.
  std::shared_ptr<RecordGate> record_gate;

  // Per-topic authorization and Fetch rewriting (PII masking) for SASL
  // principals; null = every authenticated connection may use every topic.
  std::shared_ptr<AccessHook> access;

  // Clock for group session timeouts (tests inject a ManualClock).
  const Clock* clock = nullptr;
};

}  // namespace meshd::kafka
