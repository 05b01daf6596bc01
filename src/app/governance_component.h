#pragma once
// Contract enforcement (src/governance) as a MeshServer component. Starts
// before the HTTP API so the publish paths find server.contract_enforcer()
// set; binds to the product directory lazily (the catalog may start later);
// mounts /v1/contracts and /v1/quarantine; runs a 1 s timer that evaluates
// freshness and completeness even when no events arrive; reports status
// changes to the catalog (ProductCatalog::SetContractStatus).
//
// Test-only (never in production): `serve --test-clock` makes the enforcer
// run on a ManualClock moved by POST /v1/_test/clock/advance?ms=N.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "app/mesh_server.h"
#include "governance/contract_enforcer.h"

namespace meshd::app {

class GovernanceComponent final : public Component {
 public:
  ~GovernanceComponent() override;
  std::string name() const override { return "governance"; }
  Status Start(MeshServer& server) override;
  void Stop() override;

  governance::ContractEnforcer* enforcer() { return enforcer_.get(); }

 private:
  MeshServer* server_ = nullptr;
  std::unique_ptr<ManualClock> test_clock_;
  std::unique_ptr<governance::ContractEnforcer> enforcer_;
  std::thread ticker_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace meshd::app
