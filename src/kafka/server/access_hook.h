#pragma once
// AccessHook: how the Kafka listener authenticates against meshd principals
// (API tokens) and asks access control about topics. The app supplies an
// implementation backed by src/governance, so that src/kafka does not depend
// on it. Without a hook (the default) only --kafka-sasl-user credentials
// exist and nothing is authorized per topic.
//
// Identities: SASL PLAIN with username = principal name and password = its
// API token; SCRAM-SHA-256 with the same pair (the server stores only the
// SCRAM credential derived from the token).
//
// Thread-safety: called concurrently from every I/O thread; implementations
// must be thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace meshd::kafka {

class AccessHook {
 public:
  virtual ~AccessHook() = default;

  // True when the listener must require SASL (auth required), even if no
  // --kafka-sasl-user is configured.
  virtual bool RequireSasl() const = 0;

  // SASL PLAIN: true when `password` is the token of principal `user`.
  virtual bool VerifyPassword(const std::string& user, std::string_view password) const = 0;
  struct ScramCredential {
    std::string salt, stored_key, server_key;  // raw bytes
    int32_t iterations = 4096;
  };
  // SCRAM-SHA-256 credential of principal `user`, if it exists.
  virtual std::optional<ScramCredential> Scram(const std::string& user) const = 0;

  enum class Operation {
    kWrite,     // Produce
    kRead,      // Fetch, ListOffsets, OffsetCommit, OffsetFetch
    kDescribe,  // Metadata (topics the principal may neither read nor write are hidden)
    kManage,    // CreateTopics, DeleteTopics, DeleteRecords
  };
  // `principal` is the SASL principal ("" when SASL is off).
  virtual bool Authorize(const std::string& principal, Operation op, const std::string& topic) = 0;

  // Fetch: rewrites fetched batches of `topic` for `principal` in place
  // (PII masking), or returns an empty function when the bytes go out as
  // stored, which keeps the common path copy-free.
  using BatchRewriter = std::function<Status(std::string* batches)>;
  virtual BatchRewriter FetchRewriter(const std::string& principal, const std::string& topic) = 0;
};

}  // namespace meshd::kafka
