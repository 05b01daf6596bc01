#include "governance/principal.h"

#include <boost/json.hpp>

namespace meshd::governance {

namespace json = boost::json;

json::value PrincipalToStoredJson(const Principal& p) {
  json::object o;
  o["name"] = p.name;
  o["domain"] = p.domain;
  o["admin"] = p.admin;
  o["token_sha256"] = p.token_hash;
  json::object s;
  s["salt"] = HexEncode(p.scram.salt);
  s["stored_key"] = HexEncode(p.scram.stored_key);
  s["server_key"] = HexEncode(p.scram.server_key);
  s["iterations"] = p.scram.iterations;
  o["scram_sha256"] = std::move(s);
  o["created_ms"] = p.created_ms;
  o["created_by"] = p.created_by;
  return o;
}

Result<Principal> PrincipalFromStoredJson(const json::value& v) {
  if (!v.is_object()) return Status::Corruption("principal record is not a JSON object");
  const auto& o = v.get_object();
  auto str = [&](const char* k) -> std::string {
    const json::value* f = o.if_contains(k);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  Principal p;
  p.name = str("name");
  p.domain = str("domain");
  p.token_hash = str("token_sha256");
  p.created_by = str("created_by");
  if (const json::value* a = o.if_contains("admin"); a && a->is_bool()) p.admin = a->get_bool();
  if (const json::value* c = o.if_contains("created_ms"); c && c->is_int64()) p.created_ms = c->get_int64();
  if (const json::value* s = o.if_contains("scram_sha256"); s && s->is_object()) {
    const auto& so = s->get_object();
    auto hex = [&](const char* k) {
      const json::value* f = so.if_contains(k);
      return f && f->is_string() ? HexDecode(f->get_string()) : std::string();
    };
    p.scram.salt = hex("salt");
    p.scram.stored_key = hex("stored_key");
    p.scram.server_key = hex("server_key");
    if (const json::value* i = so.if_contains("iterations"); i && i->is_int64())
      p.scram.iterations = static_cast<int32_t>(i->get_int64());
  }
  if (p.name.empty() || p.token_hash.size() != 64)
    return Status::Corruption("principal record without name or token hash");
  return p;
}

json::object PrincipalToPublicJson(const Principal& p) {
  json::object o;
  o["name"] = p.name;
  o["domain"] = p.domain;
  o["admin"] = p.admin;
  o["created_ms"] = p.created_ms;
  o["created_by"] = p.created_by;
  // A short, non-secret fingerprint so operators can tell tokens apart.
  o["token_fingerprint"] = p.token_hash.substr(0, 12);
  return o;
}

Status ValidatePrincipalName(const std::string& name, const char* what) {
  if (name.empty() || name.size() > 64)
    return Status::InvalidArgument(std::string(what) + " must be 1-64 characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return Status::InvalidArgument(std::string(what) + " '" + name +
                                     "' may only contain letters, digits, '.', '_' and '-'");
  }
  return Status::Ok();
}

}  // namespace meshd::governance
