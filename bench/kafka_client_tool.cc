// Standalone driver for cli::RunKafkaBench (src/cli/bench_kafka.cc), with the
// same flags as `meshd bench kafka`, so the Kafka client benchmark runs from
// a build without the full binary. scripts/bench-extra prefers
// `meshd bench kafka` and falls back to this.
//
//   build/release/bench/kafka_client_tool --embedded --mode produce --acks all
//       --fsync always --messages 200000 --json

#include <CLI/CLI.hpp>

#include "cli/bench_kafka.h"

int main(int argc, char** argv) {
  meshd::cli::KafkaBenchOptions options;
  CLI::App app{"Kafka client (librdkafka) benchmark against meshd"};
  meshd::cli::AddKafkaBenchOptions(app, &options);
  CLI11_PARSE(app, argc, argv);
  return meshd::cli::RunKafkaBench(options);
}
