#pragma once
// ContractEnforcer: continuous enforcement of data-product contracts on every
// publish path (HTTP publish, bus topic targets, Kafka Produce).
//
// From the ProductDirectory it compiles, per output port (= topic), the
// contract once into a ValidityChecker plus monitors (completeness window,
// freshness), and recompiles when the directory changes (OnChange). Publish
// paths ask Governs(topic) (cheap: a hash lookup under a shared lock) and
// then Check(topic, payload) per event:
//
//   valid                     -> kAccept
//   invalid, on_violation flag        -> kFlag: stored; violation counted
//   invalid, on_violation quarantine  -> kQuarantine: the caller hands the
//                                        event to quarantine() instead of
//                                        storing it in the topic
//
// Every check feeds the port's completeness window and freshness monitor.
// Tick() (called by a timer, and by the test clock hook) evaluates freshness
// even when nothing arrives, completeness, and recovery of validity (no
// invalid event for one completeness window).
//
// On any violation: metrics rise (meshd_contract_violations_total{product,
// port,rule}, meshd_contract_status{product,port} 1 = met / 0 = violated,
// meshd_contract_completeness_ratio, meshd_contract_freshness_age_seconds),
// the status listener is told (the catalog's contract status turns red), and
// a governance event goes to `_governance`; recovery emits ...Restored.
//
// The directory is resolved lazily through a function, because the catalog
// component may start after this one; until a directory exists nothing is
// governed.
//
// Thread-safety: every public method may be called from any thread.

#include <atomic>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "catalog/product_model.h"
#include "governance/completeness_window.h"
#include "governance/freshness_monitor.h"
#include "governance/governance_events.h"
#include "governance/quarantine_store.h"
#include "governance/validity_checker.h"
#include "storage/event_log.h"

namespace meshd::governance {

enum class Verdict { kAccept, kFlag, kQuarantine };

struct EventCheck {
  Verdict verdict = Verdict::kAccept;
  std::string rule;    // set unless kAccept
  std::string reason;  // set unless kAccept
};

// How a publish path presents the payload.
enum class PayloadKind {
  kRecordValue,  // Kafka record value / HTTP CloudEvent data (binary mode)
  kBusDelivery,  // a bus target payload: an EventBridge envelope's "detail"
                 // is checked when the payload is a whole envelope
};

// (product, port, ok, reason): the catalog's SetContractStatus adapter.
using ContractStatusListener =
    std::function<void(const std::string& product, const std::string& port, bool ok, const std::string& reason)>;

struct ContractEnforcerOptions {
  const Clock* clock = nullptr;  // null = system clock
  std::function<catalog::ProductDirectory*()> directory;
  ContractStatusListener status_listener;
  FramedDecoder decode_framed;  // Avro payloads; optional
};

// A port's contract state, for GET /v1/contracts.
struct ContractState {
  std::string product, port, topic;
  std::string on_violation;  // flag | quarantine
  size_t rules = 0;
  bool ok = true;
  bool validity_ok = true, completeness_ok = true, freshness_ok = true;
  std::string reason;  // the latest violation reason while not ok
  double completeness_ratio = 1.0;
  int64_t window_valid = 0, window_total = 0;
  std::optional<double> completeness_min_ratio;
  std::optional<int64_t> freshness_max_delay_ms;
  int64_t freshness_age_ms = 0;
  int64_t violations = 0;
};

class ContractEnforcer {
 public:
  ContractEnforcer(storage::EventLog& log, ContractEnforcerOptions options);
  ~ContractEnforcer();
  ContractEnforcer(const ContractEnforcer&) = delete;
  ContractEnforcer& operator=(const ContractEnforcer&) = delete;

  // Opens the quarantine store (replays _quarantine_state).
  Status Open();

  // True when `topic` is an output port with a contract to enforce.
  bool Governs(const std::string& topic);
  // Checks one event and records it in the monitors (see the header).
  EventCheck Check(const std::string& topic, std::string_view payload,
                   PayloadKind kind = PayloadKind::kRecordValue);
  // Checks against the current contract without recording (quarantine
  // release). Topics without a contract pass.
  Validity Recheck(const std::string& topic, std::string_view payload);

  QuarantineStore& quarantine() { return quarantine_; }
  // Writes events that Check sent to quarantine; logs and returns errors.
  Result<int64_t> Quarantine(const std::string& topic, const std::vector<QuarantineItem>& items) {
    return quarantine_.Put(topic, items);
  }

  // Evaluates freshness, completeness and recovery for every port now.
  void Tick();
  // Recompiles from the directory (also called by OnChange).
  void Rebuild();

  std::vector<ContractState> States();
  const Clock& clock() const { return *clock_; }
  void set_status_listener(ContractStatusListener listener);

 private:
  struct Port;
  std::shared_ptr<Port> Find(const std::string& topic);
  void EnsureBound();
  void Evaluate(Port& port, int64_t now, bool from_check);
  void Publish(Port& port, const std::string& type, boost::json::object data);
  void UpdateStatus(Port& port, const std::string& reason);

  storage::EventLog& log_;
  ContractEnforcerOptions options_;
  const Clock* clock_;
  GovernanceEvents events_;
  QuarantineStore quarantine_;
  std::atomic<bool> bound_{false};
  std::mutex bind_mu_;
  std::mutex listener_mu_;
  std::shared_ptr<std::atomic<bool>> alive_;  // OnChange callbacks check it
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Port>> ports_;  // by topic
};

}  // namespace meshd::governance
