#pragma once
// PiiMasker: applies a port's classified fields (ClassifiedField: dotted
// path + treatment) to JSON event payloads for readers without a PII grant.
//
//   mask → the value becomes "***" (whatever its type; null stays null)
//   hash → hex SHA-256 of the value (strings: their characters; other
//          values: their JSON text), so joins on the field still work
//   drop → the field is removed
//
// Paths walk nested objects ("customer.email"); an array on the way applies
// the rest of the path to each element ("items.card" masks every item's
// card). When the payload is a structured CloudEvent (has "specversion" and
// a "data" object), paths are applied inside "data" as well.
//
// Values that are not JSON (Avro, binary) cannot be rewritten field by field
// and are withheld: RewriteValue returns kWithheldValue instead.
//
// Thread-safety: immutable after construction.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "catalog/product_model.h"

namespace meshd::governance {

inline constexpr std::string_view kWithheldValue = R"({"_meshd_withheld":"pii"})";

class PiiMasker {
 public:
  explicit PiiMasker(std::vector<catalog::ClassifiedField> fields);

  bool empty() const { return fields_.empty(); }
  // Rewrites `doc` in place; true when something changed.
  bool Apply(boost::json::value& doc) const;
  // Rewrites a serialized JSON value. nullopt = unchanged (no classified
  // field present); otherwise the new serialized value.
  std::optional<std::string> RewriteValue(std::string_view value) const;

 private:
  struct Path {
    std::vector<std::string> segments;
    catalog::PiiTreatment treatment;
  };
  bool ApplyPath(boost::json::value& node, const Path& path, size_t i) const;
  std::vector<Path> fields_;
};

// Hex SHA-256 used by the hash treatment (exposed for tests).
std::string PiiHash(const boost::json::value& v);

}  // namespace meshd::governance
