#include "cloudevents/kafka_binding.h"
#include "cloudevents/json_text.h"

#include "cloudevents/base64.h"

namespace meshd::cloudevents {

namespace json = boost::json;

KafkaMessage ToKafkaMessage(const CloudEvent& e, const std::optional<std::string>& key_override) {
  KafkaMessage m;
  m.headers.reserve(8 + e.extensions.size());
  m.headers.push_back({"ce_specversion", e.specversion});
  m.headers.push_back({"ce_id", e.id});
  m.headers.push_back({"ce_source", e.source});
  m.headers.push_back({"ce_type", e.type});
  if (e.time) m.headers.push_back({"ce_time", *e.time});
  if (e.subject) m.headers.push_back({"ce_subject", *e.subject});
  if (e.dataschema) m.headers.push_back({"ce_dataschema", *e.dataschema});
  for (const auto& [name, value] : e.extensions) {
    m.headers.push_back({"ce_" + name, value.is_string() ? std::string(value.as_string())
                                                         : SerializeJson(value)});
  }
  if (e.datacontenttype) m.headers.push_back({"content-type", *e.datacontenttype});
  m.value = e.data;
  if (key_override) {
    m.key = key_override;
  } else {
    m.key = e.PartitionKey();
  }
  return m;
}

size_t MessageBytes(const KafkaMessage& m) {
  size_t n = (m.key ? m.key->size() : 0) + (m.value ? m.value->size() : 0);
  for (const auto& h : m.headers) n += h.key.size() + (h.value ? h.value->size() : 0);
  return n;
}

bool ExtractSourceAndId(const record::Record& r, std::string* source, std::string* id) {
  bool have_source = false, have_id = false;
  for (const auto& h : r.headers) {
    if (!h.value) continue;
    if (h.key == "ce_source") {
      *source = *h.value;
      have_source = true;
    } else if (h.key == "ce_id") {
      *id = *h.value;
      have_id = true;
    }
  }
  return have_source && have_id;
}

CloudEvent FromKafkaRecord(const record::Record& r, std::string_view topic, int32_t partition) {
  const std::string* content_type = nullptr;
  bool binary = false;
  for (const auto& h : r.headers) {
    if (h.key == "content-type" && h.value) content_type = &*h.value;
    if (h.key == "ce_specversion") binary = true;
  }
  if (binary) {
    CloudEvent e;
    for (const auto& h : r.headers) {
      if (h.key.size() <= 3 || h.key.compare(0, 3, "ce_") != 0 || !h.value) continue;
      std::string attr = h.key.substr(3);
      const std::string& v = *h.value;
      if (attr == "specversion") e.specversion = v;
      else if (attr == "id") e.id = v;
      else if (attr == "source") e.source = v;
      else if (attr == "type") e.type = v;
      else if (attr == "time") e.time = v;
      else if (attr == "subject") e.subject = v;
      else if (attr == "dataschema") e.dataschema = v;
      else if (attr == "datacontenttype") e.datacontenttype = v;
      else e.extensions[attr] = json::string(v);
    }
    if (content_type) e.datacontenttype = *content_type;
    e.data = r.value;
    return e;
  }
  if (content_type && content_type->rfind(kStructuredContentType, 0) == 0 && r.value) {
    boost::system::error_code ec;
    json::value v = json::parse(*r.value, ec);
    if (!ec) {
      auto e = FromStructuredJson(v, "");
      if (e.ok()) return std::move(*e);
    }
  }
  CloudEvent e;
  e.id = std::string(topic) + "-" + std::to_string(partition) + "-" + std::to_string(r.offset);
  e.source = "/meshd/topics/" + std::string(topic);
  e.type = "meshd.record";
  e.time = FormatRfc3339(r.timestamp);
  if (content_type) e.datacontenttype = *content_type;
  if (r.value) {
    e.data = *r.value;
    if (!content_type) {
      boost::system::error_code ec;
      json::value parsed = json::parse(*r.value, ec);
      // Not JSON: mark as bytes so the JSON form carries data_base64.
      e.datacontenttype = ec ? "application/octet-stream" : "application/json";
    }
  }
  return e;
}

}  // namespace meshd::cloudevents
