#include "bus/target_worker.h"

#include <chrono>

#include "base/clock.h"
#include "base/logging.h"
#include "bus/dlq_record.h"
#include "bus/input_transformer.h"
#include "bus/log_io.h"

namespace meshd::bus {
namespace {

// The record key a topic target writes: the PartitionKeyPath's value in the
// original event (strings as-is, other JSON values as their text); nullopt
// when the path selects nothing, so the event id is used instead.
std::optional<std::string> PartitionKeyOf(const std::string& path, const std::string& event_json) {
  boost::system::error_code ec;
  boost::json::value event = boost::json::parse(event_json, ec);
  if (ec) return std::nullopt;
  auto v = EvalJsonPath(event, path);
  if (!v.ok() || !v->has_value() || (*v)->is_null()) return std::nullopt;
  if ((*v)->is_string()) return std::string((*v)->get_string());
  return boost::json::serialize(**v);
}

}  // namespace

TargetWorker::TargetWorker(storage::EventLog& log, WorkerConfig config, std::unique_ptr<Target> target)
    : log_(log),
      config_(std::move(config)),
      target_(std::move(target)),
      group_(GroupName(config_.bus, config_.rule, config_.target.id)),
      rule_arn_(RuleArn(config_.region, config_.bus, config_.rule)),
      rng_(std::random_device{}()) {
  committed_.assign(static_cast<size_t>(config_.partitions), 0);
  retry_state_.assign(static_cast<size_t>(config_.partitions), RetryState());
  metrics::Labels labels{{"bus", config_.bus}, {"rule", config_.rule}, {"target", config_.target.id}};
  auto& reg = metrics::Registry::Default();
  invocations_ = &reg.GetCounter("meshd_bus_invocations_total", "Target invocation attempts", labels);
  failures_ = &reg.GetCounter("meshd_bus_failed_invocations_total", "Failed target invocations", labels);
  retries_ = &reg.GetCounter("meshd_bus_retries_total", "Target invocation retries", labels);
  dlq_ = &reg.GetCounter("meshd_bus_dead_lettered_total", "Events given up on (sent to the DLQ or dropped)", labels);
  delivered_ = &reg.GetCounter("meshd_bus_delivered_total", "Events delivered to the target", labels);
  latency_ = &reg.GetHistogram("meshd_bus_delivery_latency_seconds",
                               "Ingest to successful delivery", labels);
}

TargetWorker::~TargetWorker() { Stop(); }

std::string TargetWorker::GroupName(const std::string& bus, const std::string& rule,
                                    const std::string& target_id) {
  return "__bus." + bus + "." + rule + "." + target_id;
}

Status TargetWorker::InitPositions(const std::vector<int64_t>& start_offsets, bool reset) {
  std::vector<storage::CommittedOffset> to_commit;
  std::lock_guard<std::mutex> lock(mu_);
  for (int32_t p = 0; p < config_.partitions; ++p) {
    int64_t start = p < static_cast<int32_t>(start_offsets.size()) ? start_offsets[static_cast<size_t>(p)] : 0;
    std::optional<storage::CommittedOffset> c;
    if (!reset) c = log_.FetchCommitted(group_, config_.topic, p);
    if (c && c->offset >= 0) {
      committed_[static_cast<size_t>(p)] = c->offset;
      retry_state_[static_cast<size_t>(p)] = DecodeRetryState(c->metadata);
    } else {
      committed_[static_cast<size_t>(p)] = start;
      retry_state_[static_cast<size_t>(p)] = RetryState();
      to_commit.push_back({config_.topic, p, start, "", WallMillis()});
    }
  }
  if (!to_commit.empty()) return log_.CommitOffsets(group_, to_commit);
  return Status::Ok();
}

std::vector<int64_t> TargetWorker::committed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_;
}

void TargetWorker::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void TargetWorker::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (target_) target_->Cancel();
}

void TargetWorker::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

bool TargetWorker::Enqueue(DeliveryItem item) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || queue_.size() < config_.queue_capacity; });
  if (stopping_) return false;
  queue_.push_back(std::move(item));
  cv_.notify_all();
  return true;
}

size_t TargetWorker::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

bool TargetWorker::WaitIdle(int64_t timeout_ms) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return queue_.empty() && !busy_; });
}

bool TargetWorker::SleepFor(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
  return !stopping_;
}

Status TargetWorker::Commit(int32_t partition, int64_t offset, const std::string& metadata) {
  Status s = log_.CommitOffsets(group_, {{config_.topic, partition, offset, metadata, WallMillis()}});
  if (!s.ok()) {
    logging::Get("bus")->warn("commit for {} partition {} offset {} failed: {}", group_, partition,
                              offset, s.ToString());
  }
  return s;
}

void TargetWorker::Run() {
  while (true) {
    DeliveryItem item;
    {
      std::unique_lock<std::mutex> lock(mu_);
      busy_ = false;
      cv_.notify_all();
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      cv_.notify_all();  // room for the router
      if (item.partition < 0 || item.partition >= config_.partitions ||
          item.offset < committed_[static_cast<size_t>(item.partition)]) {
        continue;  // finished before a restart
      }
      busy_ = true;
    }
    DeliverOne(item);
  }
}

