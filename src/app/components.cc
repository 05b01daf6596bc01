// The listeners and services that `meshd serve` (and the embedded servers of
// `demo` and `bench`) run besides the HTTP API, in start order.

#include "app/components.h"

#include "app/access_component.h"
#include "app/bus_component.h"
#include "app/kafka_component.h"
#include "app/pipeline_component.h"
#include "app/registry_component.h"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "catalog/catalog_http.h"
#include "app/catalog_component.h"
#include "app/governance_component.h"
#include "schema/registry_http.h"
#include "schema/registry_record_validator.h"
#include "http/server.h"

namespace meshd::app {
namespace {

// Produce-path contract enforcement (the Kafka module only knows the
// RecordGate interface): records failing an on_violation=quarantine contract
// are diverted to <topic>.quarantine. Thread-safe: the enforcer is.
class ContractRecordGate final : public kafka::RecordGate {
 public:
  explicit ContractRecordGate(governance::ContractEnforcer& contracts) : contracts_(contracts) {}

  bool Enabled(const std::string& topic) override { return contracts_.Governs(topic); }
  Verdict Check(const std::string& topic, std::string_view value) override {
    governance::EventCheck c = contracts_.Check(topic, value);
    Verdict v;
    if (c.verdict == governance::Verdict::kQuarantine) {
      v.divert = true;
      v.rule = std::move(c.rule);
      v.reason = std::move(c.reason);
    }
    return v;
  }
  Status Divert(const std::string& topic, int32_t partition, const std::vector<const record::Record*>& records,
                const std::vector<Verdict>& verdicts) override {
    std::vector<governance::QuarantineItem> items;
    for (size_t i = 0; i < records.size(); ++i) {
      governance::QuarantineItem it;
      it.source_partition = partition;
      it.timestamp_ms = records[i]->timestamp;
      it.key = records[i]->key;
      it.value = records[i]->value;
      it.headers = records[i]->headers;
      it.rule = verdicts[i].rule;
      it.reason = verdicts[i].reason;
      items.push_back(std::move(it));
    }
    auto q = contracts_.Quarantine(topic, items);
    return q.ok() ? Status::Ok() : q.error();
  }

