#include "app/governance_component.h"

#include <boost/json.hpp>

#include <map>

#include "base/logging.h"
#include "catalog/product_catalog.h"
#include "governance/contract_http.h"
#include "governance/quarantine_http.h"
#include "schema/avro_schema.h"
#include "schema/schema_registry.h"

namespace meshd::app {

namespace {

// Confluent-framed Avro values -> JSON text for the validity rules, with the
// registry's schemas parsed once per id.
governance::FramedDecoder RegistryDecoder(MeshServer* server) {
  struct Cache {
    std::mutex mu;
    std::map<int32_t, std::shared_ptr<const schema::AvroSchema>> by_id;
  };
  auto cache = std::make_shared<Cache>();
  return [server, cache](int32_t id, std::string_view body) -> Result<std::string> {
    schema::SchemaRegistry* registry = server->schema_registry();
    if (registry == nullptr) return Status::Unavailable("no schema registry to decode the payload");
    std::shared_ptr<const schema::AvroSchema> avro;
    {
      std::lock_guard lock(cache->mu);
      if (auto it = cache->by_id.find(id); it != cache->by_id.end()) avro = it->second;
    }
    if (!avro) {
      auto info = registry->GetSchemaById(id);
      if (!info.ok()) return Status::NotFound("schema id " + std::to_string(id) + " is not registered");
      if (info->type != schema::SchemaType::kAvro) {
        return Status::InvalidArgument("schema id " + std::to_string(id) + " is not an Avro schema");
      }
      auto parsed = schema::AvroSchema::Parse(info->schema);
      if (!parsed.ok()) return parsed.error();
      avro = std::make_shared<const schema::AvroSchema>(std::move(*parsed));
      std::lock_guard lock(cache->mu);
      cache->by_id[id] = avro;
    }
    auto datum = avro->DecodeBinary(body);
    if (!datum.ok()) return datum.error();
    return boost::json::serialize(*datum);
  };
}

}  // namespace

GovernanceComponent::~GovernanceComponent() { Stop(); }

Status GovernanceComponent::Start(MeshServer& server) {
  server_ = &server;
  const ServeOptions& o = server.options();
  if (o.test_clock) test_clock_ = std::make_unique<ManualClock>(WallMillis());
  governance::ContractEnforcerOptions eo;
  eo.clock = test_clock_ ? static_cast<const Clock*>(test_clock_.get()) : &SystemClock::Instance();
  MeshServer* s = &server;
  eo.directory = [s] { return s->product_directory(); };
  eo.status_listener = [s](const std::string& product, const std::string& port, bool ok, const std::string& reason) {
    if (auto* c = dynamic_cast<catalog::ProductCatalog*>(s->product_directory())) {
      c->SetContractStatus(product, port, ok ? "ok" : "violated", reason);
    }
  };
  eo.decode_framed = RegistryDecoder(s);
  enforcer_ = std::make_unique<governance::ContractEnforcer>(server.log(), eo);
  MESHD_TRY(enforcer_->Open());
  server.set_contract_enforcer(enforcer_.get());
  governance::RegisterContractRoutes(server.http_router(), *enforcer_);
  governance::RegisterQuarantineRoutes(server.http_router(), *enforcer_);
  if (test_clock_) {
    logging::Get("governance")->warn("--test-clock: contracts run on a manual clock (tests only, not for production)");
    governance::RegisterContractTestRoutes(server.http_router(), *enforcer_, test_clock_.get());
  }
  // Bind to the catalog now when it started first, so contracts apply from
  // the first publish (and freshness counts from now).
  enforcer_->Tick();
  stopping_ = false;
  ticker_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::seconds(1));
      if (stopping_) break;
      lock.unlock();
      enforcer_->Tick();
      lock.lock();
    }
  });
  return Status::Ok();
}

void GovernanceComponent::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (server_ != nullptr) server_->set_contract_enforcer(nullptr);
}

}  // namespace meshd::app
