#pragma once
// PrincipalStore: the principals and their token hashes, persisted in the
// compacted internal topic `_principals` (key = name, tombstone = revoked)
// and replayed into memory at start.
//
// Bootstrapping: BootstrapAdmin() creates an `admin` principal when none
// with admin rights exists and writes its token to <data-dir>/admin.token
// (mode 0600), so the operator who can read the data dir can administer the
// server, and nobody else can.
//
// Thread-safety: all methods are thread-safe. Create/Revoke append to the log
// (and wait for fsync) under the writer lock; lookups take a reader lock.

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "governance/principal.h"
#include "storage/event_log.h"

namespace meshd::governance {

inline constexpr const char* kPrincipalsTopic = "_principals";
inline constexpr const char* kAdminTokenFile = "admin.token";

class PrincipalStore {
 public:
  // Opens (creating the topic if needed) and replays. `log` may be null for
  // a purely in-memory store (unit tests).
  static Result<std::unique_ptr<PrincipalStore>> Open(storage::EventLog* log,
                                                      const Clock* clock = nullptr);

  struct Created {
    Principal principal;
    std::string token;  // shown once; not recoverable afterwards
  };
  // Creates a principal with a fresh token. AlreadyExists when the name is
  // taken (revoke first to rotate).
  Result<Created> Create(const std::string& name, const std::string& domain, bool admin,
                         const std::string& created_by);
  // Deletes a principal (its token stops working at once). NotFound if absent.
  Status Revoke(const std::string& name);

  std::vector<Principal> List() const;
  std::optional<Principal> Find(const std::string& name) const;
  // The principal owning `token`, if any.
  std::optional<Principal> Authenticate(std::string_view token) const;
  // SASL PLAIN: username = principal name, password = its token.
  bool VerifyPassword(const std::string& name, std::string_view password) const;
  std::optional<ScramCredential> Scram(const std::string& name) const;

  // Creates an admin principal and writes its token to
  // <data_dir>/admin.token (0600) when no admin exists. Returns the file path
  // when it wrote one, "" when an admin already existed.
  Result<std::string> BootstrapAdmin(const std::string& data_dir);

 private:
  PrincipalStore(storage::EventLog* log, const Clock* clock) : log_(log), clock_(clock) {}
  Status Replay();
  void ApplyLocked(const std::string& name, const Principal* p);

  storage::EventLog* log_;
  const Clock* clock_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Principal> by_name_;
  std::map<std::string, std::string> name_by_hash_;
};

}  // namespace meshd::governance
