#pragma once
// Target: one destination a rule delivers to (topic, bus, webhook, function).
// Deliver() makes exactly one attempt and classifies the outcome; retries,
// backoff, the DLQ and offsets are the TargetWorker's job.
//
// Thread-safety: a TargetWorker calls Deliver() from its one thread; Cancel()
// may be called from any thread to abort a wait inside Deliver (rate limit).
// A request already sent is not aborted: its answer is the attempt's outcome.

#include <optional>
#include <string>

namespace meshd::bus {

struct DeliveryRequest {
  std::string payload;     // after input transformation
  std::string event_json;  // the original event
  std::string event_id;
  std::string bus;
  std::string rule;
  std::string target_id;
  std::string replay_name;  // "" unless replayed
  std::optional<std::string> partition_key;  // from the target's PartitionKeyPath
};

struct DeliveryOutcome {
  bool ok = false;
  bool retryable = true;
  std::string error_code;     // e.g. "HTTP_500", "CONNECTION_FAILURE", "FUNCTION_ERROR"
  std::string error_message;
  // The stop cut the attempt short, or it was never made (Cancel()): the
  // target did not answer. The worker records nothing for it, so the count
  // of attempts persisted for a restart is the count of answered ones.
  bool interrupted = false;

  static DeliveryOutcome Success() { return {true, false, "", ""}; }
  static DeliveryOutcome Retryable(std::string code, std::string msg) {
    return {false, true, std::move(code), std::move(msg)};
  }
  static DeliveryOutcome Permanent(std::string code, std::string msg) {
    return {false, false, std::move(code), std::move(msg)};
  }
  static DeliveryOutcome Interrupted(std::string code, std::string msg) {
    return {false, true, std::move(code), std::move(msg), true};
  }
};

class Target {
 public:
  virtual ~Target() = default;
  virtual DeliveryOutcome Deliver(const DeliveryRequest& request) = 0;
  virtual void Cancel() {}
};

}  // namespace meshd::bus
