#pragma once
// Data-product descriptors -> DataProduct. Three input forms (see README.md):
//  (a) the short form users write today, verbatim:
//        data_product: {name, domain, input_ports, output_port: {name, schema}}
//      with the schema path relative to the YAML file (.avsc = AVRO,
//      .json = JSON Schema), plus meshd extensions (owner, partitions, ...);
//  (b) ODPS v1.0.0 (`kind: DataProduct`) whose output ports reference ODCS
//      v3.1.0 contracts (`kind: DataContract`) by contractId; the contract's
//      topic object becomes a JSON Schema draft-07 document (or the Avro file
//      its authoritativeDefinitions point at), its properties the validity
//      rules, its slaProperties freshness/retention, its roles the grants;
//  (c) the short contract JSON {"data_product": NAME, "schema": URL,
//      "quality_spec": {...}}, applied onto an existing product.
//
// The CLI reads the main file and its neighbours locally and sends a
// DescriptorBundle, so the server never reads client paths. Every problem is
// reported as "<file>: <path in document>: <problem>", all of them at once.

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "catalog/product_model.h"

namespace meshd::catalog {

struct DescriptorBundle {
  std::string file;     // main document, as the user named it (messages, source_file)
  std::string content;  // its text (YAML or JSON)
  // Neighbour files by path relative to the main file's folder
  // ("engagement_schema.avsc", "pos_transactions.odcs.yaml", "../x.avsc").
  std::map<std::string, std::string> files;

  boost::json::object ToJson() const;
  static Result<DescriptorBundle> FromJson(const boost::json::value& v);
};

// Reads `path` and the files a descriptor may reference: every sibling
// *.yaml|*.yml|*.json|*.avsc (contracts, schemas), plus the short form's
// `schema:` path wherever it points. Files over 4 MiB are skipped.
Result<DescriptorBundle> LoadBundle(const std::string& path);

// The short contract JSON: quality settings applied onto an existing
// product's output ports (all of them, or `port` when given).
struct ContractPatch {
  std::string product;
  std::string port;  // "" = every output port
  std::string schema_url;
  std::optional<double> completeness_min_ratio;
  std::optional<int64_t> freshness_max_delay_ms;
  std::optional<ViolationAction> on_violation;
};

struct Descriptor {
  enum class Kind { kProduct, kContractPatch };
  Kind kind = Kind::kProduct;
  std::string format;  // "short" | "odps" | "contract-json"
  DataProduct product;
  ContractPatch patch;
};

// Parses a bundle. On failure the Status message is the first problem (and
// how many more); `errors` (if given) receives every problem.
Result<Descriptor> ParseDescriptor(const DescriptorBundle& bundle,
                                   std::vector<std::string>* errors = nullptr);

// "max_5_min_delay", "5m", "5 minutes", "PT5M", "300s", "1h" -> ms;
// `unit` (ODCS slaProperties unit: d/day/days, h/hr/hour(s), m/min/minute(s),
// s/sec, ms, y/yr/year(s)) applies to a bare number. nullopt if unreadable.
std::optional<int64_t> ParseDurationMs(const std::string& text, const std::string& unit = "");
// ">99.9%", ">=99.9%", "99.9%", "0.999" -> 0.999. nullopt if unreadable.
std::optional<double> ParseRatio(const std::string& text);

}  // namespace meshd::catalog
