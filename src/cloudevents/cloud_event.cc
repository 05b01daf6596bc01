#include "cloudevents/cloud_event.h"
#include "cloudevents/json_text.h"

#include <cctype>
#include <ctime>
#include <random>

#include "cloudevents/base64.h"

namespace meshd::cloudevents {

namespace json = boost::json;

std::optional<std::string> CloudEvent::PartitionKey() const {
  auto it = extensions.find("partitionkey");
  if (it == extensions.end() || it->second.is_null()) return std::nullopt;
  if (it->second.is_string()) return std::string(it->second.as_string());
  return SerializeJson(it->second);
}

bool IsJsonContentType(std::string_view ct) {
  size_t semi = ct.find(';');
  std::string t(ct.substr(0, semi));
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "application/json" || t == "text/json") return true;
  return t.size() > 5 && t.compare(t.size() - 5, 5, "+json") == 0;
}

namespace {

bool IsDigits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool IsReservedAttribute(std::string_view name) {
  return name == "specversion" || name == "id" || name == "source" || name == "type" ||
         name == "datacontenttype" || name == "dataschema" || name == "subject" ||
         name == "time" || name == "data" || name == "data_base64";
}

bool ValidExtensionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string Prefix(std::string_view where) {
  return where.empty() ? std::string() : std::string(where) + ": ";
}

}  // namespace

bool IsRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (!IsDigits(s, 0, 4) || s.size() < 20 || s[4] != '-' || !IsDigits(s, 5, 2) || s[7] != '-' ||
      !IsDigits(s, 8, 2) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !IsDigits(s, 11, 2) || s[13] != ':' || !IsDigits(s, 14, 2) || s[16] != ':' ||
      !IsDigits(s, 17, 2)) {
    return false;
  }
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) return false;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    return i + 6 == s.size() && IsDigits(s, i + 1, 2) && s[i + 3] == ':' && IsDigits(s, i + 4, 2);
  }
  return false;
}

std::string FormatRfc3339(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

std::string NewUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   (static_cast<uint64_t>(std::random_device{}()) << 32)};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  char buf[64];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

Status Validate(const CloudEvent& e, std::string_view where) {
  std::string p = Prefix(where);
  if (e.specversion != kSpecVersion) {
    return Status::InvalidArgument(p + "attribute 'specversion' must be \"1.0\", got \"" +
                                   e.specversion + "\"");
  }
  if (e.id.empty()) return Status::InvalidArgument(p + "attribute 'id' must be a non-empty string");
  if (e.source.empty()) {
    return Status::InvalidArgument(p + "attribute 'source' must be a non-empty string");
  }
  if (e.type.empty()) {
    return Status::InvalidArgument(p + "attribute 'type' must be a non-empty string");
  }
  if (e.time && !IsRfc3339(*e.time)) {
    return Status::InvalidArgument(p + "attribute 'time' is not an RFC 3339 timestamp: \"" +
                                   *e.time + "\"");
  }
  if (e.datacontenttype && e.datacontenttype->empty()) {
    return Status::InvalidArgument(p + "attribute 'datacontenttype' must not be empty");
  }
  for (const auto& [name, value] : e.extensions) {
    if (!ValidExtensionName(name) || IsReservedAttribute(name)) {
      return Status::InvalidArgument(p + "extension attribute name '" + name +
                                     "' is invalid (lower-case a-z and 0-9 only)");
    }
    if (!(value.is_string() || value.is_number() || value.is_bool())) {
      return Status::InvalidArgument(p + "extension attribute '" + name +
                                     "' must be a string, number or boolean");
    }
  }
  return Status::Ok();
}

Result<CloudEvent> FromStructuredJson(const json::value& value, std::string_view where) {
  std::string p = Prefix(where);
  if (!value.is_object()) {
    return Status::InvalidArgument(p + "a CloudEvent must be a JSON object");
  }
  const json::object& obj = value.as_object();
  CloudEvent e;
  e.specversion.clear();

  auto required = [&](const char* name, std::string* out) -> Status {
    auto it = obj.find(name);
    if (it == obj.end() || it->value().is_null()) {
      return Status::InvalidArgument(p + "missing required attribute '" + name + "'");
    }
    if (!it->value().is_string()) {
      return Status::InvalidArgument(p + "attribute '" + name + "' must be a string");
    }
    *out = std::string(it->value().as_string());
    return Status::Ok();
  };
  auto optional = [&](const char* name, std::optional<std::string>* out) -> Status {
    auto it = obj.find(name);
    if (it == obj.end() || it->value().is_null()) return Status::Ok();
    if (!it->value().is_string()) {
      return Status::InvalidArgument(p + "attribute '" + name + "' must be a string");
    }
    *out = std::string(it->value().as_string());
    return Status::Ok();
  };
  MESHD_TRY(required("specversion", &e.specversion));
  MESHD_TRY(required("id", &e.id));
  MESHD_TRY(required("source", &e.source));
  MESHD_TRY(required("type", &e.type));
  MESHD_TRY(optional("datacontenttype", &e.datacontenttype));
  MESHD_TRY(optional("dataschema", &e.dataschema));
  MESHD_TRY(optional("subject", &e.subject));
  MESHD_TRY(optional("time", &e.time));

  const json::value* data = obj.if_contains("data");
  const json::value* data_b64 = obj.if_contains("data_base64");
  if (data && data_b64) {
    return Status::InvalidArgument(p + "attributes 'data' and 'data_base64' are mutually exclusive");
  }
  if (data_b64 && !data_b64->is_null()) {
    if (!data_b64->is_string()) {
      return Status::InvalidArgument(p + "attribute 'data_base64' must be a string");
    }
    auto bytes = Base64Decode(data_b64->as_string());
    if (!bytes) return Status::InvalidArgument(p + "attribute 'data_base64' is not valid base64");
    e.data = std::move(*bytes);
  } else if (data) {
    bool json_type = !e.datacontenttype || IsJsonContentType(*e.datacontenttype);
    if (!json_type && data->is_string()) {
      e.data = std::string(data->as_string());
    } else {
      e.data = SerializeJson(*data);
    }
  }
  for (const auto& kv : obj) {
    std::string_view name(kv.key().data(), kv.key().size());
    if (IsReservedAttribute(name) || kv.value().is_null()) continue;
    e.extensions.emplace(std::string(name), kv.value());
  }
  MESHD_TRY(Validate(e, where));
  return e;
}

json::object ToStructuredJson(const CloudEvent& e) {
  json::object o;
  o["specversion"] = e.specversion;
  o["id"] = e.id;
  o["source"] = e.source;
  o["type"] = e.type;
  if (e.datacontenttype) o["datacontenttype"] = *e.datacontenttype;
  if (e.dataschema) o["dataschema"] = *e.dataschema;
  if (e.subject) o["subject"] = *e.subject;
  if (e.time) o["time"] = *e.time;
  for (const auto& [k, v] : e.extensions) o[k] = v;
  if (e.data) {
    bool json_type = !e.datacontenttype || IsJsonContentType(*e.datacontenttype);
    bool done = false;
    if (json_type) {
      boost::system::error_code ec;
      json::value v = json::parse(*e.data, ec);
      if (!ec) {
        o["data"] = std::move(v);
        done = true;
      }
    } else if (e.datacontenttype && e.datacontenttype->rfind("text/", 0) == 0 &&
               IsValidUtf8(*e.data)) {
      o["data"] = *e.data;
      done = true;
    }
    if (!done) o["data_base64"] = Base64Encode(*e.data);
  }
  return o;
}

}  // namespace meshd::cloudevents
