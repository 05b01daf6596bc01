#pragma once
// BusService: meshd's EventBridge-style event bus. Owns the buses (each a log
// topic "_bus.<name>"), rules and their targets, functions, archives and
// replays; routes every stored event through the bus's shared pattern
// matcher to per-target delivery workers.
//
// Flow: PutEvents -> envelope (event_builder.h) -> Append to the bus topic
// (durable before it is routed) -> one router thread per bus reads the topic,
// matches each event once against all enabled rules (pattern::Matcher) and
// hands (event, target) pairs to TargetWorkers (target_worker.h), which own
// retries, the DLQ and the per-target committed offsets.
//
// Configuration is persisted in __meshd_bus_config (config_store.h) and
// replayed by Start(). HTTP surfaces (REST /v1 and AWS JSON 1.1) are in
// bus_http.cc; the CLI in cli.h.
//
// Thread-safety: every public method may be called from any thread after
// Start(). Configuration changes are serialized by one mutex.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "bus/config_store.h"
#include "bus/event_builder.h"
#include "bus/function_pool.h"
#include "bus/model.h"
#include "bus/retry_policy.h"
#include "bus/target_worker.h"
#include "bus/targets.h"
#include "storage/event_log.h"

namespace meshd::http {
class Router;
}

namespace meshd::bus {

struct BusServiceOptions {
  std::string data_dir = ".";          // shim and function logs under <data_dir>/bus/
  std::string region = "local";        // in events and ARNs
  int32_t default_bus_partitions = 1;
  // Retry backoff (base/cap). The environment variables
  // MESHD_BUS_BACKOFF_BASE_MS / MESHD_BUS_BACKOFF_CAP_MS override it (tests).
  BackoffOptions backoff;
  size_t queue_capacity = 10000;       // per target
  int64_t router_idle_poll_ms = 500;   // router wake-up when no append arrives
  std::string python = "python3";
  // Schema enforcement on PutEvents (topic config schema.validation of the
  // bus topic "_bus.<name>"): called with that topic, its config and the
  // entry's parsed Detail; a non-OK status fails that entry with
  // SchemaValidationFailed. Topic targets call it too, with the target topic
  // and the record value they would append (a failure goes to the DLQ as a
  // SCHEMA_VALIDATION_FAILED delivery, not retried). Null = no validation.
  // Must be thread-safe.
  std::function<Status(const std::string& topic, const storage::TopicConfig& config,
                       const json::value& detail)>
      validate_detail;
  // Data-product contracts on topic targets (see TopicRecordGate): failing
  // events of on_violation=quarantine ports are diverted to
  // `<topic>.quarantine`. Null = none. Must be thread-safe.
  TopicRecordGate contract_gate;
  // Called whenever a rule's targets start (rule created, targets changed,
  // restart) and with no targets when the rule is deleted, so the catalog's
  // lineage can show bus -> rule -> target. Called under the service lock:
  // must not call back into the BusService.
  std::function<void(const std::string& bus, const std::string& rule, const std::vector<TargetSpec>& targets)>
      on_rule_targets;
};

struct PutEventsEntryResult {
  std::string event_id;  // set on success
  std::string error_code;
  std::string error_message;
};

struct PutRuleResult {
  std::string rule_arn;
  std::vector<std::string> warnings;  // pattern lint findings
};

struct TargetFailure {
  std::string target_id;
  std::string error_code;
  std::string error_message;
};

class BusService {
 public:
  static constexpr const char* kReplayHeader = "meshd-replay";

  BusService(storage::EventLog& log, BusServiceOptions options);
  ~BusService();
  BusService(const BusService&) = delete;
  BusService& operator=(const BusService&) = delete;

  // Opens the config topic, replays it, creates the default bus if missing,
  // writes the Python shim, starts routers and workers. Resumes unfinished
  // replays.
  Status Start();
  // Stops routers, workers, replays and function processes. Idempotent.
  void Stop();

  // Mounts REST (/v1/buses, /v1/functions, /v1/archives, /v1/replays,
  // /v1/bus/test-pattern) and the AWS JSON 1.1 endpoint (POST / with
  // X-Amz-Target: AWSEvents.<Op>) on `router`. Defined in bus_http.cc.
  void RegisterRoutes(http::Router& router);

