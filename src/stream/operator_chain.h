#pragma once
// OperatorChain: a pipeline's operators wired in order, with no I/O. A
// record goes in, passes operator by operator, and whatever leaves the last
// operator goes to every main output; side outputs (late events, alerts) go
// to their own targets. Outputs collect in memory until the task takes them
// at a checkpoint. Unit tests drive a chain directly.
//
// Every output gets `seq` = its position among the outputs caused by one
// input record, so (input topic, partition, offset, seq) is a deterministic
// id that a replay reproduces.

#include <memory>
#include <string>
#include <vector>

#include "stream/operator.h"
#include "stream/pipeline_spec.h"

namespace meshd::stream {

struct EmittedRecord {
  size_t target = 0;  // index into OperatorChain::targets()
  StreamRecord record;
};

class OperatorChain {
 public:
  static Result<std::unique_ptr<OperatorChain>> Build(const PipelineSpec& spec);

  // Main outputs first (in spec order), then every operator's side outputs.
  const std::vector<OutputSpec>& targets() const { return targets_; }
  // Topics every task reads in full (join tables), deduplicated.
  std::vector<std::string> TableTopics() const;

  Status Process(StreamRecord record);
  Status OnTableRecord(const std::string& topic, const StreamRecord& record);
  void Flush();

  std::vector<EmittedRecord> TakeOutputs();
  size_t pending_outputs() const { return pending_.size(); }

  // State of every operator, keys prefixed "<index>/".
  void SaveState(StateWriter& w);
  Status LoadState(const StateEntries& entries);  // keys with the prefix
  boost::json::array Stats() const;

 private:
  class StageEmitter;
  void RunFrom(size_t stage, StreamRecord&& record);
  void Output(size_t target, StreamRecord&& record);

  std::vector<std::unique_ptr<Operator>> ops_;
  std::vector<OutputSpec> targets_;
  size_t main_outputs_ = 0;
  std::vector<size_t> side_base_;  // first target index of each operator's side outputs
  std::vector<EmittedRecord> pending_;
  int32_t seq_ = 0;
  Status error_;
};

}  // namespace meshd::stream
