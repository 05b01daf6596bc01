#pragma once
// FunctionPool: the long-lived worker processes of one function.
//
// `runtime: python3` runs `python3 <shim> <handler>` (python_runtime.h);
// `runtime: exec` runs the given command. Workers talk JSON lines over a
// Unix socket pair bound to their stdin/stdout; stderr goes to
// <log_path>. Python workers get {"event":..,"context":..} and answer
// {"ok":..,"result"|"errorType","errorMessage"}; exec workers get the payload
// line itself and answer one line, which counts as an error when it is a JSON
// object with "errorMessage" or "errorType" (or "ok": false).
//
// `concurrency` workers serve invocations in parallel; a caller waits for a
// free worker. A worker that times out is killed; one that exits is started
// again on its next use ("crashed workers are restarted").
//
// Thread-safety: Invoke() from any number of threads; Shutdown() once.

#include <sys/types.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "bus/model.h"
#include "bus/target.h"

namespace meshd::bus {

class FunctionPool {
 public:
  FunctionPool(FunctionSpec spec, std::string python_shim_path, std::string log_path);
  ~FunctionPool();
  FunctionPool(const FunctionPool&) = delete;
  FunctionPool& operator=(const FunctionPool&) = delete;

  // Runs one invocation; returns the result JSON text. Errors: kTimeout,
  // kUnavailable (worker failed to start or died), kInternal (the function
  // raised: message "<errorType>: <errorMessage>"), kCancelled-like
  // kUnavailable after Shutdown.
  Result<std::string> Invoke(const std::string& payload, const std::string& request_id);

  // Kills every worker; pending and later Invoke calls fail.
  void Shutdown();

  const FunctionSpec& spec() const { return spec_; }
  int32_t restarts() const;
  // True once Shutdown has been called.
  bool shut_down() const;

 private:
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    std::string buffer;  // bytes read past the last newline
    bool busy = false;
  };
  Status Spawn(Worker& w);
  void Kill(Worker& w);
  Result<std::string> ReadLine(Worker& w, int64_t deadline_ms);

  FunctionSpec spec_;
  std::string shim_path_;
  std::string log_path_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Worker>> workers_;
  bool shutdown_ = false;
  int32_t restarts_ = 0;
};

// A rule target that invokes a function by name through a lookup (functions
// may be created after the rule). A missing function is a permanent error
// (AWS sends missing-resource errors to the DLQ without retry).
class FunctionTarget final : public Target {
 public:
  using Lookup = std::function<std::shared_ptr<FunctionPool>(const std::string& name)>;
  FunctionTarget(std::string name, Lookup lookup) : name_(std::move(name)), lookup_(std::move(lookup)) {}
  DeliveryOutcome Deliver(const DeliveryRequest& request) override;

 private:
  std::string name_;
  Lookup lookup_;
};

}  // namespace meshd::bus
