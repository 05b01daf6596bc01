#pragma once
// HTTP side of access control, on the main listener's router:
//
// Middleware (installed on the router, wraps every matched route):
//   - /healthz and /metrics are always open;
//   - `Authorization: Bearer <token>` authenticates; a bad or revoked token
//     is 401 UNAUTHENTICATED in every mode; no token is 401 when auth is
//     required (anonymous is allowed only with auth off);
//   - with auth required, topic routes are authorized per access_policy.h
//     (publish → produce; consume, stream, commit, group routes → consume;
//     create/delete/config/partitions → manage), bus rule targets that write
//     to a topic (`arn:meshd:topic:<t>`, also as dead-letter) need produce
//     rights on it, and /v1/principals and /v1/audit are for admins; a
//     refusal is 403 FORBIDDEN naming the rule;
//   - data products are self-service per domain: POST /v1/products by a
//     non-admin must describe a product of the caller's domain (see
//     DescriptorDomainFn), DELETE /v1/products/{name} needs the owning
//     domain; changing the global policy (PUT /v1/policies) is for admins;
//   - mutating requests (POST/PUT/PATCH/DELETE other than data publish and
//     commit, which are audited as produce/consume) are written to the
//     audit log with their outcome.
//
// Routes:
//   GET    /v1/whoami                  the caller's identity
//   POST   /v1/principals              {"name","domain","admin"} → 201 {"principal":{..},"token":"..."}
//   GET    /v1/principals              {"principals":[...]} (no secrets)
//   DELETE /v1/principals/{name}       revoke
//   GET    /v1/audit                   ?principal=&action=&resource=&limit= → {"entries":[...]}

#include "governance/access_control.h"
#include "http/router.h"

namespace meshd::governance {

// The domain of the product a POST /v1/products request would apply (the
// app parses the descriptor with src/catalog). An error lets the request
// through to the catalog, which reports the descriptor problem itself.
using DescriptorDomainFn = std::function<Result<std::string>(const http::RequestContext& ctx)>;

void InstallHttpAccess(http::Router& router, AccessControl& access,
                       DescriptorDomainFn descriptor_domain = {});

// "Bearer <token>" → token ("" when the header is not a Bearer credential).
std::string BearerToken(std::string_view authorization);

}  // namespace meshd::governance
