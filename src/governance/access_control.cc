#include "governance/access_control.h"

#include "metrics/metrics.h"

namespace meshd::governance {

Result<AuthMode> ParseAuthMode(const std::string& text) {
  if (text == "off" || text.empty()) return AuthMode::kOff;
  if (text == "required") return AuthMode::kRequired;
  return Status::InvalidArgument("auth mode must be 'off' or 'required', got '" + text + "'");
}

AccessControl::AccessControl(AuthMode mode, std::unique_ptr<PrincipalStore> principals,
                             std::unique_ptr<AuditLog> audit, DirectoryFn directory)
    : mode_(mode),
      principals_(std::move(principals)),
      audit_(std::move(audit)),
      directory_(std::move(directory)) {}

std::optional<Identity> AccessControl::AuthenticateToken(std::string_view token) const {
  auto p = principals_->Authenticate(token);
  if (!p) return std::nullopt;
  return IdentityOf(*p);
}

Identity AccessControl::IdentityForName(const std::string& name) const {
  if (auto p = principals_->Find(name)) return IdentityOf(*p);
  Identity id;
  id.name = name;
  id.authenticated = !name.empty();
  return id;
}

AccessDecision AccessControl::Check(const Identity& who, AccessAction action,
                                    const std::string& topic) {
  if (!enforced()) {
    AccessDecision d;
    d.allowed = true;
    d.pii_clear = true;
    d.reason = "authorization off";
    return d;
  }
  AccessDecision d = Decide(who, action, topic, directory());
  AuditEntry e;
  e.principal = who.name;
  e.action = AccessActionName(action);
  e.resource = "topic:" + topic;
  e.outcome = d.allowed ? "ok" : "denied";
  if (!d.allowed) e.detail = d.reason;
  audit_->RecordAccess(e);
  if (!d.allowed) {
    metrics::Registry::Default()
        .GetCounter("meshd_access_denied_total", "Requests refused by access control, by action",
                    {{"action", e.action}})
        .Inc();
  }
  return d;
}

std::shared_ptr<const PiiMasker> AccessControl::MaskerFor(const Identity& who,
                                                          const std::string& topic) {
  if (!enforced()) return nullptr;
  AccessDecision d = Decide(who, AccessAction::kConsume, topic, directory());
  if (d.pii_clear || d.port == nullptr || d.port->contract.classified.empty()) return nullptr;
  return std::make_shared<const PiiMasker>(d.port->contract.classified);
}

}  // namespace meshd::governance
