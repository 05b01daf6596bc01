#pragma once
// Access control (src/governance): opens the principal store (`_principals`)
// and the audit log (`_audit`), writes <data-dir>/admin.token at the first
// start with --auth required, mounts /v1/principals, /v1/audit, /v1/whoami
// and the authentication/authorization middleware on the HTTP router, and
// publishes the AccessControl through MeshServer::access_control() for the
// HTTP consume path (PII masking) and the Kafka listener (SASL principals,
// per-topic authorization, Fetch rewriting). Starts before the HTTP API.

#include <memory>

#include "api/read_filter.h"
#include "app/mesh_server.h"
#include "governance/access_control.h"
#include "kafka/server/access_hook.h"

namespace meshd::app {

class AccessComponent final : public Component {
 public:
  std::string name() const override { return "access"; }
  Status Start(MeshServer& server) override;
  void Stop() override;

 private:
  MeshServer* server_ = nullptr;
  std::unique_ptr<governance::AccessControl> access_;
};

// The HTTP consume path's PII masking for the request's principal.
api::ReadFilter MakeReadFilter(governance::AccessControl& access);
// The Kafka listener's view of access control (null when not enforced, so
// the listener behaves exactly as without access control).
std::shared_ptr<kafka::AccessHook> MakeKafkaAccessHook(governance::AccessControl& access);

}  // namespace meshd::app
