// The listeners and services that `meshd serve` (and the embedded servers of
// `demo` and `bench`) run besides the HTTP API, in start order.

#include "app/components.h"

#include "app/bus_component.h"
#include "app/kafka_component.h"
#include "app/registry_component.h"
#include "schema/registry_http.h"
#include "http/server.h"

namespace meshd::app {
namespace {

// Produce-path schema enforcement backed by the registry (the Kafka module
// only knows the RecordValidator interface). Thread-safe: SchemaRegistry is.
class RegistryRecordValidator final : public kafka::RecordValidator {
 public:
  explicit RegistryRecordValidator(schema::SchemaRegistry& registry) : registry_(registry) {}

  bool Enabled(const std::string& topic, const storage::TopicConfig& config) const override {
    (void)topic;
    return schema::TopicSchemaPolicy::FromConfig(config).mode != schema::ValidationMode::kNone;
  }
  Status Validate(const std::string& topic, const storage::TopicConfig& config,
                  std::string_view value) override {
    return registry_.ValidateFramed(topic, /*is_key=*/false,
                                    schema::TopicSchemaPolicy::FromConfig(config), value);
  }

 private:
  schema::SchemaRegistry& registry_;
};

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
    ko.record_validator = std::make_shared<RegistryRecordValidator>(*registry);
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

void AddStandardComponents(MeshServer& server) {
  const ServeOptions& o = server.options();
  if (!o.kafka.empty() && o.kafka != "off") server.AddComponent(std::make_unique<KafkaComponent>());
  // First, so that the publish paths (HTTP, Kafka, bus) find the registry
  // open when they start, and it outlives them at Stop.
  if (!o.registry.empty() && o.registry != "off")
    server.AddComponentFirst(std::make_unique<RegistryComponent>());
  server.AddComponent(std::make_unique<BusComponent>());
}

}  // namespace meshd::app