void TargetWorker::DeliverOne(DeliveryItem& item) {
  auto log = logging::Get("bus");
  size_t p = static_cast<size_t>(item.partition);
  int32_t attempts = 0;
  int64_t first_attempt_ms = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const RetryState& rs = retry_state_[p];
    if (rs.offset == item.offset) {
      attempts = rs.attempts;
      first_attempt_ms = rs.first_attempt_ms;
    }
  }
  DeliveryRequest req;
  req.event_json = item.event_json;
  req.event_id = item.event_id;
  req.bus = config_.bus;
  req.rule = config_.rule;
  req.target_id = config_.target.id;
  req.replay_name = item.replay_name;
  TransformContext tctx{config_.rule, rule_arn_, item.timestamp_ms};
  auto payload = TransformInput(config_.target, item.event_json, tctx);
  DeliveryOutcome outcome;
  std::string condition;
  if (!payload.ok()) {
    outcome = DeliveryOutcome::Permanent("INPUT_TRANSFORMATION_FAILED", payload.error().message());
    if (attempts == 0) {
      attempts = 1;
      first_attempt_ms = WallMillis();
    }
  } else {
    req.payload = std::move(*payload);
    if (config_.target.partition_key_path) req.partition_key = PartitionKeyOf(*config_.target.partition_key_path, item.event_json);
    while (true) {
      if (attempts > 0) {
        // Resuming (after a failure or a restart): check the limits, then back off.
        RetryDecision d = DecideRetry(config_.target.retry_policy, attempts, item.timestamp_ms, WallMillis());
        if (d != RetryDecision::kRetry) {
          condition = ExhaustedConditionName(d);
          break;
        }
        int64_t delay = BackoffDelayMs(attempts, config_.backoff, rng_);
        int64_t age_left = static_cast<int64_t>(config_.target.retry_policy.maximum_event_age_seconds) * 1000 -
                           (WallMillis() - item.timestamp_ms);
        delay = std::max<int64_t>(0, std::min(delay, age_left));
        if (!SleepFor(delay)) return;  // stopping: state is persisted, resume after restart
      }
      if (first_attempt_ms == 0) first_attempt_ms = WallMillis();
      outcome = target_->Deliver(req);
      // The stop interrupted it: the target did not answer, so nothing is
      // recorded; the event stays uncommitted and the persisted count
      // resumes after the restart.
      if (outcome.interrupted) return;
      invocations_->Inc();
      if (attempts > 0) retries_->Inc();
      ++attempts;
      if (outcome.ok) break;
      failures_->Inc();
      // An answered failure counts even while stopping (the backoff below
      // then returns): otherwise the target saw one more attempt than the
      // count that a restart resumes from.
      log->info("delivery of event {} to {}/{} failed (attempt {}): {} {}", item.event_id, config_.rule,
                config_.target.id, attempts, outcome.error_code, outcome.error_message);
      if (!outcome.retryable) break;
      RetryState rs{item.offset, attempts, first_attempt_ms, outcome.error_code + ": " + outcome.error_message};
      Commit(item.partition, item.offset, EncodeRetryState(rs)).IgnoreError();
      {
        std::lock_guard<std::mutex> lock(mu_);
        retry_state_[p] = rs;
      }
    }
  }
  if (outcome.ok) {
    delivered_->Inc();
    latency_->Observe(static_cast<double>(WallMillis() - item.timestamp_ms) / 1000.0);
  } else if (!DeadLetter(item, outcome, condition, attempts, first_attempt_ms)) {
    return;  // stopping before the DLQ write: redelivered after restart
  }
  // Advance only now: the event is delivered or dead-lettered.
  if (Commit(item.partition, item.offset + 1, "").ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    committed_[p] = item.offset + 1;
    retry_state_[p] = RetryState();
  }
}

bool TargetWorker::DeadLetter(const DeliveryItem& item, const DeliveryOutcome& last,
                              const std::string& condition, int32_t attempts,
                              int64_t first_attempt_ms) {
  dlq_->Inc();
  auto log = logging::Get("bus");
  const std::string& dlq_arn = config_.target.dead_letter_arn;
  if (dlq_arn.empty()) {
    log->warn("dropping event {} for {}/{} after {} attempts ({}): {} (no DeadLetterConfig)",
              item.event_id, config_.rule, config_.target.id, attempts,
              condition.empty() ? "non-retryable" : condition, last.error_message);
    return true;
  }
  std::string topic = dlq_arn.substr(std::string("arn:meshd:topic:").size());
  DlqInfo info;
  info.bus_arn = BusArn(config_.region, config_.bus);
  info.rule_arn = rule_arn_;
  info.rule_name = config_.rule;
  info.target_id = config_.target.id;
  info.target_arn = config_.target.arn;
  info.error_code = last.error_code;
  info.error_message = last.error_message;
  info.exhausted_condition = condition;
  info.attempts = attempts;
  info.first_attempt_ms = first_attempt_ms;
  info.last_attempt_ms = WallMillis();
  info.event_id = item.event_id;
  info.topic = config_.topic;
  info.partition = item.partition;
  info.offset = item.offset;
  info.replay_name = item.replay_name;
  OutRecord rec;
  rec.key = item.event_id;
  rec.value = BuildDlqRecord(info, item.event_json);
  rec.timestamp_ms = WallMillis();
  rec.headers = {{"content-type", std::string("application/json")},
                 {"meshd-dlq-rule", config_.rule},
                 {"meshd-dlq-target", config_.target.id}};
  // The DLQ append must succeed before the offset moves on; keep trying
  // (bounded by stop) so that nothing ends in silence.
  for (int64_t wait_ms = 100;; wait_ms = std::min<int64_t>(wait_ms * 2, 5000)) {
    auto parts = EnsureTopic(log_, topic, 1);
    if (parts.ok()) {
      auto res = AppendRecords(log_, topic, 0, {rec});
      if (res.ok()) return true;
      log->warn("writing DLQ record to {} failed: {}", topic, res.error().ToString());
    } else {
      log->warn("DLQ topic {} unavailable: {}", topic, parts.error().ToString());
    }
    if (!SleepFor(wait_ms)) return false;
  }
}

}  // namespace meshd::bus
