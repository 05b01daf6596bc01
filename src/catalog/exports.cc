#include "catalog/exports.h"

#include <chrono>
#include <ctime>
#include <deque>
#include <map>
#include <set>

#include "cloudevents/cloud_event.h"

namespace meshd::catalog {

namespace json = boost::json;

namespace {

constexpr const char* kProducer = "https://github.com/meshd/meshd/tree/v0.1.0";

std::string NodeType(const std::string& id) {
  auto colon = id.find(':');
  return colon == std::string::npos ? "node" : id.substr(0, colon);
}

std::string NodeName(const std::string& id) {
  auto colon = id.find(':');
  return colon == std::string::npos ? id : id.substr(colon + 1);
}

std::string IsoNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

// Component / channel ids: AsyncAPI keys must match ^[\w\d\.\-_]+$.
std::string SafeId(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  return out.empty() ? "_" : out;
}

}  // namespace

json::object LineageGraphJson(const ProductCatalog& catalog, const std::string& product, bool upstream,
                              bool downstream) {
  auto edges = catalog.LineageEdges();
  std::set<LineageEdge> keep;
  if (product.empty()) {
    keep.insert(edges.begin(), edges.end());
  } else {
    if (!upstream && !downstream) upstream = downstream = true;
    std::string start = "product:" + product;
    for (int dir = 0; dir < 2; ++dir) {
      if ((dir == 0 && !upstream) || (dir == 1 && !downstream)) continue;
      std::set<std::string> seen{start};
      std::deque<std::string> todo{start};
      // Upstream of a product includes what feeds its output topics (the
      // product's own "derives" edges end there).
      if (dir == 0) {
        if (auto p = catalog.Find(product)) {
          for (const auto& port : p->outputs) {
            if (seen.insert("topic:" + port.topic).second) todo.push_back("topic:" + port.topic);
          }
        }
      }
      while (!todo.empty()) {
        std::string n = todo.front();
        todo.pop_front();
        for (const auto& e : edges) {
          const std::string& here = dir == 0 ? e.to : e.from;
          const std::string& next = dir == 0 ? e.from : e.to;
          if (here != n) continue;
          keep.insert(e);
          if (seen.insert(next).second) todo.push_back(next);
        }
      }
    }
  }
  std::set<std::string> ids;
  if (!product.empty()) ids.insert("product:" + product);
  for (const auto& e : keep) ids.insert(e.from), ids.insert(e.to);
  json::array nodes;
  for (const auto& id : ids) {
    json::object n{{"id", id}, {"type", NodeType(id)}, {"name", NodeName(id)}};
    if (NodeType(id) == "product") {
      if (auto p = catalog.Find(NodeName(id))) n["domain"] = p->domain;
    } else if (NodeType(id) == "topic") {
      auto owner = catalog.FindByTopic(NodeName(id));
      if (owner.product) {
        n["product"] = owner.product->name;
        n["port"] = owner.port->name;
      }
    }
    nodes.push_back(std::move(n));
  }
  json::array ea;
  for (const auto& e : keep) ea.push_back(json::object{{"from", e.from}, {"to", e.to}, {"kind", e.kind}});
  return json::object{{"nodes", std::move(nodes)}, {"edges", std::move(ea)}};
}

json::array OpenLineageEvents(const ProductCatalog& catalog, const ExportContext& ctx) {
  const std::string ns = "kafka://" + (ctx.kafka_bootstrap.empty() ? std::string("localhost:9092") : ctx.kafka_bootstrap);
  json::array events;
  std::string now = IsoNow();
  for (const auto& p : catalog.List()) {
    json::array inputs, outputs;
    std::set<std::string> in_topics;
    for (const auto& in : p->inputs) {
      std::string t = in.topic.empty() ? in.name : in.topic;
      if (in_topics.insert(t).second) inputs.push_back(json::object{{"namespace", ns}, {"name", t}});
    }
    for (const auto& port : p->outputs) {
      json::object ds{{"namespace", ns}, {"name", port.topic}};
      json::array fields;
      for (const auto& [name, type] : SchemaFields(port.schema_text)) {
        fields.push_back(json::object{{"name", name}, {"type", type}});
      }
      json::object facets;
      facets["schema"] = json::object{
          {"_producer", kProducer},
          {"_schemaURL", "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"},
          {"fields", std::move(fields)}};
      if (!port.description.empty()) {
        facets["documentation"] = json::object{
            {"_producer", kProducer},
            {"_schemaURL", "https://openlineage.io/spec/facets/1-0-1/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet"},
            {"description", port.description}};
      }
      ds["facets"] = std::move(facets);
      outputs.push_back(std::move(ds));
    }
    json::object job{{"namespace", "meshd." + (p->domain.empty() ? std::string("default") : p->domain)},
                     {"name", p->name}};
    if (!p->description.empty()) {
      job["facets"] = json::object{
          {"documentation",
           json::object{{"_producer", kProducer},
                        {"_schemaURL", "https://openlineage.io/spec/facets/1-0-1/DocumentationJobFacet.json#/$defs/DocumentationJobFacet"},
                        {"description", p->description}}}};
    }
    events.push_back(json::object{{"eventType", "COMPLETE"},
                                  {"eventTime", now},
                                  {"run", json::object{{"runId", cloudevents::NewUuid()}}},
                                  {"job", std::move(job)},
                                  {"inputs", std::move(inputs)},
                                  {"outputs", std::move(outputs)},
                                  {"producer", kProducer},
                                  {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"}});
  }
  return events;
}

json::object AsyncApiDocument(const std::vector<std::shared_ptr<const DataProduct>>& products,
                              const ExportContext& ctx, const std::string& title) {
  json::object doc;
  doc["asyncapi"] = "3.0.0";
  json::object info{{"title", title}, {"version", products.size() == 1 ? products[0]->version : std::string("1.0.0")}};
  if (products.size() == 1 && !products[0]->description.empty()) info["description"] = products[0]->description;
  else info["description"] = "Data products of the meshd event mesh";
  doc["info"] = std::move(info);
  doc["defaultContentType"] = "application/json";
  if (!ctx.kafka_bootstrap.empty()) {
    json::object kafka_binding{{"bindingVersion", "0.5.0"}};
    if (!ctx.registry_url.empty()) {
      kafka_binding["schemaRegistryUrl"] = ctx.registry_url;
      kafka_binding["schemaRegistryVendor"] = "confluent";
    }
    doc["servers"] = json::object{
        {"meshd", json::object{{"host", ctx.kafka_bootstrap},
                               {"protocol", "kafka"},
                               {"description", "meshd Kafka listener"},
                               {"bindings", json::object{{"kafka", std::move(kafka_binding)}}}}}};
  }
  json::object channels, operations, messages;
  for (const auto& p : products) {
    for (const auto& port : p->outputs) {
      std::string cid = SafeId(port.topic);
      std::string mid = SafeId(p->name + "." + port.name);
      json::object topic_cfg;
      json::array cleanup;
      auto cp = port.topic_config.find("cleanup.policy");
      std::string policy = cp == port.topic_config.end() ? "delete" : cp->second;
      if (policy.find("delete") != std::string::npos) cleanup.emplace_back("delete");
      if (policy.find("compact") != std::string::npos) cleanup.emplace_back("compact");
      topic_cfg["cleanup.policy"] = std::move(cleanup);
      if (auto r = port.topic_config.find("retention.ms"); r != port.topic_config.end()) {
        topic_cfg["retention.ms"] = std::atoll(r->second.c_str());
      }
      json::object channel{{"address", port.topic},
                           {"title", p->name + " / " + port.name},
                           {"messages", json::object{{mid, json::object{{"$ref", "#/components/messages/" + mid}}}}},
                           {"bindings", json::object{{"kafka", json::object{{"topic", port.topic},
                                                                            {"partitions", port.partitions},
                                                                            {"topicConfiguration", std::move(topic_cfg)},
                                                                            {"bindingVersion", "0.5.0"}}}}}};
      std::string desc = port.description.empty() ? p->description : port.description;
      if (!desc.empty()) channel["description"] = desc;
      channels[cid] = std::move(channel);
      json::object op{{"action", "send"},
                      {"channel", json::object{{"$ref", "#/channels/" + cid}}},
                      {"summary", "Data product " + p->name + " (domain " + p->domain + ") publishes " + port.name},
                      {"messages", json::array{json::object{{"$ref", "#/channels/" + cid + "/messages/" + mid}}}}};
      operations[SafeId("publish." + p->name + "." + port.name)] = std::move(op);
      json::object msg{{"name", port.name}, {"title", p->name + " " + port.name}};
      boost::system::error_code ec;
      json::value schema = port.schema_text.empty() ? json::value(json::object{{"type", "object"}})
                                                     : json::parse(port.schema_text, ec);
      if (ec) schema = json::object{{"type", "object"}};
      if (port.schema_type == "AVRO") {
        msg["contentType"] = "application/octet-stream";
        msg["payload"] = json::object{{"schemaFormat", "application/vnd.apache.avro;version=1.9.0"}, {"schema", schema}};
      } else {
        if (schema.is_object()) schema.get_object().erase("$schema");
        msg["contentType"] = "application/json";
        msg["payload"] = json::object{{"schemaFormat", "application/schema+json;version=draft-07"}, {"schema", schema}};
      }
      json::object mb{{"bindingVersion", "0.5.0"}};
      if (!port.key_field.empty()) mb["key"] = json::object{{"type", "string"}, {"description", "value of " + port.key_field}};
      if (!port.schema_text.empty()) {
        mb["schemaIdLocation"] = "payload";
        mb["schemaIdPayloadEncoding"] = "confluent";
        mb["schemaLookupStrategy"] = "TopicIdStrategy";
      }
      msg["bindings"] = json::object{{"kafka", std::move(mb)}};
      if (!port.contract.id.empty() && !ctx.http_url.empty()) {
        msg["externalDocs"] = json::object{{"url", ctx.http_url + "/v1/products/" + p->name},
                                           {"description", "catalog entry and contract " + port.contract.id}};
      }
      messages[mid] = std::move(msg);
    }
  }
  doc["channels"] = std::move(channels);
  doc["operations"] = std::move(operations);
  doc["components"] = json::object{{"messages", std::move(messages)}};
  return doc;
}

}  // namespace meshd::catalog
