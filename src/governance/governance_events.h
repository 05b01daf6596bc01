#pragma once
// GovernanceEvents: appends governance events to the internal topic
// `_governance` (created on first use, 1 partition) as structured CloudEvents
// (value = the CloudEvent JSON, header content-type:
// application/cloudevents+json, key = "<product>/<port>"), so that any
// consumer (HTTP with ?internal topics, Kafka, the bus) can react to them:
//
//   type    meshd.governance.ContractViolated | ContractRestored |
//           FreshnessViolated | FreshnessRestored |
//           CompletenessViolated | CompletenessRestored
//   source  /meshd/governance
//   subject <product>/<port>
//   data    {"product","port","topic","reason", ...kind-specific fields}
//
// The ContractEnforcer throttles per-event validity violations per port (at
// most kMaxPerSecond ContractViolated events per second of its clock);
// suppressed ones are counted in meshd_governance_events_suppressed_total and
// never missing from the violation counters.
//
// Thread-safety: Emit may be called from any thread.

#include <boost/json.hpp>

#include <cstdint>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "storage/event_log.h"

namespace meshd::governance {

class GovernanceEvents {
 public:
  static constexpr const char* kTopic = "_governance";
  static constexpr int kMaxPerSecond = 10;

  GovernanceEvents(storage::EventLog& log, const Clock& clock) : log_(log), clock_(clock) {}

  // `type` without the prefix: "ContractViolated". `data` gets product,
  // port and topic added. Returns the append status (callers log it: a
  // governance event must never fail a publish).
  Status Emit(const std::string& type, const std::string& product, const std::string& port,
              const std::string& topic, boost::json::object data);

  // The CloudEvent JSON text Emit would append (exposed for tests).
  static std::string Build(const std::string& type, const std::string& product, const std::string& port,
                           const std::string& topic, boost::json::object data, int64_t now_ms);

 private:
  Status EnsureTopic();

  storage::EventLog& log_;
  const Clock& clock_;
  std::mutex mu_;
  bool topic_ready_ = false;
};

}  // namespace meshd::governance
