#pragma once
// AccessControl: the one object every enforcement point asks. It owns the
// principal store and the audit log, applies the decision table
// (access_policy.h) against the product directory, and hands out PII
// maskers for readers without a PII grant.
//
// Modes (`meshd serve --auth off|required`, config key `auth`):
//   off      (default) nothing is enforced and nothing is masked: the
//            zero-config local mode existing users and tests rely on. A
//            Bearer token that is sent is still checked (a bad one gets 401)
//            and used as the identity in the audit log.
//   required every /v1 request (except /healthz and /metrics) needs
//            `Authorization: Bearer <token>`; the Kafka listener requires
//            SASL (PLAIN or SCRAM-SHA-256: username = principal name,
//            password = token); the rules of access_policy.h apply and
//            classified fields are masked for readers without a PII grant.
//
// Thread-safety: thread-safe.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "catalog/product_model.h"
#include "governance/access_policy.h"
#include "governance/audit_log.h"
#include "governance/pii_masker.h"
#include "governance/principal_store.h"

namespace meshd::governance {

enum class AuthMode { kOff, kRequired };
Result<AuthMode> ParseAuthMode(const std::string& text);

class AccessControl {
 public:
  using DirectoryFn = std::function<const catalog::ProductDirectory*()>;

  AccessControl(AuthMode mode, std::unique_ptr<PrincipalStore> principals,
                std::unique_ptr<AuditLog> audit, DirectoryFn directory);

  bool enforced() const { return mode_ == AuthMode::kRequired; }
  AuthMode mode() const { return mode_; }
  PrincipalStore& principals() { return *principals_; }
  AuditLog& audit() { return *audit_; }
  const catalog::ProductDirectory* directory() const { return directory_ ? directory_() : nullptr; }

  // The identity of a token, if it is valid.
  std::optional<Identity> AuthenticateToken(std::string_view token) const;
  // The identity of an already-authenticated principal name (Kafka SASL).
  // Unknown names (e.g. static --kafka-sasl-user users) are authenticated
  // but have no domain: they reach only topics outside data products.
  Identity IdentityForName(const std::string& name) const;

  // Decides and audits (throttled for produce/consume). When not enforced,
  // everything is allowed with PII in clear.
  AccessDecision Check(const Identity& who, AccessAction action, const std::string& topic);

  // The masker for `who` reading `topic`, or null when values go out as
  // stored (not enforced, PII grant, or no classified fields).
  std::shared_ptr<const PiiMasker> MaskerFor(const Identity& who, const std::string& topic);

 private:
  AuthMode mode_;
  std::unique_ptr<PrincipalStore> principals_;
  std::unique_ptr<AuditLog> audit_;
  DirectoryFn directory_;
};

}  // namespace meshd::governance
