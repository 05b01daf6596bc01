#include "pattern/lint.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace meshd::pattern {
namespace {

constexpr std::array<std::string_view, 9> kEnvelope = {
    "version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"};
// Envelope fields whose value is always a JSON string.
constexpr std::array<std::string_view, 7> kStringFields = {
    "version", "id", "detail-type", "source", "account", "time", "region"};

std::string Normalize(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '-' || c == '_') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool Contains(const auto& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool CanMatchString(const FieldCondition& c) {
  if (c.matches_absent) return true;
  for (const auto& p : c.predicates) {
    switch (p.kind) {
      case PredicateKind::kExactNumber:
      case PredicateKind::kExactTrue:
      case PredicateKind::kExactFalse:
      case PredicateKind::kExactNull:
      case PredicateKind::kNumeric:
        break;
      default:
        return true;
    }
  }
  return false;
}

void Add(std::vector<std::string>* out, std::string w) {
  if (std::find(out->begin(), out->end(), w) == out->end()) out->push_back(std::move(w));
}

}  // namespace

std::vector<std::string> LintPattern(const CompiledPattern& pattern) {
  std::vector<std::string> out;
  for (const auto& branch : pattern.alternatives) {
    for (const auto& cond : branch.conditions) {
      const std::string_view path = cond.path;
      const std::string_view top = path.substr(0, path.find('.'));
      if (!Contains(kEnvelope, top)) {
        const std::string norm = Normalize(top);
        bool explained = false;
        for (std::string_view env : kEnvelope) {
          if (Normalize(env) == norm) {
            Add(&out, "field '" + std::string(top) + "' can never match: events carry '" +
                          std::string(env) + "' ('" + std::string(top) +
                          "' is the PutEvents API name)");
            explained = true;
          }
        }
        if (!explained && norm == "eventbusname") {
          Add(&out, "field '" + std::string(top) +
                        "' can never match: the bus is chosen by the rule, events do not carry it");
          explained = true;
        }
        if (!explained) {
          Add(&out, "field '" + std::string(top) +
                        "' is not an EventBridge event field; did you mean 'detail." +
                        std::string(top) + "'?");
        }
        continue;
      }
      if (path == "detail" && !cond.predicates.empty()) {
        Add(&out, "field 'detail' can never match a value: it is an object; name fields inside it");
      }
      if (path == top && Contains(kStringFields, top) && !CanMatchString(cond)) {
        Add(&out, "field '" + std::string(top) +
                      "' can never match: it is always a string, the pattern only accepts "
                      "numbers, booleans or null");
      }
    }
  }
  return out;
}

}  // namespace meshd::pattern
