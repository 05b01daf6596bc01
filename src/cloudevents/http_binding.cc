#include "cloudevents/http_binding.h"
#include "cloudevents/json_text.h"

#include <algorithm>
#include <cctype>

namespace meshd::cloudevents {

namespace json = boost::json;

namespace {

std::string LowerMediaType(std::string_view ct) {
  size_t semi = ct.find(';');
  std::string t(ct.substr(0, semi));
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  size_t start = 0;
  while (start < t.size() && std::isspace(static_cast<unsigned char>(t[start]))) ++start;
  t = t.substr(start);
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

HttpParseResult Fail(ParseErrorKind kind, std::string message) {
  HttpParseResult r;
  r.error = ParseError{kind, Status::InvalidArgument(std::move(message))};
  return r;
}

HttpParseResult FailStatus(Status s) {
  HttpParseResult r;
  r.error = ParseError{ParseErrorKind::kInvalidEvent, std::move(s)};
  return r;
}

// Percent-decodes a ce-* header value (the HTTP binding encodes some bytes).
std::string DecodeHeaderValue(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && std::isxdigit(static_cast<unsigned char>(v[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

}  // namespace

CloudEvent WrapPlainJson(const json::value& value, const HttpParseOptions& options) {
  CloudEvent e;
  e.id = NewUuid();
  e.source = options.wrap_source;
  e.type = options.wrap_type;
  e.datacontenttype = "application/json";
  e.time = FormatRfc3339(options.clock->NowMillis());
  e.data = SerializeJson(value);
  return e;
}

HttpParseResult ParseHttpRequest(std::string_view content_type,
                                 const std::map<std::string, std::string>& headers,
                                 std::string_view body, const HttpParseOptions& options) {
  std::string media = LowerMediaType(content_type);
  HttpParseResult result;

  auto parse_json = [&](json::value* out) -> bool {
    boost::system::error_code ec;
    *out = json::parse(body, ec);
    return !ec;
  };

  if (media == kBatchContentType) {
    json::value v;
    if (!parse_json(&v)) {
      return Fail(ParseErrorKind::kMalformedJson, "request body is not valid JSON (batch)");
    }
    if (!v.is_array()) {
      return Fail(ParseErrorKind::kInvalidEvent,
                  "a CloudEvents batch must be a JSON array of events");
    }
    const json::array& arr = v.as_array();
    if (arr.empty()) return Fail(ParseErrorKind::kInvalidEvent, "the batch contains no events");
    for (size_t i = 0; i < arr.size(); ++i) {
      auto e = FromStructuredJson(arr[i], "event[" + std::to_string(i) + "]");
      if (!e.ok()) return FailStatus(e.error());
      result.events.push_back(std::move(*e));
    }
    return result;
  }

  if (media == kStructuredContentType) {
    json::value v;
    if (!parse_json(&v)) {
      return Fail(ParseErrorKind::kMalformedJson, "request body is not valid JSON (structured event)");
    }
    auto e = FromStructuredJson(v, "event[0]");
    if (!e.ok()) return FailStatus(e.error());
    result.events.push_back(std::move(*e));
    return result;
  }

  if (headers.count("ce-specversion") || headers.count("ce-id") || headers.count("ce-type") ||
      headers.count("ce-source")) {
    CloudEvent e;
    e.specversion.clear();
    for (const auto& [name, raw] : headers) {
      if (name.size() <= 3 || name.compare(0, 3, "ce-") != 0) continue;
      std::string attr = name.substr(3);
      std::string value = DecodeHeaderValue(raw);
      if (attr == "specversion") e.specversion = value;
      else if (attr == "id") e.id = value;
      else if (attr == "source") e.source = value;
      else if (attr == "type") e.type = value;
      else if (attr == "dataschema") e.dataschema = value;
      else if (attr == "subject") e.subject = value;
      else if (attr == "time") e.time = value;
      else if (attr == "datacontenttype") continue;  // Content-Type carries it
      else e.extensions[attr] = json::string(value);
    }
    auto missing = [&](const std::string& field) {
      return FailStatus(Status::InvalidArgument("event[0]: missing required attribute '" + field +
                                                "' (header ce-" + field + ")"));
    };
    if (e.specversion.empty()) return missing("specversion");
    if (e.id.empty()) return missing("id");
    if (e.source.empty()) return missing("source");
    if (e.type.empty()) return missing("type");
    if (!content_type.empty()) e.datacontenttype = std::string(content_type);
    if (!body.empty()) e.data = std::string(body);
    Status s = Validate(e, "event[0]");
    if (!s.ok()) return FailStatus(std::move(s));
    result.events.push_back(std::move(e));
    return result;
  }

  // curl -d sends application/x-www-form-urlencoded by default; a body that
  // parses as JSON is treated as JSON then.
  bool form_default = media == "application/x-www-form-urlencoded";
  json::value form_json;
  if (form_default && !parse_json(&form_json)) form_default = false;
  if (media.empty() || IsJsonContentType(media) || form_default) {
    json::value v;
    if (form_default) {
      v = std::move(form_json);
    } else if (!parse_json(&v)) {
      return Fail(ParseErrorKind::kMalformedJson, "request body is not valid JSON");
    }
    auto is_event = [](const json::value& x) {
      return x.is_object() && x.as_object().contains("specversion");
    };
    bool event_array = v.is_array() && !v.as_array().empty() &&
                       std::all_of(v.as_array().begin(), v.as_array().end(), is_event);
    if (is_event(v)) {
      auto e = FromStructuredJson(v, "event[0]");
      if (!e.ok()) return FailStatus(e.error());
      result.events.push_back(std::move(*e));
    } else if (event_array) {
      // An array of CloudEvents sent as plain JSON: read it as a batch.
      const json::array& arr = v.as_array();
      for (size_t i = 0; i < arr.size(); ++i) {
        auto e = FromStructuredJson(arr[i], "event[" + std::to_string(i) + "]");
        if (!e.ok()) return FailStatus(e.error());
        result.events.push_back(std::move(*e));
      }
    } else {
      result.events.push_back(WrapPlainJson(v, options));
    }
    return result;
  }

  // Any other media type: the body is the data, wrapped.
  CloudEvent e;
  e.id = NewUuid();
  e.source = options.wrap_source;
  e.type = options.wrap_type;
  e.datacontenttype = std::string(content_type);
  e.time = FormatRfc3339(options.clock->NowMillis());
  e.data = std::string(body);
  result.events.push_back(std::move(e));
  return result;
}

}  // namespace meshd::cloudevents
