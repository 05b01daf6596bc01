#pragma once
// The catalog's REST API on the main HTTP listener:
//   GET    /v1/products                      list (summaries)
//   POST   /v1/products[?dry_run=true]       apply: a bundle {"file","content","files"}, or a
//                                            YAML/JSON descriptor body (no external files)
//   GET    /v1/products/{name}               entry + runtime status per port
//   DELETE /v1/products/{name}[?delete_topics=true]
//   GET    /v1/products/{name}/asyncapi      AsyncAPI 3.0 for one product
//   GET    /v1/asyncapi                      AsyncAPI 3.0 for the whole mesh
//   GET    /v1/catalog/search?q=TEXT
//   GET    /v1/lineage[?product=P&direction=upstream|downstream][&format=openlineage]
//   GET    /v1/policies | PUT /v1/policies   the governance policy (YAML or JSON body)
// Errors: {"error_code","message"} plus "errors" (descriptor problems),
// "reasons" (schema incompatibility) or "violations" (policy).

#include <functional>

#include "catalog/exports.h"
#include "catalog/product_catalog.h"
#include "http/router.h"

namespace meshd::catalog {

// `context` is called per request (listeners are known only after start).
void RegisterCatalogRoutes(http::Router& router, ProductCatalog& catalog,
                           std::function<ExportContext()> context);

}  // namespace meshd::catalog
