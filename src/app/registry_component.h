#pragma once
// The Confluent-compatible schema registry on its own listener
// (`--registry HOST:PORT`, default 127.0.0.1:8081), over the `_schemas` topic.

#include <memory>
#include <string>

#include "app/mesh_server.h"
#include "http/server.h"
#include "schema/schema_registry.h"

namespace meshd::app {

class RegistryComponent final : public Component {
 public:
  std::string name() const override { return "registry"; }
  Status Start(MeshServer& server) override;
  void Stop() override;
  void Describe(boost::json::object& listening) const override;

  // For the publish paths (schema.validation); null before Start.
  schema::SchemaRegistry* registry() { return registry_.get(); }

 private:
  std::unique_ptr<schema::SchemaRegistry> registry_;
  std::unique_ptr<http::HttpServer> server_;
  std::string address_;
};

}  // namespace meshd::app
