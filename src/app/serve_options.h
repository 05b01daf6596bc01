#pragma once
// Options of `meshd serve` (and of the embedded server used by `meshd demo`
// and `meshd bench --embedded`). The YAML config file uses the same names as
// the flags, with underscores:
//   data_dir: ./meshd-data
//   http: 127.0.0.1:8080
//   log_level: info
//   threads: 0                 # I/O threads; 0 = hardware concurrency (min 2)
//   auto_create_topics: false
//   auto_create_partitions: 1
//   max_event_bytes: 1048576
//   max_request_bytes: 16777216
//   dedup_window_ms: 600000
//   dedup_max_entries: 1000000
//   session_timeout_ms: 30000
//   kafka: 127.0.0.1:9092       # or "off"
//   kafka_auto_create_topics: true
//   kafka_default_partitions: 1
//   kafka_sasl_users: ["alice:secret"]   # SASL PLAIN/SCRAM-SHA-256 on when set
//   registry: 127.0.0.1:8081    # Confluent-compatible schema registry, or "off"
//   auth: off                   # or "required": API tokens on HTTP, SASL on Kafka (docs/access-control.md)
//   policy: ./governance.yaml   # governance policy for data products (src/catalog/policy.h)
//   pipelines: [./revenue.yaml] # stream pipeline definitions, as --pipeline (src/stream/README.md)
//   pipeline_brokers: 10.0.0.5:9092  # pipelines read/write topics there and split partitions
//                                    # with other meshd processes (consumer group __pipeline.<name>)
// Flags given on the command line win over the file.

#include <string>
#include <vector>

#include "api/api_options.h"
#include "base/status.h"

namespace meshd::app {

struct ServeOptions {
  std::string data_dir = "./meshd-data";
  std::string http = "127.0.0.1:8080";
  std::string log_level = "info";
  int threads = 0;
  int64_t max_request_bytes = 16 * 1024 * 1024;
  api::ApiOptions api;
  // Kafka wire-protocol listener; "off" (or empty) disables it.
  std::string kafka = "127.0.0.1:9092";
  bool kafka_auto_create_topics = true;
  int kafka_default_partitions = 1;
  std::vector<std::string> kafka_sasl_users;  // USER:PASSWORD
  // Schema registry listener; "off" (or empty) disables it.
  std::string registry = "127.0.0.1:8081";
  // Pipeline definitions (YAML files) applied at start (--pipeline, repeatable).
  std::vector<std::string> pipeline_files;
  // Kafka-protocol broker(s) HOST:PORT[,...] for pipeline inputs, join tables
  // and topic outputs (another meshd's Kafka listener or a Kafka cluster);
  // the processes running a pipeline split its partitions through the
  // consumer group `__pipeline.<name>`. Empty = this process's own log.
  std::string pipeline_brokers;
  // Access control: "off" (nothing enforced) or "required" (see
  // src/governance/access_control.h).
  std::string auth = "off";
  // Federated governance policy file (YAML) checked at every product apply.
  std::string policy_file;
  // Test-only (never in production; see app/governance_component.h):
  // contracts run on a manual clock moved by POST /v1/_test/clock/advance.
  bool test_clock = false;
};

// Applies the keys of a YAML file to `options`. Unknown keys are errors that
// name the key and the file.
Status LoadServeConfig(const std::string& path, ServeOptions* options);

}  // namespace meshd::app
