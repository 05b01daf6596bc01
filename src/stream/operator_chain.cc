#include "stream/operator_chain.h"

#include <algorithm>

namespace meshd::stream {

namespace json = boost::json;

class OperatorChain::StageEmitter final : public Emitter {
 public:
  StageEmitter(OperatorChain* chain, size_t stage) : chain_(chain), stage_(stage) {}
  void Emit(StreamRecord&& record) override { chain_->RunFrom(stage_ + 1, std::move(record)); }
  void EmitSide(size_t side_output, StreamRecord&& record) override {
    chain_->Output(chain_->side_base_[stage_] + side_output, std::move(record));
  }

 private:
  OperatorChain* chain_;
  size_t stage_;
};

Result<std::unique_ptr<OperatorChain>> OperatorChain::Build(const PipelineSpec& spec) {
  auto chain = std::unique_ptr<OperatorChain>(new OperatorChain());
  MESHD_ASSIGN_OR_RETURN(chain->ops_, BuildOperators(spec));
  chain->targets_ = spec.outputs;
  chain->main_outputs_ = spec.outputs.size();
  for (const auto& op : chain->ops_) {
    chain->side_base_.push_back(chain->targets_.size());
    for (const auto& s : op->side_outputs()) chain->targets_.push_back(s);
  }
  return chain;
}

std::vector<std::string> OperatorChain::TableTopics() const {
  std::vector<std::string> out;
  for (const auto& op : ops_)
    for (const auto& t : op->TableTopics())
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  return out;
}

void OperatorChain::Output(size_t target, StreamRecord&& record) {
  record.seq = seq_++;
  pending_.push_back({target, std::move(record)});
}

void OperatorChain::RunFrom(size_t stage, StreamRecord&& record) {
  if (stage >= ops_.size()) {
    for (size_t i = 0; i + 1 < main_outputs_; ++i) Output(i, StreamRecord(record));  // a copy per extra output
    if (main_outputs_ > 0) Output(main_outputs_ - 1, std::move(record));
    return;
  }
  StageEmitter e(this, stage);
  Status s = ops_[stage]->Process(std::move(record), e);
  if (!s.ok() && error_.ok()) error_ = s;
}

Status OperatorChain::Process(StreamRecord record) {
  seq_ = 0;
  RunFrom(0, std::move(record));
  Status s = error_;
  error_ = Status::Ok();
  return s;
}

Status OperatorChain::OnTableRecord(const std::string& topic, const StreamRecord& record) {
  seq_ = 0;
  for (size_t i = 0; i < ops_.size(); ++i) {
    auto tables = ops_[i]->TableTopics();
    if (std::find(tables.begin(), tables.end(), topic) == tables.end()) continue;
    StageEmitter e(this, i);
    MESHD_TRY(ops_[i]->OnTableRecord(record, e));
  }
  Status s = error_;
  error_ = Status::Ok();
  return s;
}

void OperatorChain::Flush() {
  seq_ = 0;
  for (size_t i = 0; i < ops_.size(); ++i) {
    StageEmitter e(this, i);
    ops_[i]->Flush(e);
  }
}

std::vector<EmittedRecord> OperatorChain::TakeOutputs() {
  std::vector<EmittedRecord> out;
  out.swap(pending_);
  return out;
}

namespace {
class PrefixWriter final : public StateWriter {
 public:
  PrefixWriter(StateWriter& inner, std::string prefix) : inner_(inner), prefix_(std::move(prefix)) {}
  void Put(std::string_view k, std::string_view v) override { inner_.Put(prefix_ + std::string(k), v); }
  void Delete(std::string_view k) override { inner_.Delete(prefix_ + std::string(k)); }

 private:
  StateWriter& inner_;
  std::string prefix_;
};
}  // namespace

void OperatorChain::SaveState(StateWriter& w) {
  for (size_t i = 0; i < ops_.size(); ++i) {
    PrefixWriter pw(w, std::to_string(i) + "/");
    ops_[i]->SaveState(pw);
  }
}

Status OperatorChain::LoadState(const StateEntries& entries) {
  std::vector<StateEntries> per(ops_.size());
  for (const auto& [k, v] : entries) {
    size_t slash = k.find('/');
    if (slash == std::string::npos) return Status::Corruption("operator state key '" + k + "' has no index");
    size_t i = std::stoul(k.substr(0, slash));
    if (i >= ops_.size())
      return Status::Corruption("operator state for operator " + std::to_string(i) +
                                " but the pipeline has " + std::to_string(ops_.size()));
    per[i].emplace_back(k.substr(slash + 1), v);
  }
  for (size_t i = 0; i < ops_.size(); ++i) MESHD_TRY(ops_[i]->LoadState(per[i]));
  return Status::Ok();
}

json::array OperatorChain::Stats() const {
  json::array a;
  for (const auto& op : ops_) {
    json::object o = op->Stats();
    o["operator"] = op->kind();
    a.push_back(std::move(o));
  }
  return a;
}

}  // namespace meshd::stream