 private:
  governance::ContractEnforcer& contracts_;
};

// Lineage of the bus: bus:<b> -> rule:<b>/<r> -> topic, bus, function or
// webhook. A rule's edges are replaced whenever its targets change.
std::function<void(const std::string&, const std::string&, const std::vector<bus::TargetSpec>&)> BusLineage(
    catalog::ProductCatalog& catalog) {
  struct State {
    std::mutex mu;
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> edges;  // rule node -> (from, to)
  };
  auto state = std::make_shared<State>();
  return [&catalog, state](const std::string& bus, const std::string& rule,
                           const std::vector<bus::TargetSpec>& targets) {
    const std::string node = "rule:" + bus + "/" + rule;
    std::vector<std::pair<std::string, std::string>> edges;
    if (!targets.empty()) edges.push_back({"bus:" + bus, node});
    for (const auto& t : targets) {
      const std::string& a = t.arn;
      std::string to;
      for (const char* kind : {"topic", "bus", "function"}) {
        std::string prefix = std::string("arn:meshd:") + kind + ":";
        if (a.rfind(prefix, 0) == 0) to = std::string(kind) + ":" + a.substr(prefix.size());
      }
      edges.push_back({node, to.empty() ? "webhook:" + a : to});
    }
    std::lock_guard<std::mutex> lock(state->mu);
    for (const auto& [from, to] : state->edges[node]) catalog.RemoveLineageEdge(from, to, "routes");
    for (const auto& [from, to] : edges) catalog.RegisterLineageEdge(from, to, "routes");
    if (edges.empty()) state->edges.erase(node);
    else state->edges[node] = std::move(edges);
  };
}

}  // namespace

Status KafkaComponent::Start(MeshServer& server) {
  const ServeOptions& o = server.options();
  auto hp = http::ParseHostPort(o.kafka);
  if (!hp.ok()) return Status::InvalidArgument("--kafka: " + hp.error().message());
  kafka::KafkaServerOptions ko;
  ko.state_dir = o.data_dir;
  ko.auto_create_topics = o.kafka_auto_create_topics;
  ko.default_partitions = o.kafka_default_partitions;
  for (const auto& user_pw : o.kafka_sasl_users) {
    auto colon = user_pw.find(':');
    if (colon == std::string::npos || colon == 0)
      return Status::InvalidArgument("--kafka-sasl-user '" + user_pw + "': expected USER:PASSWORD");
    ko.sasl.users[user_pw.substr(0, colon)] = user_pw.substr(colon + 1);
  }
  if (schema::SchemaRegistry* registry = server.schema_registry()) {
    ko.record_validator = std::make_shared<schema::RegistryRecordValidator>(*registry);
  }
  if (governance::ContractEnforcer* contracts = server.contract_enforcer()) {
    ko.record_gate = std::make_shared<ContractRecordGate>(*contracts);
  }
  if (governance::AccessControl* access = server.access_control()) {
    ko.access = MakeKafkaAccessHook(*access);  // null unless --auth required
    ko.sasl.principals = ko.access;
  }
  server_ = std::make_unique<kafka::KafkaServer>(server.io_context(), server.log(), ko);
  auto ep = server_->Listen(hp->first, hp->second);
  if (!ep.ok()) return Status(ep.error().code(), "kafka listener " + o.kafka + ": " + ep.error().message());
  address_ = hp->first + ":" + std::to_string(ep->port());
  return Status::Ok();
}

void KafkaComponent::Stop() {
  if (server_) server_->Stop();
}

void KafkaComponent::Describe(boost::json::object& listening) const {
  if (!address_.empty()) listening["kafka"] = address_;
}

Status BusComponent::Start(MeshServer& server) {
  bus::BusServiceOptions bo;
  bo.data_dir = server.options().data_dir;
  if (schema::SchemaRegistry* registry = server.schema_registry()) {
    bo.validate_detail = [registry](const std::string& topic, const storage::TopicConfig& config,
                                    const boost::json::value& detail) {
      return registry->ValidateForTopic(topic, schema::TopicSchemaPolicy::FromConfig(config),
                                        /*dataschema=*/"", detail);
    };
  }
  if (governance::ContractEnforcer* contracts = server.contract_enforcer()) {
    bo.contract_gate = [contracts](const std::string& topic, int32_t partition, const std::string& key,
                                   const std::string& value,
                                   const std::vector<record::RecordHeader>& headers) -> Result<bool> {
      if (!contracts->Governs(topic)) return false;
      governance::EventCheck c = contracts->Check(topic, value, governance::PayloadKind::kBusDelivery);
      if (c.verdict != governance::Verdict::kQuarantine) return false;
      governance::QuarantineItem it;
      it.source_partition = partition;
      it.timestamp_ms = contracts->clock().NowMillis();
      it.key = key;
      it.value = value;
      it.headers = headers;
      it.rule = std::move(c.rule);
      it.reason = std::move(c.reason);
      auto q = contracts->Quarantine(topic, {it});
      if (!q.ok()) return q.error();
      return true;
    };
  }
  if (auto* catalog = dynamic_cast<catalog::ProductCatalog*>(server.product_directory())) {
    bo.on_rule_targets = BusLineage(*catalog);
  }
  service_ = std::make_unique<bus::BusService>(server.log(), bo);
  MESHD_TRY(service_->Start());
  service_->RegisterRoutes(server.http_router());
  return Status::Ok();
}

void BusComponent::Stop() {
  if (service_) service_->Stop();
}

Status RegistryComponent::Start(MeshServer& server) {
  const ServeOptions& o = server.options();
  auto hp = http::ParseHostPort(o.registry);
  if (!hp.ok()) return Status::InvalidArgument("--registry: " + hp.error().message());
  auto reg = schema::SchemaRegistry::Open(&server.log());
  if (!reg.ok()) return reg.error();
  registry_ = std::move(*reg);
  server.set_schema_registry(registry_.get());
  auto router = std::make_shared<http::Router>();
  schema::RegisterRegistryRoutes(*router, *registry_);
  http::ServerOptions so;
  so.name = "registry";
  server_ = std::make_unique<http::HttpServer>(server.io_context(), router, so);
  auto ep = server_->Listen(hp->first, hp->second);
  if (!ep.ok())
    return Status(ep.error().code(), "registry listener " + o.registry + ": " + ep.error().message());
  address_ = hp->first + ":" + std::to_string(ep->port());
  server_->Start();
  return Status::Ok();
}

void RegistryComponent::Stop() {
  if (server_) server_->Stop();
}

void RegistryComponent::Describe(boost::json::object& listening) const {
  if (!address_.empty()) listening["registry"] = address_;
}

Status CatalogComponent::Start(MeshServer& server) {
  server_ = &server;
  auto opened = catalog::ProductCatalog::Open(&server.log(), server.schema_registry());
  if (!opened.ok()) return opened.error();
  catalog_ = std::move(*opened);
  const std::string& policy_file = server.options().policy_file;
  if (!policy_file.empty()) {
    std::ifstream in(policy_file);
    if (!in) return Status::InvalidArgument("--policy: cannot read '" + policy_file + "'");
    std::stringstream text;
    text << in.rdbuf();
    auto policy = catalog::GovernancePolicy::Parse(text.str(), policy_file);
    if (!policy.ok()) return policy.error();
    MESHD_TRY(catalog_->SetPolicy(*policy));
  }
  server.set_product_directory(catalog_.get());
  // Exports name the listeners, known only once every component has started.
  MeshServer* s = &server;
  catalog::RegisterCatalogRoutes(server.http_router(), *catalog_, [s] {
    catalog::ExportContext ctx;
    boost::system::error_code ec;
    boost::json::value line = boost::json::parse(s->ListeningLine(), ec);
    if (!ec && line.is_object()) {
      const auto& o = line.get_object();
      if (const auto* k = o.if_contains("kafka"); k && k->is_string()) ctx.kafka_bootstrap = k->get_string();
      if (const auto* r = o.if_contains("registry"); r && r->is_string())
        ctx.registry_url = "http://" + std::string(r->get_string());
      if (const auto* h = o.if_contains("http"); h && h->is_string())
        ctx.http_url = "http://" + std::string(h->get_string());
    }
    return ctx;
  });
  return Status::Ok();
}

void CatalogComponent::Stop() {
  if (server_) server_->set_product_directory(nullptr);
}

void AddStandardComponents(MeshServer& server) {
  const ServeOptions& o = server.options();
  if (!o.kafka.empty() && o.kafka != "off") server.AddComponent(std::make_unique<KafkaComponent>());
  // First, so that the publish paths (HTTP, Kafka, bus) find the registry
  // open when they start, and it outlives them at Stop.
  // Registry, then catalog, then the HTTP API: AddComponentFirst prepends,
  // so the catalog goes in first and the registry lands before it.
  // Access control lands after the catalog and before the HTTP API, whose
  // middleware and consume path it sets up.
  server.AddComponentFirst(std::make_unique<AccessComponent>());
  // Contracts go right after the catalog (prepended before it), so they
  // start before the HTTP API, Kafka and bus that consult them.
  server.AddComponentFirst(std::make_unique<GovernanceComponent>());
  server.AddComponentFirst(std::make_unique<CatalogComponent>());
  if (!o.registry.empty() && o.registry != "off")
    server.AddComponentFirst(std::make_unique<RegistryComponent>());
  server.AddComponent(std::make_unique<BusComponent>());
  server.AddComponent(std::make_unique<PipelineComponent>());
}

}  // namespace meshd::app
