#include "governance/contract_enforcer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "governance/contract_test_directory.h"
#include "governance/tests/governance_test_util.h"
#include "metrics/metrics.h"

namespace meshd::governance {
namespace {

using testing::ReadAll;
using testing::TempLog;

catalog::DataProduct Pos(catalog::ViolationAction action) {
  catalog::DataProduct p;
  p.name = "pos";
  p.domain = "retail";
  catalog::OutputPort out;
  out.name = "transactions";
  out.topic = "pos_transactions";
  catalog::FieldRule amount;
  amount.field = "amount";
  amount.required = true;
  amount.minimum = 0;
  out.contract.rules.push_back(amount);
  out.contract.on_violation = action;
  out.contract.completeness_window_ms = 60000;
  p.outputs.push_back(out);
  return p;
}

std::vector<std::string> GovernanceTypes(storage::EventLog& log) {
  std::vector<std::string> types;
  for (const auto& r : ReadAll(log, "_governance")) {
    auto v = boost::json::parse(*r.value);
    types.push_back(std::string(v.at("type").as_string()));
  }
  return types;
}

struct StatusCall {
  std::string product, port;
  bool ok;
  std::string reason;
};

class ContractEnforcerTest : public ::testing::Test {
 protected:
  ContractEnforcer& Make() {
    ContractEnforcerOptions o;
    o.clock = &clock_;
    o.directory = [this] { return &dir_; };
    o.status_listener = [this](const std::string& product, const std::string& port, bool ok,
                               const std::string& reason) { calls_.push_back({product, port, ok, reason}); };
    enforcer_ = std::make_unique<ContractEnforcer>(log_.log(), o);
    EXPECT_TRUE(enforcer_->Open().ok());
    return *enforcer_;
  }
  TempLog log_;
  ManualClock clock_{1'800'000'000'000};
  InMemoryProductDirectory dir_;
  std::vector<StatusCall> calls_;
  std::unique_ptr<ContractEnforcer> enforcer_;
};

TEST_F(ContractEnforcerTest, UngovernedTopicsAreAccepted) {
  auto& e = Make();
  EXPECT_FALSE(e.Governs("pos_transactions"));
  EXPECT_EQ(e.Check("pos_transactions", "garbage").verdict, Verdict::kAccept);
}

TEST_F(ContractEnforcerTest, QuarantineVerdictStatusEventAndMetric) {
  dir_.Put(Pos(catalog::ViolationAction::kQuarantine));
  auto& e = Make();
  ASSERT_TRUE(e.Governs("pos_transactions"));
  EXPECT_EQ(e.Check("pos_transactions", R"({"amount":5})").verdict, Verdict::kAccept);
  EventCheck bad = e.Check("pos_transactions", R"({"amount":-5})");
  EXPECT_EQ(bad.verdict, Verdict::kQuarantine);
  EXPECT_EQ(bad.rule, "amount.minimum");
  EXPECT_EQ(bad.reason, "field 'amount' is -5, below the minimum 0");
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].product, "pos");
  EXPECT_EQ(calls_[0].port, "transactions");
  EXPECT_FALSE(calls_[0].ok);
  EXPECT_EQ(GovernanceTypes(log_.log()), std::vector<std::string>{"meshd.governance.ContractViolated"});
  std::string metrics = metrics::Registry::Default().Render();
  EXPECT_NE(metrics.find(R"(meshd_contract_violations_total{port="transactions",product="pos",rule="amount.minimum"})"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(meshd_contract_status{port="transactions",product="pos"} 0)"), std::string::npos);
  auto states = e.States();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_FALSE(states[0].ok);
  EXPECT_EQ(states[0].violations, 1);
  // A window later without invalid events the contract is restored.
  clock_.Advance(60001);
  e.Tick();
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_TRUE(calls_[1].ok);
  auto types = GovernanceTypes(log_.log());
  EXPECT_EQ(types.back(), "meshd.governance.ContractRestored");
}

TEST_F(ContractEnforcerTest, FlagAcceptsAndCounts) {
  dir_.Put(Pos(catalog::ViolationAction::kFlag));
  auto& e = Make();
  EventCheck bad = e.Check("pos_transactions", R"({"other":1})");
  EXPECT_EQ(bad.verdict, Verdict::kFlag);
  EXPECT_EQ(bad.rule, "amount.required");
  EXPECT_FALSE(e.States()[0].ok);
}

TEST_F(ContractEnforcerTest, DirectoryChangesRecompile) {
  dir_.Put(Pos(catalog::ViolationAction::kQuarantine));
  auto& e = Make();
  EXPECT_EQ(e.Check("pos_transactions", R"({"amount":-1})").verdict, Verdict::kQuarantine);
  auto fixed = Pos(catalog::ViolationAction::kQuarantine);
  fixed.outputs[0].contract.rules[0].minimum = -10;
  dir_.Put(fixed);
  EXPECT_EQ(e.Check("pos_transactions", R"({"amount":-1})").verdict, Verdict::kAccept);
  EXPECT_TRUE(e.Recheck("pos_transactions", R"({"amount":-1})").valid());
  dir_.Remove("pos");
  EXPECT_FALSE(e.Governs("pos_transactions"));
}

TEST_F(ContractEnforcerTest, LateDirectoryIsBoundOnFirstUse) {
  catalog::ProductDirectory* dir = nullptr;
  ContractEnforcerOptions o;
  o.clock = &clock_;
  o.directory = [&dir] { return dir; };
  ContractEnforcer e(log_.log(), o);
  EXPECT_FALSE(e.Governs("pos_transactions"));
  dir_.Put(Pos(catalog::ViolationAction::kQuarantine));
  dir = &dir_;
  EXPECT_TRUE(e.Governs("pos_transactions"));
}

TEST_F(ContractEnforcerTest, FreshnessViolatedWithoutEventsAndRestoredByOne) {
  auto p = Pos(catalog::ViolationAction::kFlag);
  p.outputs[0].contract.rules.clear();
  p.outputs[0].contract.freshness_max_delay_ms = 5 * 60 * 1000;
  dir_.Put(p);
  auto& e = Make();
  EXPECT_EQ(e.Check("pos_transactions", R"({"amount":1})").verdict, Verdict::kAccept);
  clock_.Advance(5 * 60 * 1000);
  e.Tick();
  EXPECT_TRUE(e.States()[0].ok);
  clock_.Advance(1000);
  e.Tick();
  auto s = e.States()[0];
  EXPECT_FALSE(s.freshness_ok);
  EXPECT_EQ(s.freshness_age_ms, 5 * 60 * 1000 + 1000);
  EXPECT_NE(s.reason.find("freshness limit of 300 s"), std::string::npos) << s.reason;
  EXPECT_EQ(GovernanceTypes(log_.log()), std::vector<std::string>{"meshd.governance.FreshnessViolated"});
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_FALSE(calls_[0].ok);
  e.Tick();  // no duplicate event while still violated
  EXPECT_EQ(GovernanceTypes(log_.log()).size(), 1u);
  e.Check("pos_transactions", R"({"amount":1})");
  EXPECT_TRUE(e.States()[0].ok);
  EXPECT_EQ(GovernanceTypes(log_.log()).back(), "meshd.governance.FreshnessRestored");
  std::string metrics = metrics::Registry::Default().Render();
  EXPECT_NE(metrics.find("meshd_contract_freshness_age_seconds{port=\"transactions\",product=\"pos\"}"),
            std::string::npos);
}

TEST_F(ContractEnforcerTest, CompletenessBelowThresholdAndBack) {
  auto p = Pos(catalog::ViolationAction::kFlag);
  p.outputs[0].contract.completeness_min_ratio = 0.9;
  p.outputs[0].contract.completeness_window_ms = 60000;
  dir_.Put(p);
  auto& e = Make();
  for (int i = 0; i < 9; ++i) e.Check("pos_transactions", R"({"amount":1})");
  EXPECT_TRUE(e.States()[0].completeness_ok);
  e.Check("pos_transactions", R"({"amount":-1})");  // 9/10 = 0.9: at the minimum
  EXPECT_TRUE(e.States()[0].completeness_ok);
  e.Check("pos_transactions", R"({"amount":-1})");  // 9/11 < 0.9
  auto s = e.States()[0];
  EXPECT_FALSE(s.completeness_ok);
  EXPECT_NEAR(s.completeness_ratio, 9.0 / 11.0, 1e-9);
  auto types = GovernanceTypes(log_.log());
  EXPECT_NE(std::find(types.begin(), types.end(), "meshd.governance.CompletenessViolated"), types.end());
  // The bad events slide out of the window.
  clock_.Advance(61000);
  e.Check("pos_transactions", R"({"amount":1})");
  EXPECT_TRUE(e.States()[0].completeness_ok);
  types = GovernanceTypes(log_.log());
  EXPECT_NE(std::find(types.begin(), types.end(), "meshd.governance.CompletenessRestored"), types.end());
}

TEST_F(ContractEnforcerTest, ViolationEventsAreRateLimitedButAllCounted) {
  dir_.Put(Pos(catalog::ViolationAction::kFlag));
  auto& e = Make();
  for (int i = 0; i < 25; ++i) e.Check("pos_transactions", R"({"amount":-1})");
  EXPECT_EQ(GovernanceTypes(log_.log()).size(), static_cast<size_t>(GovernanceEvents::kMaxPerSecond));
  EXPECT_EQ(e.States()[0].violations, 25);
}

TEST_F(ContractEnforcerTest, BusDeliveryChecksTheEnvelopeDetail) {
  dir_.Put(Pos(catalog::ViolationAction::kQuarantine));
  auto& e = Make();
  std::string env = R"({"version":"0","id":"1","detail-type":"Sale","source":"pos","detail":{"amount":-3}})";
  EXPECT_EQ(e.Check("pos_transactions", env, PayloadKind::kBusDelivery).verdict, Verdict::kQuarantine);
  std::string ok = R"({"version":"0","id":"1","detail-type":"Sale","source":"pos","detail":{"amount":3}})";
  EXPECT_EQ(e.Check("pos_transactions", ok, PayloadKind::kBusDelivery).verdict, Verdict::kAccept);
  // A transformed payload (not an envelope) is checked as is.
  EXPECT_EQ(e.Check("pos_transactions", R"({"amount":3})", PayloadKind::kBusDelivery).verdict, Verdict::kAccept);
}

}  // namespace
}  // namespace meshd::governance
