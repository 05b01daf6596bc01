#pragma once
// SASL authentication for the Kafka listener: PLAIN (RFC 4616) and
// SCRAM-SHA-256 (RFC 5802 / 7677), with OpenSSL's HMAC, PBKDF2 and SHA-256.
// Off unless users are configured. SCRAM keys (salt, StoredKey, ServerKey)
// are derived once per user at start-up; the plaintext password is kept only
// for PLAIN. Kafka clients put authzid = username (kafka-python) or leave it
// empty (others); both are accepted, anything else is refused.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "kafka/server/access_hook.h"

namespace meshd::kafka {

struct SaslOptions {
  std::map<std::string, std::string> users;  // user -> password
  std::vector<std::string> mechanisms = {"PLAIN", "SCRAM-SHA-256"};
  int32_t scram_iterations = 4096;
  // meshd principals (API tokens) as further SASL identities; with a hook
  // that requires SASL, SASL is on even without static users.
  std::shared_ptr<const AccessHook> principals;
  bool enabled() const { return !users.empty() || (principals && principals->RequireSasl()); }
};

// Immutable after construction; shared by all connections (thread-safe).
class SaslCredentials {
 public:
  explicit SaslCredentials(const SaslOptions& options);

  struct ScramKeys {
    std::string salt;
    std::string stored_key;
    std::string server_key;
    int32_t iterations = 0;  // 0 = options().scram_iterations
  };
  const SaslOptions& options() const { return options_; }
  bool MechanismEnabled(std::string_view mechanism) const;
  const std::string* Password(const std::string& user) const;
  const ScramKeys* Scram(const std::string& user) const;
  // PLAIN: the static password, else a principal's token.
  bool VerifyPlain(const std::string& user, std::string_view password) const;
  // SCRAM: the static user's keys, else a principal's stored credential.
  std::optional<ScramKeys> FindScram(const std::string& user) const;

 private:
  SaslOptions options_;
  std::map<std::string, ScramKeys> scram_;
};

// One authentication exchange on one connection. Not thread-safe.
class SaslSession {
 public:
  SaslSession(const SaslCredentials& creds, std::string mechanism);

  // Feeds one client message; returns the server's reply (possibly empty).
  // A non-OK result means authentication failed (the message says why,
  // without echoing secrets).
  Result<std::string> Step(std::string_view client_message);
  bool complete() const { return complete_; }
  const std::string& principal() const { return principal_; }

 private:
  Result<std::string> StepPlain(std::string_view msg);
  Result<std::string> StepScramFirst(std::string_view msg);
  Result<std::string> StepScramFinal(std::string_view msg);

  const SaslCredentials& creds_;
  std::string mechanism_;
  int step_ = 0;
  bool complete_ = false;
  std::string principal_;
  // SCRAM state between the two client messages.
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;
  std::string gs2_header_;
  SaslCredentials::ScramKeys keys_;  // the user's credential, looked up at the first message
};

// Exposed for tests: the SCRAM primitives.
namespace scram {
std::string Hmac(std::string_view key, std::string_view data);
std::string Sha256(std::string_view data);
std::string SaltedPassword(std::string_view password, std::string_view salt, int iterations);
std::string Base64Encode(std::string_view in);
Result<std::string> Base64Decode(std::string_view in);
}  // namespace scram

}  // namespace meshd::kafka
