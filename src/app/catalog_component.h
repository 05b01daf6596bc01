#pragma once
// The data-product catalog (src/catalog): opens `_catalog` after the schema
// registry and before the HTTP API, Kafka listener and bus, so that their
// publish/read paths find the ProductDirectory (server.product_directory())
// set when they start. Mounts /v1/products, /v1/catalog, /v1/lineage,
// /v1/asyncapi and /v1/policies on the HTTP router; loads --policy FILE.

#include <memory>
#include <string>

#include "app/mesh_server.h"
#include "catalog/product_catalog.h"

namespace meshd::app {

class CatalogComponent final : public Component {
 public:
  std::string name() const override { return "catalog"; }
  Status Start(MeshServer& server) override;
  void Stop() override;

  catalog::ProductCatalog* catalog() { return catalog_.get(); }

 private:
  MeshServer* server_ = nullptr;
  std::unique_ptr<catalog::ProductCatalog> catalog_;
};

}  // namespace meshd::app
