#include "governance/token_codec.h"

#include <gtest/gtest.h>

#include "kafka/server/sasl.h"

namespace meshd::governance {
namespace {

TEST(TokenCodec, TokensAreRandomPrefixedAndUrlSafe) {
  std::string a = GenerateToken(), b = GenerateToken();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("mshd_", 0), 0u);
  EXPECT_EQ(a.size(), 5u + 43u);  // 32 bytes → 43 base64url chars
  for (char c : a.substr(5)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
}

TEST(TokenCodec, HashIsHexSha256AndVerifies) {
  // SHA-256("abc") from FIPS 180-2.
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string t = GenerateToken();
  std::string h = HashToken(t);
  EXPECT_TRUE(VerifyToken(t, h));
  EXPECT_FALSE(VerifyToken(t + "x", h));
  EXPECT_FALSE(VerifyToken("", h));
  EXPECT_FALSE(VerifyToken(t, h.substr(1)));
}

TEST(TokenCodec, HexRoundTrip) {
  std::string raw("\x00\x01\xfe\xff", 4);
  EXPECT_EQ(HexEncode(raw), "0001feff");
  EXPECT_EQ(HexDecode("0001FEff"), raw);
  EXPECT_EQ(HexDecode("abc"), "");
  EXPECT_EQ(HexDecode("zz"), "");
}

TEST(TokenCodec, ScramCredentialMatchesTheKafkaListenersDerivation) {
  // The credential stored for a token must be what the SCRAM server would
  // derive from the same password and salt.
  ScramCredential c = DeriveScramCredential("mshd_secret", 4096);
  std::string salted = kafka::scram::SaltedPassword("mshd_secret", c.salt, 4096);
  EXPECT_EQ(c.stored_key, kafka::scram::Sha256(kafka::scram::Hmac(salted, "Client Key")));
  EXPECT_EQ(c.server_key, kafka::scram::Hmac(salted, "Server Key"));
  EXPECT_EQ(c.salt.size(), 16u);
  EXPECT_NE(DeriveScramCredential("mshd_secret").salt, c.salt);
}

}  // namespace
}  // namespace meshd::governance
