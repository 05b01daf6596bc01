#include "bus/json_util.h"

#include <cstdio>
#include <ctime>

namespace meshd::bus {

Result<json::value> ParseJson(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    return Status::InvalidArgument(std::string(what) + " is not valid JSON: " + ec.message());
  }
  return v;
}

Result<std::optional<std::string>> OptString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) {
    return Status::InvalidArgument("field '" + std::string(key) + "' must be a string");
  }
  return std::optional<std::string>(std::string(it->value().get_string()));
}

Result<std::string> ReqString(const json::object& o, std::string_view key) {
  MESHD_ASSIGN_OR_RETURN(auto s, OptString(o, key));
  if (!s) return Status::InvalidArgument("field '" + std::string(key) + "' is required");
  return *s;
}

Result<std::optional<int64_t>> OptInt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<int64_t>();
  const json::value& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>(v.get_int64());
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(v.get_uint64()));
  }
  if (v.is_double() && v.get_double() == static_cast<double>(static_cast<int64_t>(v.get_double()))) {
    return std::optional<int64_t>(static_cast<int64_t>(v.get_double()));
  }
  return Status::InvalidArgument("field '" + std::string(key) + "' must be an integer");
}

Result<std::optional<double>> OptNumber(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<double>();
  const json::value& v = it->value();
  if (v.is_number()) return std::optional<double>(v.to_number<double>());
  return Status::InvalidArgument("field '" + std::string(key) + "' must be a number");
}

Result<std::optional<bool>> OptBool(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>();
  if (!it->value().is_bool()) {
    return Status::InvalidArgument("field '" + std::string(key) + "' must be a boolean");
  }
  return std::optional<bool>(it->value().get_bool());
}

Result<const json::object*> OptObject(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return static_cast<const json::object*>(nullptr);
  if (!it->value().is_object()) {
    return Status::InvalidArgument("field '" + std::string(key) + "' must be an object");
  }
  return &it->value().get_object();
}

Result<const json::array*> OptArray(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return static_cast<const json::array*>(nullptr);
  if (!it->value().is_array()) {
    return Status::InvalidArgument("field '" + std::string(key) + "' must be an array");
  }
  return &it->value().get_array();
}

std::string FormatRfc3339(int64_t epoch_ms) {
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  struct tm tm_utc;
  gmtime_r(&secs, &tm_utc);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  return buf;
}

Result<int64_t> ParseRfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  std::string str(s);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
                  &consumed) != 6) {
    return Status::InvalidArgument("time '" + str + "' is not RFC 3339");
  }
  std::string_view rest = s.substr(static_cast<size_t>(consumed));
  int64_t frac_ms = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    int64_t scale = 100;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      frac_ms += (rest[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    rest = rest.substr(i);
  }
  int64_t offset_s = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = (rest[1] - '0') * 10 + (rest[2] - '0');
    int om = (rest[4] - '0') * 10 + (rest[5] - '0');
    offset_s = (oh * 3600 + om * 60) * (rest[0] == '+' ? 1 : -1);
  } else {
    return Status::InvalidArgument("time '" + str + "' has no valid zone (Z or +hh:mm)");
  }
  struct tm tm_utc = {};
  tm_utc.tm_year = y - 1900;
  tm_utc.tm_mon = mo - 1;
  tm_utc.tm_mday = d;
  tm_utc.tm_hour = h;
  tm_utc.tm_min = mi;
  tm_utc.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(timegm(&tm_utc)) - offset_s;
  return secs * 1000 + frac_ms;
}


}  // namespace meshd::bus
