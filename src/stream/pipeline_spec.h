#pragma once
// PipelineSpec: a pipeline as declared in YAML (a standalone file, POST
// /v1/pipelines, or later a data product's transform section). Format and
// semantics: src/stream/README.md. Parsing validates the shape and every
// expression/pattern, so a pipeline that parses also builds.

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace meshd::stream {

// Where records go: a warehouse table (exactly-once upserts), a topic
// (at-least-once, deterministic CloudEvent ids) or an event bus (an
// EventBridge envelope appended to _bus.<name>, routed by its rules).
struct OutputSpec {
  enum class Kind { kTable, kTopic, kBus };
  Kind kind = Kind::kTable;
  std::string name;                   // table, topic or bus name
  std::vector<std::string> key;       // table: primary key columns; topic: record key field (first)
  std::vector<std::pair<std::string, std::string>> columns;  // table: declared column types
  std::string type;                   // topic: CloudEvent type; bus: detail-type
  std::string source;                 // CloudEvent source / bus event source
};

struct PipelineSpec {
  std::string name;
  std::string description;
  std::vector<std::string> inputs;    // stream topics, read partition by partition
  bool start_latest = false;          // new pipeline: from the end instead of the beginning
  int64_t checkpoint_interval_ms = 1000;
  std::vector<YAML::Node> operators;  // one single-key map each: {filter: ...}, {window: ...}
  std::vector<OutputSpec> outputs;
  // Where `table` outputs go: "" = the embedded SQLite warehouse, else a
  // libpq connection string for a PostgreSQL warehouse.
  std::string warehouse;
  std::string source_text;            // the YAML as given (persisted, returned by GET)
};

// Parses and validates a pipeline definition (YAML or JSON text). Errors name
// the field: "pipeline 'x': operators[2].window.size: ...".
Result<PipelineSpec> ParsePipeline(const std::string& yaml_text);

// "250ms", "5s", "1m", "2h", "1d" or a bare integer (milliseconds).
Result<int64_t> ParseDuration(const YAML::Node& node, const std::string& where);

Status ValidatePipelineName(const std::string& name);

}  // namespace meshd::stream
