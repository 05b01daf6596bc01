// Stateless operators (filter, map, alert), the operator factory and the
// event-time helpers. Stateful ones: join_operator.cc, window_operator.cc.

#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

#include "pattern/matcher.h"
#include "stream/operator.h"
#include "stream/stateful_operators.h"
#include "yaml/yaml_to_json.h"

namespace meshd::stream {

namespace json = boost::json;

std::string KeyText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

std::optional<int64_t> ParseRfc3339Millis(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 19) return std::nullopt;
  std::string head(s.substr(0, 19));
  if (std::sscanf(head.c_str(), "%4d-%2d-%2d%*c%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6) return std::nullopt;
  size_t i = 19;
  int64_t ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (digits < 3) ms = ms * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    for (; digits < 3; ++digits) ms *= 10;
  }
  int64_t offset_min = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 5 < s.size() + 0 && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    std::string tz(s.substr(i + 1));
    if (std::sscanf(tz.c_str(), "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else if (i != s.size()) {
    return std::nullopt;
  }
  // days_from_civil (proleptic Gregorian), so no timegm/timezone dependence.
  y -= mo <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  return ((days * 86400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + ms;
}

int64_t EventTime(const std::optional<Expression>& time, const StreamRecord& record) {
  if (!time) return record.timestamp_ms;
  json::value v = time->Evaluate(record);
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double()) return static_cast<int64_t>(v.get_double());
  if (v.is_string()) {
    if (auto ms = ParseRfc3339Millis(v.get_string())) return *ms;
  }
  return record.timestamp_ms;
}

namespace {

// ---------------------------------------------------------------- filter

class FilterOperator final : public Operator {
 public:
  std::string kind() const override { return "filter"; }
  static Result<std::unique_ptr<Operator>> Build(const YAML::Node& n, const std::string& where) {
    auto op = std::make_unique<FilterOperator>();
    if (n.IsScalar()) {
      auto e = Expression::Parse(n.Scalar());
      if (!e.ok()) return Status::InvalidArgument(where + ": " + e.error().message());
      op->expr_ = std::move(*e);
    } else if (n.IsMap() && (n["pattern"] || n["expression"] || n["where"])) {
      if (n["pattern"]) {
        json::value p = yaml::ToJson(n["pattern"]);
        std::string text = p.is_string() ? std::string(p.get_string()) : json::serialize(p);
        op->matcher_ = std::make_unique<pattern::Matcher>();
        Status s = op->matcher_->AddRule("filter", text);
        if (!s.ok()) return Status::InvalidArgument(where + ".pattern: " + s.message());
      }
      const YAML::Node e = n["expression"] ? n["expression"] : n["where"];
      if (e) {
        auto ex = Expression::Parse(e.Scalar());
        if (!ex.ok()) return Status::InvalidArgument(where + ".expression: " + ex.error().message());
        op->expr_ = std::move(*ex);
      }
    } else {
      return Status::InvalidArgument(where + ": expected an expression or {pattern: ...} / {expression: ...}");
    }
    return std::unique_ptr<Operator>(std::move(op));
  }
  Status Process(StreamRecord&& r, Emitter& out) override {
    ++in_;
    if (matcher_) {
      // The bus's pattern language, matched against the event's data object.
      if (matcher_->MatchesForEvent(json::serialize(r.fields)).empty()) return Status::Ok();
    }
    if (expr_ && !expr_->Test(r)) return Status::Ok();
    ++passed_;
    out.Emit(std::move(r));
    return Status::Ok();
  }
  json::object Stats() const override { return {{"in", in_}, {"passed", passed_}}; }

 private:
  std::unique_ptr<pattern::Matcher> matcher_;
  std::optional<Expression> expr_;
  int64_t in_ = 0, passed_ = 0;
};

// ---------------------------------------------------------------- map

class MapOperator final : public Operator {
 public:
  std::string kind() const override { return "map"; }
  static Result<std::unique_ptr<Operator>> Build(const YAML::Node& n, const std::string& where) {
    if (!n.IsMap()) return Status::InvalidArgument(where + ": expected a map with select, rename, compute, drop");
    auto op = std::make_unique<MapOperator>();
    for (const auto& kv : n) {
      std::string k = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      std::string w = where + "." + k;
      if (k == "select") {
        op->select_all_ = false;
        if (v.IsScalar() && v.Scalar() == "*") {
          op->select_all_ = true;
          continue;
        }
        if (!v.IsSequence()) return Status::InvalidArgument(w + ": expected a list of fields or '*'");
        for (const auto& f : v) {
          if (f.Scalar() == "*") {
            op->select_all_ = true;
            continue;
          }
          std::string path = f.Scalar();
          size_t dot = path.rfind('.');
          op->select_.emplace_back(path, dot == std::string::npos ? path : path.substr(dot + 1));
        }
      } else if (k == "rename") {
        if (!v.IsMap()) return Status::InvalidArgument(w + ": expected a map old: new");
        for (const auto& r : v) op->rename_.emplace_back(r.first.Scalar(), r.second.Scalar());
      } else if (k == "compute" || k == "fields") {
        if (!v.IsMap()) return Status::InvalidArgument(w + ": expected a map name: expression");
        for (const auto& c : v) {
          auto e = Expression::Parse(c.second.Scalar());
          if (!e.ok()) return Status::InvalidArgument(w + "." + c.first.Scalar() + ": " + e.error().message());
          op->compute_.emplace_back(c.first.Scalar(), std::move(*e));
        }
      } else if (k == "drop") {
        if (!v.IsSequence()) return Status::InvalidArgument(w + ": expected a list of fields");
        for (const auto& f : v) op->drop_.push_back(f.Scalar());
      } else {
        return Status::InvalidArgument(w + ": unknown key (expected select, rename, compute, drop)");
      }
    }
    // The record is ours (taken by value), so selected top-level fields can
    // be moved out of it instead of copied, unless one is selected twice.
    std::set<std::string> seen;
    op->move_selected_ = true;
    for (const auto& [path, name] : op->select_)
      if (path.find('.') != std::string::npos || !seen.insert(path).second) op->move_selected_ = false;
    return std::unique_ptr<Operator>(std::move(op));
  }
  Status Process(StreamRecord&& r, Emitter& out) override {
    // Computed fields read the input record as it arrived.
    std::vector<std::pair<std::string, json::value>> computed;
    computed.reserve(compute_.size());
    for (const auto& [name, e] : compute_) computed.emplace_back(name, e.Evaluate(r));
    json::object result;
    if (select_all_) {
      result = std::move(r.fields);
    } else if (move_selected_) {
      result.reserve(select_.size() + compute_.size());
      for (const auto& [path, name] : select_) {
        auto it = r.fields.find(path);
        result.emplace(name, it != r.fields.end() ? std::move(it->value()) : json::value(nullptr));
      }
    } else {
      for (const auto& [path, name] : select_) {
        const json::value* v = FindPath(r.fields, path);
        result[name] = v ? *v : json::value(nullptr);
      }
    }
    for (const auto& [from, to] : rename_) {
      auto it = result.find(from);
      if (it == result.end()) continue;
      json::value v = std::move(it->value());
      result.erase(it);
      result[to] = std::move(v);
    }
    for (const auto& d : drop_) result.erase(d);
    for (auto& [name, v] : computed) result[name] = std::move(v);
    r.fields = std::move(result);
    out.Emit(std::move(r));
    return Status::Ok();
  }

 private:
  bool select_all_ = true;
  bool move_selected_ = false;
  std::vector<std::pair<std::string, std::string>> select_;  // path, output name
  std::vector<std::pair<std::string, std::string>> rename_;
  std::vector<std::pair<std::string, Expression>> compute_;
  std::vector<std::string> drop_;
};

// ---------------------------------------------------------------- alert

// Passes every record through; when the condition holds, also emits an alert
// event (the record, or the `fields` projection) to its own target.
class AlertOperator final : public Operator {
 public:
  std::string kind() const override { return "alert"; }
  static Result<std::unique_ptr<Operator>> Build(const YAML::Node& n, const std::string& where) {
    if (!n.IsMap() || !n["when"]) return Status::InvalidArgument(where + ": expected {when: CONDITION, bus|topic: NAME}");
    auto op = std::make_unique<AlertOperator>();
    auto e = Expression::Parse(n["when"].Scalar());
    if (!e.ok()) return Status::InvalidArgument(where + ".when: " + e.error().message());
    op->when_ = std::move(*e);
    OutputSpec target;
    if (n["bus"]) {
      target.kind = OutputSpec::Kind::kBus;
      target.name = n["bus"].Scalar();
    } else if (n["topic"]) {
      target.kind = OutputSpec::Kind::kTopic;
      target.name = n["topic"].Scalar();
    } else {
      return Status::InvalidArgument(where + ": name a target: bus: NAME or topic: NAME");
    }
    target.type = n["detail_type"] ? n["detail_type"].Scalar() : (n["type"] ? n["type"].Scalar() : "Alert");
    target.source = n["source"] ? n["source"].Scalar() : "meshd.pipeline";
    if (n["key"]) target.key.push_back(n["key"].Scalar());
    op->name_ = n["name"] ? n["name"].Scalar() : target.type;
    if (n["fields"]) {
      if (!n["fields"].IsMap()) return Status::InvalidArgument(where + ".fields: expected a map name: expression");
      for (const auto& c : n["fields"]) {
        auto fe = Expression::Parse(c.second.Scalar());
        if (!fe.ok()) return Status::InvalidArgument(where + ".fields." + c.first.Scalar() + ": " + fe.error().message());
        op->fields_.emplace_back(c.first.Scalar(), std::move(*fe));
      }
    }
    op->side_outputs_.push_back(std::move(target));
    return std::unique_ptr<Operator>(std::move(op));
  }
  Status Process(StreamRecord&& r, Emitter& out) override {
    if (when_->Test(r)) {
      ++raised_;
      StreamRecord alert = r;
      if (!fields_.empty()) {
        json::object f;
        for (const auto& [name, e] : fields_) f[name] = e.Evaluate(r);
        alert.fields = std::move(f);
      }
      alert.fields["alert"] = name_;
      out.EmitSide(0, std::move(alert));
    }
    out.Emit(std::move(r));
    return Status::Ok();
  }
  json::object Stats() const override { return {{"alerts", raised_}}; }

 private:
  std::optional<Expression> when_;
  std::string name_;
  std::vector<std::pair<std::string, Expression>> fields_;
  int64_t raised_ = 0;
};

}  // namespace

Result<std::unique_ptr<Operator>> BuildOperator(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap() || node.size() != 1)
    return Status::InvalidArgument(where + ": expected a single-key map such as {filter: ...}");
  auto kv = *node.begin();
  std::string kind = kv.first.Scalar();
  std::string w = where + "." + kind;
  try {
    if (kind == "filter") return FilterOperator::Build(kv.second, w);
    if (kind == "map" || kind == "project") return MapOperator::Build(kv.second, w);
    if (kind == "alert") return AlertOperator::Build(kv.second, w);
    if (kind == "join") return BuildJoinOperator(kv.second, w);
    if (kind == "window" || kind == "aggregate") return BuildWindowOperator(kv.second, w);
    if (kind == "dedup") return BuildDedupOperator(kv.second, w);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(w + ": " + e.what());
  }
  return Status::InvalidArgument(where + ": unknown operator '" + kind +
                                 "' (expected filter, map, join, window, dedup, alert)");
}

Result<std::vector<std::unique_ptr<Operator>>> BuildOperators(const PipelineSpec& spec) {
  std::vector<std::unique_ptr<Operator>> ops;
  for (size_t i = 0; i < spec.operators.size(); ++i) {
    MESHD_ASSIGN_OR_RETURN(auto op, BuildOperator(spec.operators[i], "operators[" + std::to_string(i) + "]"));
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace meshd::stream
