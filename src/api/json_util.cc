#include "api/json_util.h"
#include "cloudevents/json_text.h"

#include <charconv>

namespace meshd::api {

namespace json = boost::json;

Result<json::object> ParseObject(std::string_view body, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return Status::InvalidArgument(std::string(what) + ": body is not valid JSON (" +
                                   ec.message() + ")");
  }
  if (!v.is_object()) return Status::InvalidArgument(std::string(what) + ": body must be a JSON object");
  return std::move(v.as_object());
}

Result<std::map<std::string, std::string>> ConfigMapFromJson(const json::value& v) {
  std::map<std::string, std::string> out;
  if (v.is_null()) return out;
  if (!v.is_object()) return Status::InvalidArgument("'config' must be a JSON object");
  for (const auto& kv : v.as_object()) {
    std::string key(kv.key());
    const json::value& val = kv.value();
    if (val.is_string()) {
      out[key] = std::string(val.as_string());
    } else if (val.is_int64() || val.is_uint64()) {
      out[key] = json::serialize(val);
    } else if (val.is_double()) {
      double d = val.as_double();
      if (d == static_cast<double>(static_cast<int64_t>(d))) {
        out[key] = std::to_string(static_cast<int64_t>(d));
      } else {
        out[key] = cloudevents::SerializeJson(val);
      }
    } else if (val.is_bool()) {
      out[key] = val.as_bool() ? "true" : "false";
    } else {
      return Status::InvalidArgument("config key '" + key + "' must be a string, number or boolean");
    }
  }
  return out;
}

json::object TopicToJson(const storage::TopicDescription& d) {
  json::object o;
  o["name"] = d.name;
  o["internal"] = d.internal;
  json::array parts;
  int64_t size = 0;
  for (const auto& p : d.partitions) {
    json::object po;
    po["partition"] = p.partition;
    po["start_offset"] = p.start_offset;
    po["end_offset"] = p.end_offset;
    po["size_bytes"] = p.size_bytes;
    po["segments"] = p.segments;
    size += p.size_bytes;
    parts.push_back(std::move(po));
  }
  o["partitions"] = std::move(parts);
  o["partition_count"] = d.partitions.size();
  o["size_bytes"] = size;
  json::object cfg;
  for (const auto& [k, v] : d.config.ToMap()) cfg[k] = v;
  o["config"] = std::move(cfg);
  return o;
}

Result<int64_t> ParseInt(const std::string& value, std::string_view param, int64_t min,
                         int64_t max) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) {
    return Status::InvalidArgument("query parameter '" + std::string(param) +
                                   "' must be an integer, got '" + value + "'");
  }
  if (v < min || v > max) {
    return Status::InvalidArgument("query parameter '" + std::string(param) + "' must be in [" +
                                   std::to_string(min) + ", " + std::to_string(max) + "], got " +
                                   value);
  }
  return v;
}

bool ParseBool(const std::string& value) {
  return value == "true" || value == "1" || value == "yes" || value.empty();
}

}  // namespace meshd::api
