#pragma once
// The quarantine REST API (mounted on the main HTTP listener):
//
//   GET  /v1/quarantine[?topic=T][&limit=N]     pending quarantined events
//   POST /v1/quarantine/{topic}/release         {"offsets":[...]} | {"all":true}
//        re-validates against the CURRENT contract; passing events are
//        appended to {topic}, failing ones stay (listed under "kept")
//   POST /v1/quarantine/{topic}/drop            {"offsets":[...]} | {"all":true}
//
// {topic} is the source topic (pos_transactions) or its quarantine topic
// (pos_transactions.quarantine). Offsets are offsets in the quarantine topic.

#include "governance/contract_enforcer.h"
#include "http/router.h"

namespace meshd::governance {

void RegisterQuarantineRoutes(http::Router& router, ContractEnforcer& enforcer);

}  // namespace meshd::governance