  // ---- buses
  Result<BusSpec> CreateBus(const std::string& name, int32_t partitions = 0);
  Status DeleteBus(const std::string& name);
  std::vector<BusSpec> ListBuses(const std::string& prefix = "") const;
  Result<BusSpec> DescribeBus(const std::string& name) const;
  static std::string TopicForBus(const std::string& bus) { return "_bus." + bus; }

  // ---- events
  // Whole-call errors (too many entries, too large) are returned as a Status;
  // per-entry errors are in the result, in request order.
  Result<std::vector<PutEventsEntryResult>> PutEvents(const json::array& entries,
                                                      const std::string& default_bus);
  // Appends an already built event (bus targets, replays).
  Status IngestEvent(const std::string& bus, const std::string& event_json,
                     const std::string& replay_name = "");

  // ---- rules and targets
  Result<PutRuleResult> PutRule(const RuleSpec& spec);
  Result<RuleSpec> DescribeRule(const std::string& bus, const std::string& name) const;
  std::vector<RuleSpec> ListRules(const std::string& bus, const std::string& prefix = "") const;
  Status DeleteRule(const std::string& bus, const std::string& name, bool force);
  Status SetRuleEnabled(const std::string& bus, const std::string& name, bool enabled);
  Result<std::vector<TargetFailure>> PutTargets(const std::string& bus, const std::string& rule,
                                                const std::vector<TargetSpec>& targets);
  Result<std::vector<TargetSpec>> ListTargets(const std::string& bus, const std::string& rule) const;
  Result<std::vector<TargetFailure>> RemoveTargets(const std::string& bus, const std::string& rule,
                                                   const std::vector<std::string>& ids);
  static Result<bool> TestEventPattern(const std::string& pattern, const std::string& event);
  // Parses a pattern and returns its lint warnings (InvalidArgument if bad).
  static Result<std::vector<std::string>> LintPattern(const std::string& pattern);

  // ---- functions
  Result<FunctionSpec> PutFunction(FunctionSpec spec, bool replace);
  Status DeleteFunction(const std::string& name);
  std::vector<FunctionSpec> ListFunctions() const;
  Result<FunctionSpec> GetFunction(const std::string& name) const;

  // ---- archives and replays
  Result<ArchiveSpec> CreateArchive(ArchiveSpec spec);
  Status DeleteArchive(const std::string& name);
  std::vector<ArchiveSpec> ListArchives() const;
  Result<ArchiveSpec> DescribeArchive(const std::string& name) const;
  Result<ReplaySpec> StartReplay(ReplaySpec spec);
  Result<ReplaySpec> DescribeReplay(const std::string& name) const;
  std::vector<ReplaySpec> ListReplays() const;

  const std::string& region() const { return options_.region; }
  const BusServiceOptions& options() const { return options_; }
  storage::EventLog& log() { return log_; }

  // Tests: waits until every router has caught up with its topic and every
  // worker is idle.
  bool WaitIdle(int64_t timeout_ms);

 private:
  struct Bus;
  struct RuleState {
    RuleSpec spec;
    std::vector<std::shared_ptr<TargetWorker>> workers;  // empty when disabled
  };

  // All private helpers expect mu_ held unless they say otherwise.
  Status StartBusLocked(const BusSpec& spec, bool is_new);
  void StopBus(Bus& bus);  // mu_ not held
  Status StartRuleWorkersLocked(Bus& bus, RuleState& rule, bool reset);
  void StopRuleWorkersLocked(RuleState& rule, std::vector<std::shared_ptr<TargetWorker>>* stopped);
  std::unique_ptr<Target> MakeTarget(const TargetSpec& t);
  std::vector<int64_t> EndOffsets(const Bus& bus) const;
  Status PersistRuleLocked(const RuleState& rule);
  void RouterLoop(Bus* bus);
  void ReplayLoop(std::string name);
  std::shared_ptr<FunctionPool> FindFunction(const std::string& name);
  static void JoinStopped(std::vector<std::shared_ptr<TargetWorker>>& stopped);

  storage::EventLog& log_;
  BusServiceOptions options_;
  ConfigStore store_;
  std::string shim_path_;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Bus>> buses_;
  std::map<std::string, FunctionSpec> functions_;
  std::map<std::string, std::shared_ptr<FunctionPool>> pools_;
  std::map<std::string, ArchiveSpec> archives_;
  std::map<std::string, ReplaySpec> replays_;
  std::map<std::string, std::thread> replay_threads_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
};

}  // namespace meshd::bus
