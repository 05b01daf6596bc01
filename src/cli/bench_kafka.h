#pragma once
// `meshd bench kafka`: a Kafka-client benchmark built on librdkafka (the
// client most producers in the field use), against any Kafka-protocol broker
// (--bootstrap) or an in-process meshd broker on a temporary data dir
// (--embedded), so `make bench` is self-contained.
//
// Modes:
//   produce  N messages of `size` bytes, acks/linger as given, as fast as the
//            client's queue allows. Reports messages/s, MB/s (1 MB = 1e6 B,
//            as dd reports) and delivery latency p50/p99 (produce() call to
//            delivery report, per message; under full load this includes
//            queueing in the client).
//   latency  "low load": one message in flight at a time, linger 0, for the
//            goal "p99 produce latency at acks=all, fsync always, low load".
//   consume  reads N messages from the beginning of the topic (assign, no
//            group rebalance). Without --topic (or with --embedded) a fresh
//            topic is first filled with N messages, untimed. The clock starts
//            at the first message (connection set-up and offset lookup are
//            reported separately as first_message_ms).
//
// The topic is created with `partitions` partitions and the meshd topic
// config `fsync` (embedded: directly in the LocalLog; otherwise through the
// CreateTopics API; an existing --topic is used as is).
//
// Produce and latency modes also report cpu_seconds: the process's CPU
// (client and, with --embedded, broker) over the timed run, so that a cost
// can be split into CPU per message and cores kept busy.
//
// Output: one human-readable line, or one JSON object with --json.
// Not thread-safe; call from one thread (it blocks until done).

#include <CLI/CLI.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>

namespace meshd::cli {

struct KafkaBenchOptions {
  std::string bootstrap = "127.0.0.1:9092";
  bool embedded = false;
  std::string mode = "produce";  // produce | latency | consume
  int64_t messages = 100000;
  int64_t size = 1024;
  std::string acks = "1";  // 0 | 1 | all
  int linger_ms = 5;
  std::string topic;  // empty: a new kbench-<random> topic
  int partitions = 1;
  std::string fsync = "interval:100";  // topic config of a new topic
  int server_threads = 0;              // --embedded: broker I/O threads; 0 = as
                                       // `meshd serve` (hardware concurrency, min 2)
  std::string data_dir;                // --embedded: parent of the temp dir
                                       // (default $MESHD_BENCH_DIR, else /tmp)
  bool json = false;
  // --value-schema json|avro (--embedded only): the embedded broker gets an
  // in-memory schema registry with a CustomerPurchase schema registered for
  // the topic, and every message is one valid Confluent-framed payload of
  // `size` bytes (see bench_schema.h). The new topic's schema.validation is
  // --schema-validation, so runs that differ only in it (none vs strict)
  // measure the validation cost on the produce path.
  std::string value_schema = "none";       // none | json | avro
  std::string schema_validation = "strict";  // none | warn | strict
};

// Runs the benchmark and prints its result to `out`. Returns a process exit
// code (kExitOk, kExitUsage for bad options, kExitConnection when the broker
// cannot be reached, kExitServerError for failed deliveries); errors are
// also printed to stderr as "meshd: bench kafka: <what>".
int RunKafkaBench(const KafkaBenchOptions& options, std::ostream& out);
// Same, printing to std::cout.
int RunKafkaBench(const KafkaBenchOptions& options);

// Adds the flags of `meshd bench kafka` to `cmd`, parsed into *options
// (which must outlive parsing): --bootstrap | --embedded, --mode, --messages,
// --size, --acks, --linger-ms, --topic, --partitions, --fsync,
// --server-threads, --data-dir, --json, --value-schema, --schema-validation.
void AddKafkaBenchOptions(CLI::App& cmd, KafkaBenchOptions* options);

}  // namespace meshd::cli
