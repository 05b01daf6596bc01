#include "cloudevents/json_text.h"

#include <charconv>
#include <cmath>

namespace meshd::cloudevents {

namespace json = boost::json;

void SerializeJsonTo(const json::value& v, std::string* out) {
  switch (v.kind()) {
    case json::kind::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& kv : v.as_object()) {
        if (!first) out->push_back(',');
        first = false;
        out->append(json::serialize(json::string_view(kv.key())));
        out->push_back(':');
        SerializeJsonTo(kv.value(), out);
      }
      out->push_back('}');
      return;
    }
    case json::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& item : v.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        SerializeJsonTo(item, out);
      }
      out->push_back(']');
      return;
    }
    case json::kind::double_: {
      double d = v.as_double();
      if (!std::isfinite(d)) {
        out->append("null");  // JSON has no NaN/Inf
        return;
      }
      char buf[64];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
      if (ec != std::errc()) {
        out->append(json::serialize(v));
        return;
      }
      std::string_view text(buf, static_cast<size_t>(ptr - buf));
      out->append(text);
      // Keep it a floating literal so it parses back as a double.
      if (text.find_first_of(".eE") == std::string_view::npos) out->append(".0");
      return;
    }
    default:
      out->append(json::serialize(v));
      return;
  }
}

std::string SerializeJson(const json::value& v) {
  std::string out;
  SerializeJsonTo(v, &out);
  return out;
}

}  // namespace meshd::cloudevents
