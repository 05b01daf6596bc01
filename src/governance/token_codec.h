#pragma once
// API tokens: generation, hashing and verification, plus the SCRAM-SHA-256
// credential derived from a token (so Kafka clients can authenticate with
// SCRAM as well as PLAIN without the server ever storing the token).
//
// A token looks like "mshd_<43 base64url chars>" (32 random bytes from
// OpenSSL's RAND_bytes). The server keeps only hex SHA-256(token): a token is
// high-entropy, so a plain hash is enough (no password-style stretching) and
// verification is one hash plus a constant-time compare.

#include <cstdint>
#include <string>
#include <string_view>

namespace meshd::governance {

inline constexpr std::string_view kTokenPrefix = "mshd_";

// A fresh random token.
std::string GenerateToken();
// Lower-case hex SHA-256 of `token`.
std::string HashToken(std::string_view token);
// True when HashToken(token) equals `stored_hash`, compared in constant time.
bool VerifyToken(std::string_view token, std::string_view stored_hash);

// Lower-case hex of arbitrary bytes / its inverse ("" on bad input).
std::string HexEncode(std::string_view bytes);
std::string HexDecode(std::string_view hex);

// RFC 5802 credential for SCRAM-SHA-256 with the token as password.
struct ScramCredential {
  std::string salt;        // raw bytes
  std::string stored_key;  // raw bytes: H(HMAC(SaltedPassword, "Client Key"))
  std::string server_key;  // raw bytes: HMAC(SaltedPassword, "Server Key")
  int32_t iterations = 4096;
};
ScramCredential DeriveScramCredential(std::string_view token, int32_t iterations = 4096);

}  // namespace meshd::governance
