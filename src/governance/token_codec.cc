#include "governance/token_codec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>

namespace meshd::governance {
namespace {

std::string RandomBytes(size_t n) {
  std::string s(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(n)) != 1) {
    // RAND_bytes only fails when the OS entropy source is broken; a
    // predictable token would be worse than stopping.
    std::abort();
  }
  return s;
}

std::string Sha256Raw(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

std::string HmacRaw(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Base64Url(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buf >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buf << (6 - bits)) & 0x3f]);
  return out;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

std::string HexDecode(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return {};
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string GenerateToken() { return std::string(kTokenPrefix) + Base64Url(RandomBytes(32)); }

std::string HashToken(std::string_view token) { return HexEncode(Sha256Raw(token)); }

bool VerifyToken(std::string_view token, std::string_view stored_hash) {
  const std::string got = HashToken(token);
  return got.size() == stored_hash.size() &&
         CRYPTO_memcmp(got.data(), stored_hash.data(), got.size()) == 0;
}

ScramCredential DeriveScramCredential(std::string_view token, int32_t iterations) {
  ScramCredential c;
  c.iterations = iterations;
  c.salt = RandomBytes(16);
  unsigned char salted[SHA256_DIGEST_LENGTH];
  PKCS5_PBKDF2_HMAC(token.data(), static_cast<int>(token.size()),
                    reinterpret_cast<const unsigned char*>(c.salt.data()),
                    static_cast<int>(c.salt.size()), iterations, EVP_sha256(), sizeof(salted),
                    salted);
  std::string salted_password(reinterpret_cast<char*>(salted), sizeof(salted));
  c.stored_key = Sha256Raw(HmacRaw(salted_password, "Client Key"));
  c.server_key = HmacRaw(salted_password, "Server Key");
  return c;
}

}  // namespace meshd::governance
