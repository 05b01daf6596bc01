#pragma once
// A principal: an identity that calls meshd (a domain team's service, a
// person, the platform admin), authenticated by an API token. Stored in the
// compacted internal topic `_principals` keyed by name; the token itself is
// never stored, only its SHA-256 and a SCRAM-SHA-256 credential.

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "base/result.h"
#include "governance/token_codec.h"

namespace meshd::governance {

struct Principal {
  std::string name;     // unique; also the Kafka SASL username
  std::string domain;   // the data-mesh domain it acts for ("" for admins without one)
  bool admin = false;   // platform admin: may do everything
  std::string token_hash;  // hex SHA-256 of the token
  ScramCredential scram;
  int64_t created_ms = 0;
  std::string created_by;  // principal that created it ("" = server bootstrap)
};

// The identity attached to a request after authentication. Anonymous only
// when authentication is off.
struct Identity {
  std::string name;
  std::string domain;
  bool admin = false;
  bool authenticated = false;
};

inline Identity IdentityOf(const Principal& p) { return Identity{p.name, p.domain, p.admin, true}; }

// JSON stored in `_principals` (includes the hashes) and the public view
// (no secrets) used by the API and CLI.
boost::json::value PrincipalToStoredJson(const Principal& p);
Result<Principal> PrincipalFromStoredJson(const boost::json::value& v);
boost::json::object PrincipalToPublicJson(const Principal& p);

// Principal names: 1-64 chars of [A-Za-z0-9._-]; the same rule for domains.
Status ValidatePrincipalName(const std::string& name, const char* what);

}  // namespace meshd::governance
