#pragma once
// Operator: one step of a pipeline (filter, map, join, window, dedup,
// alert). Operators are single-threaded (one instance per task) and
// deterministic: given the same records in the same order and the same
// restored state they emit the same records, which is what lets a task
// replay its input after a crash and reproduce its outputs exactly.
//
// State: an operator keeps its working state in memory and tracks which
// entries changed since the last checkpoint; SaveState writes only those
// (Put/Delete) into the checkpoint's RocksDB WriteBatch, LoadState gets every
// saved entry back at start.
//
// Event time: operators that need it (join wait, windows, dedup) read it from
// their `time` expression (epoch ms number or RFC 3339 string; default the
// record timestamp) and keep their own watermark = max event time seen −
// out_of_orderness. Watermarks only move with records, never with the wall
// clock, so replays see the same watermarks.

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "stream/expression.h"
#include "stream/pipeline_spec.h"
#include "stream/stream_record.h"

namespace meshd::stream {

class Emitter {
 public:
  virtual ~Emitter() = default;
  // To the next operator (or the pipeline outputs after the last one).
  virtual void Emit(StreamRecord&& record) = 0;
  // To a side output the operator declared (late events, alerts).
  virtual void EmitSide(size_t side_output, StreamRecord&& record) = 0;
};

class StateWriter {
 public:
  virtual ~StateWriter() = default;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
};

using StateEntries = std::vector<std::pair<std::string, std::string>>;

class Operator {
 public:
  virtual ~Operator() = default;
  virtual std::string kind() const = 0;
  virtual Status Process(StreamRecord&& record, Emitter& out) = 0;
  // Join tables: topics read in full by every task (latest value per key).
  virtual std::vector<std::string> TableTopics() const { return {}; }
  virtual Status OnTableRecord(const StreamRecord& record, Emitter& out) {
    (void)record;
    (void)out;
    return Status::Ok();
  }
  // End of input (tests, bounded replays): watermark to +infinity, so every
  // window fires and every buffered record is released.
  virtual void Flush(Emitter& out) { (void)out; }
  // Side outputs this operator emits to (index = position).
  const std::vector<OutputSpec>& side_outputs() const { return side_outputs_; }
  virtual void SaveState(StateWriter& w) { (void)w; }
  virtual Status LoadState(const StateEntries& entries) {
    (void)entries;
    return Status::Ok();
  }
  virtual boost::json::object Stats() const { return {}; }

 protected:
  std::vector<OutputSpec> side_outputs_;
};

// Builds one operator from its YAML ({filter: ...} etc.). `where` prefixes
// errors ("operators[1]").
Result<std::unique_ptr<Operator>> BuildOperator(const YAML::Node& node, const std::string& where);
Result<std::vector<std::unique_ptr<Operator>>> BuildOperators(const PipelineSpec& spec);

// Event time of `record` per an optional time expression: numbers are epoch
// ms, strings RFC 3339; anything else falls back to the record timestamp.
int64_t EventTime(const std::optional<Expression>& time, const StreamRecord& record);
// Parses RFC 3339 ("2026-11-27T12:00:00.250Z", "+01:00" offsets) to epoch ms.
std::optional<int64_t> ParseRfc3339Millis(std::string_view s);
// Canonical text of a key value (strings as is, others as JSON).
std::string KeyText(const boost::json::value& v);

}  // namespace meshd::stream
