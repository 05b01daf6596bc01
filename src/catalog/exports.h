#pragma once
// Generated views of the catalog: the lineage graph (meshd JSON and
// OpenLineage 2-0-2 RunEvents) and AsyncAPI 3.0 documents with Kafka
// bindings that point at the schema registry. Export only; never authored.

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "catalog/product_catalog.h"

namespace meshd::catalog {

// Where clients reach the mesh, for exports (filled from the listening line).
struct ExportContext {
  std::string kafka_bootstrap;  // "127.0.0.1:9092" ("" when --kafka off)
  std::string registry_url;     // "http://127.0.0.1:8081" ("" when --registry off)
  std::string http_url;         // "http://127.0.0.1:8080"
};

// {"nodes":[{"id","type","name",...}], "edges":[{"from","to","kind"}]}.
// With `product` set: only what is reachable upstream and/or downstream of
// it (both when neither flag is set).
boost::json::object LineageGraphJson(const ProductCatalog& catalog, const std::string& product, bool upstream,
                                     bool downstream);

// One OpenLineage RunEvent (COMPLETE) per product: job = product, inputs and
// outputs = topics (namespace kafka://<bootstrap>), outputs with a schema facet.
boost::json::array OpenLineageEvents(const ProductCatalog& catalog, const ExportContext& ctx);

// AsyncAPI 3.0.0 document for `products` (one product or the whole mesh).
boost::json::object AsyncApiDocument(const std::vector<std::shared_ptr<const DataProduct>>& products,
                                     const ExportContext& ctx, const std::string& title);

}  // namespace meshd::catalog
