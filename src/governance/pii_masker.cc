#include "governance/pii_masker.h"

#include <openssl/sha.h>

#include <boost/json.hpp>

#include "governance/token_codec.h"

namespace meshd::governance {

namespace json = boost::json;

std::string PiiHash(const json::value& v) {
  std::string text = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out);
  return HexEncode(std::string_view(reinterpret_cast<char*>(out), sizeof(out)));
}

PiiMasker::PiiMasker(std::vector<catalog::ClassifiedField> fields) {
  for (auto& f : fields) {
    Path p;
    p.treatment = f.treatment;
    size_t start = 0;
    while (start <= f.field.size()) {
      size_t dot = f.field.find('.', start);
      if (dot == std::string::npos) dot = f.field.size();
      if (dot > start) p.segments.push_back(f.field.substr(start, dot - start));
      start = dot + 1;
    }
    if (!p.segments.empty()) fields_.push_back(std::move(p));
  }
}

bool PiiMasker::ApplyPath(json::value& node, const Path& path, size_t i) const {
  if (node.is_array()) {
    bool changed = false;
    for (json::value& el : node.get_array()) changed = ApplyPath(el, path, i) || changed;
    return changed;
  }
  if (!node.is_object()) return false;
  json::object& obj = node.get_object();
  auto it = obj.find(path.segments[i]);
  if (it == obj.end()) return false;
  if (i + 1 < path.segments.size()) return ApplyPath(it->value(), path, i + 1);
  json::value& target = it->value();
  switch (path.treatment) {
    case catalog::PiiTreatment::kDrop:
      obj.erase(it);
      return true;
    case catalog::PiiTreatment::kHash:
      if (target.is_null()) return false;
      target = json::string(PiiHash(target));
      return true;
    case catalog::PiiTreatment::kMask:
      if (target.is_null()) return false;
      target = "***";
      return true;
  }
  return false;
}

bool PiiMasker::Apply(json::value& doc) const {
  bool changed = false;
  for (const Path& p : fields_) changed = ApplyPath(doc, p, 0) || changed;
  if (doc.is_object()) {
    json::object& o = doc.get_object();
    json::value* data = o.if_contains("data");
    if (o.contains("specversion") && data != nullptr && (data->is_object() || data->is_array())) {
      for (const Path& p : fields_) changed = ApplyPath(*data, p, 0) || changed;
    }
  }
  return changed;
}

std::optional<std::string> PiiMasker::RewriteValue(std::string_view value) const {
  if (fields_.empty()) return std::nullopt;
  boost::system::error_code ec;
  json::value doc = json::parse(value, ec);
  if (ec) return std::string(kWithheldValue);
  if (!Apply(doc)) return std::nullopt;
  return json::serialize(doc);
}

}  // namespace meshd::governance
