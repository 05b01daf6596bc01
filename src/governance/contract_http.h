#pragma once
// Contract routes on the main HTTP listener:
//
//   GET  /v1/contracts       every governed output port: status (ok, per
//                            dimension), reason, completeness ratio, freshness
//                            age, violation count
//
// Test-only route (mounted only by `meshd serve --test-clock`; never in
// production — it lets an end-to-end test move time without sleeping):
//
//   POST /v1/_test/clock/advance?ms=N   advances the enforcer's ManualClock by
//                                       N ms and evaluates contracts now

#include "base/clock.h"
#include "governance/contract_enforcer.h"
#include "http/router.h"

namespace meshd::governance {

void RegisterContractRoutes(http::Router& router, ContractEnforcer& enforcer);

void RegisterContractTestRoutes(http::Router& router, ContractEnforcer& enforcer, ManualClock* clock);

}  // namespace meshd::governance
