#include "warehouse/sql_text.h"

#include <algorithm>

namespace meshd::warehouse {

std::string QuoteIdentifier(const std::string& ident) { return "\"" + ident + "\""; }

std::string QuotedList(const std::vector<std::string>& idents) {
  std::string out;
  for (size_t i = 0; i < idents.size(); ++i) out += (i ? ", " : "") + QuoteIdentifier(idents[i]);
  return out;
}

bool IsKeyColumn(const TableSpec& spec, const std::string& column) {
  return std::find(spec.key.begin(), spec.key.end(), column) != spec.key.end();
}

std::vector<std::string> CreateColumnOrder(const TableSpec& spec, const boost::json::object& row) {
  std::vector<std::string> order;
  auto add = [&](const std::string& c) {
    if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(c);
  };
  for (const auto& k : spec.key) add(k);
  for (const auto& [c, ty] : spec.columns) add(c);
  for (const auto& kv : row) add(std::string(kv.key()));
  return order;
}

std::string UpsertClause(const TableSpec& spec, const boost::json::object& row) {
  if (spec.key.empty()) return "";
  std::string updates;
  for (const auto& kv : row) {
    std::string c(kv.key());
    if (IsKeyColumn(spec, c)) continue;
    updates += (updates.empty() ? "" : ", ") + QuoteIdentifier(c) + " = excluded." + QuoteIdentifier(c);
  }
  return " ON CONFLICT (" + QuotedList(spec.key) + ")" +
         (updates.empty() ? " DO NOTHING" : " DO UPDATE SET " + updates);
}

}  // namespace meshd::warehouse
