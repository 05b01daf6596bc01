#include "kafka/server/sasl.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <optional>

namespace meshd::kafka {
namespace scram {

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

std::string SaltedPassword(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof(out), out);
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

std::string Base64Encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return Status::InvalidArgument("sasl: base64 length not a multiple of 4");
  std::string out(3 * in.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return Status::InvalidArgument("sasl: bad base64");
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace scram

namespace {

std::string RandomBytes(size_t n) {
  std::string s(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(n));
  return s;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// "k=v" attribute lookup in a comma-separated SCRAM message.
std::optional<std::string> Attr(std::string_view msg, char key) {
  size_t pos = 0;
  while (pos <= msg.size()) {
    size_t end = msg.find(',', pos);
    if (end == std::string_view::npos) end = msg.size();
    std::string_view part = msg.substr(pos, end - pos);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') return std::string(part.substr(2));
    pos = end + 1;
  }
  return std::nullopt;
}

// RFC 5802 saslname: "=2C" is ',' and "=3D" is '='.
std::string UnescapeName(std::string_view n) {
  std::string out;
  for (size_t i = 0; i < n.size(); ++i) {
    if (n.substr(i, 3) == "=2C") {
      out.push_back(',');
      i += 2;
    } else if (n.substr(i, 3) == "=3D") {
      out.push_back('=');
      i += 2;
    } else {
      out.push_back(n[i]);
    }
  }
  return out;
}

}  // namespace

SaslCredentials::SaslCredentials(const SaslOptions& options) : options_(options) {
  for (const auto& [user, password] : options_.users) {
    ScramKeys k;
    k.salt = RandomBytes(16);
    std::string salted = scram::SaltedPassword(password, k.salt, options_.scram_iterations);
    k.stored_key = scram::Sha256(scram::Hmac(salted, "Client Key"));
    k.server_key = scram::Hmac(salted, "Server Key");
    scram_[user] = std::move(k);
  }
}

bool SaslCredentials::MechanismEnabled(std::string_view mechanism) const {
  return std::find(options_.mechanisms.begin(), options_.mechanisms.end(), mechanism) !=
         options_.mechanisms.end();
}

const std::string* SaslCredentials::Password(const std::string& user) const {
  auto it = options_.users.find(user);
  return it == options_.users.end() ? nullptr : &it->second;
}

const SaslCredentials::ScramKeys* SaslCredentials::Scram(const std::string& user) const {
  auto it = scram_.find(user);
  return it == scram_.end() ? nullptr : &it->second;
}

bool SaslCredentials::VerifyPlain(const std::string& user, std::string_view password) const {
  if (const std::string* expected = Password(user)) {
    if (ConstantTimeEqual(*expected, password)) return true;
  }
  return options_.principals && options_.principals->VerifyPassword(user, password);
}

std::optional<SaslCredentials::ScramKeys> SaslCredentials::FindScram(const std::string& user) const {
  if (const ScramKeys* k = Scram(user)) return *k;
  if (options_.principals) {
    if (auto c = options_.principals->Scram(user)) {
      return ScramKeys{std::move(c->salt), std::move(c->stored_key), std::move(c->server_key),
                       c->iterations};
    }
  }
  return std::nullopt;
}

SaslSession::SaslSession(const SaslCredentials& creds, std::string mechanism)
    : creds_(creds), mechanism_(std::move(mechanism)) {}

Result<std::string> SaslSession::Step(std::string_view msg) {
  if (complete_) return Status::InvalidArgument("sasl: exchange already complete");
  if (mechanism_ == "PLAIN") return StepPlain(msg);
  if (mechanism_ == "SCRAM-SHA-256") {
    return step_++ == 0 ? StepScramFirst(msg) : StepScramFinal(msg);
  }
  return Status::Unsupported("sasl: mechanism " + mechanism_ + " not supported");
}

Result<std::string> SaslSession::StepPlain(std::string_view msg) {
  size_t a = msg.find('\0');
  size_t b = a == std::string_view::npos ? a : msg.find('\0', a + 1);
  if (b == std::string_view::npos) return Status::InvalidArgument("sasl PLAIN: malformed message");
  std::string authzid(msg.substr(0, a));
  std::string user(msg.substr(a + 1, b - a - 1));
  std::string_view password = msg.substr(b + 1);
  if (!creds_.VerifyPlain(user, password)) {
    return Status::PermissionDenied("sasl PLAIN: authentication failed for user '" + user + "'");
  }
  if (!authzid.empty() && authzid != user) {
    return Status::PermissionDenied("sasl PLAIN: authzid must be empty or equal the user");
  }
  principal_ = user;
  complete_ = true;
  return std::string();
}

Result<std::string> SaslSession::StepScramFirst(std::string_view msg) {
  // gs2-header: "n,," | "y,," | "n,a=authzid," ; then client-first-bare.
  size_t c1 = msg.find(',');
  size_t c2 = c1 == std::string_view::npos ? c1 : msg.find(',', c1 + 1);
  if (c2 == std::string_view::npos || msg.empty() || (msg[0] != 'n' && msg[0] != 'y')) {
    return Status::InvalidArgument("sasl SCRAM: malformed client-first message");
  }
  gs2_header_ = std::string(msg.substr(0, c2 + 1));
  client_first_bare_ = std::string(msg.substr(c2 + 1));
  auto n = Attr(client_first_bare_, 'n');
  auto r = Attr(client_first_bare_, 'r');
  if (!n || !r || r->empty()) return Status::InvalidArgument("sasl SCRAM: missing n= or r=");
  principal_ = UnescapeName(*n);
  auto keys = creds_.FindScram(principal_);
  if (!keys) {
    return Status::PermissionDenied("sasl SCRAM: authentication failed for user '" + principal_ +
                                    "'");
  }
  keys_ = std::move(*keys);
  const int32_t iterations =
      keys_.iterations > 0 ? keys_.iterations : creds_.options().scram_iterations;
  nonce_ = *r + scram::Base64Encode(RandomBytes(18));
  server_first_ = "r=" + nonce_ + ",s=" + scram::Base64Encode(keys_.salt) +
                  ",i=" + std::to_string(iterations);
  return server_first_;
}

Result<std::string> SaslSession::StepScramFinal(std::string_view msg) {
  size_t p = msg.rfind(",p=");
  if (p == std::string_view::npos) return Status::InvalidArgument("sasl SCRAM: missing proof");
  std::string without_proof(msg.substr(0, p));
  auto c = Attr(without_proof, 'c');
  auto r = Attr(without_proof, 'r');
  // Kafka's broker accepts a final nonce that *ends with* the server nonce:
  // librdkafka 2.0.2 sends client nonce + full server nonce.
  auto ends_with_nonce = [&](const std::string& got) {
    return got.size() >= nonce_.size() &&
           got.compare(got.size() - nonce_.size(), nonce_.size(), nonce_) == 0;
  };
  if (!c || !r || !ends_with_nonce(*r)) {
    return Status::PermissionDenied("sasl SCRAM: nonce mismatch for user '" + principal_ + "'");
  }
  if (*c != scram::Base64Encode(gs2_header_)) {
    return Status::PermissionDenied("sasl SCRAM: channel binding mismatch");
  }
  auto proof = scram::Base64Decode(msg.substr(p + 3));
  if (!proof.ok()) return proof.error();
  const SaslCredentials::ScramKeys* keys = &keys_;
  if (keys->stored_key.empty()) return Status::PermissionDenied("sasl SCRAM: unknown user");
  std::string auth_message = client_first_bare_ + "," + server_first_ + "," + without_proof;
  std::string client_signature = scram::Hmac(keys->stored_key, auth_message);
  if (proof->size() != client_signature.size()) {
    return Status::PermissionDenied("sasl SCRAM: authentication failed for user '" + principal_ +
                                    "'");
  }
  std::string client_key(proof->size(), '\0');
  for (size_t i = 0; i < client_key.size(); ++i) client_key[i] = (*proof)[i] ^ client_signature[i];
  if (!ConstantTimeEqual(scram::Sha256(client_key), keys->stored_key)) {
    return Status::PermissionDenied("sasl SCRAM: authentication failed for user '" + principal_ +
                                    "'");
  }
  complete_ = true;
  return "v=" + scram::Base64Encode(scram::Hmac(keys->server_key, auth_message));
}

}  // namespace meshd::kafka
