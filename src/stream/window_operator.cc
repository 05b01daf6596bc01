// Windowed aggregation (tumbling, hopping, session) and dedup keep-last.
//
// Watermark = max event time seen − out_of_orderness. A window fires (emits
// its row) once watermark >= window end; it is kept until watermark >= end +
// allowed_lateness, and a late record that still lands in a kept window
// updates it and re-emits the row (sinks upsert by key, so the table shows
// the corrected value). A record whose every window is already dropped is
// late: counted, and sent to `late_output` when configured.

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>

#include "stream/stateful_operators.h"

namespace meshd::stream {

namespace json = boost::json;

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t Watermark(bool has, int64_t max_ts, int64_t ooo) {
  if (!has) return LLONG_MIN;
  return max_ts - ooo;
}

struct KeySpec {
  std::string name;  // output column
  Expression expr;
};

Result<std::vector<KeySpec>> ParseKeys(const YAML::Node& n, const std::string& where) {
  std::vector<KeySpec> keys;
  if (!n) return keys;
  std::vector<std::string> items;
  if (n.IsScalar()) items.push_back(n.Scalar());
  else if (n.IsSequence())
    for (const auto& k : n) items.push_back(k.Scalar());
  else if (n.IsMap()) {
    for (const auto& kv : n) {
      auto e = Expression::Parse(kv.second.Scalar());
      if (!e.ok()) return Status::InvalidArgument(where + "." + kv.first.Scalar() + ": " + e.error().message());
      keys.push_back({kv.first.Scalar(), std::move(*e)});
    }
    return keys;
  } else {
    return Status::InvalidArgument(where + ": expected a field, a list of fields or a map name: expression");
  }
  for (const auto& path : items) {
    auto e = Expression::Parse(path);
    if (!e.ok()) return Status::InvalidArgument(where + ": " + e.error().message());
    size_t dot = path.rfind('.');
    keys.push_back({dot == std::string::npos ? path : path.substr(dot + 1), std::move(*e)});
  }
  return keys;
}

struct EventTimeSpec {
  std::optional<Expression> time;
  int64_t ooo = 0;
  int64_t lateness = 0;
  std::optional<OutputSpec> late_output;
};

Status ParseEventTime(const YAML::Node& n, const std::string& where, EventTimeSpec* out) {
  if (n["time"]) {
    auto e = Expression::Parse(n["time"].Scalar());
    if (!e.ok()) return Status::InvalidArgument(where + ".time: " + e.error().message());
    out->time = std::move(*e);
  }
  if (n["out_of_orderness"]) {
    MESHD_ASSIGN_OR_RETURN(out->ooo, ParseDuration(n["out_of_orderness"], where + ".out_of_orderness"));
  }
  if (n["allowed_lateness"]) {
    MESHD_ASSIGN_OR_RETURN(out->lateness, ParseDuration(n["allowed_lateness"], where + ".allowed_lateness"));
  }
  if (n["late_output"]) {
    OutputSpec o;
    o.kind = OutputSpec::Kind::kTopic;
    o.name = n["late_output"].Scalar();
    o.type = "meshd.pipeline.late";
    o.source = "meshd.pipeline";
    out->late_output = std::move(o);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- aggregates

enum class AggFn { kCount, kSum, kMin, kMax, kAvg, kCountDistinct, kMaxBy, kMinBy };

struct AggSpec {
  std::string name;
  AggFn fn;
  std::optional<Expression> arg;  // count(*) has none; max_by/min_by: the value compared
  std::vector<KeySpec> by_fields;  // max_by/min_by: the winning record's columns
  std::string ties_column;         // max_by/min_by: optional column counting records at the winning value
};

// Orders two `fields` tuples of max_by/min_by candidates with equal values:
// element by element, comparable values by CompareValues, anything else
// (NULL, mixed types) by its JSON text. The tie rule depends only on the
// values, not on arrival order, so merges (sessions) and replays agree.
int CompareTuples(const json::array& a, const json::array& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    int c = 0;
    if (auto cmp = CompareValues(a[i], b[i])) c = *cmp;
    else {
      std::string sa = json::serialize(a[i]), sb = json::serialize(b[i]);
      c = sa < sb ? -1 : (sa > sb ? 1 : 0);
    }
    if (c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

struct AggState {
  int64_t n = 0;
  int64_t isum = 0;
  double dsum = 0;
  bool has_double = false;
  json::value min, max;
  std::set<std::string> distinct;
  json::array by;  // max_by/min_by: the `fields` values of the current winner (value in max/min)
  int64_t ties = 0;  // max_by/min_by: records with the winning value (the winner included)

  // max_by (sign 1) / min_by (sign -1): `v` beats the current winner when it
  // is larger (smaller); on equal values the smaller `fields` tuple wins.
  // `fields` is only evaluated when it can matter.
  template <typename FieldsFn>
  void AddBy(int sign, const json::value& v, FieldsFn&& fields) {
    if (v.is_null()) return;
    ++n;
    json::value& best = sign > 0 ? max : min;
    int c = 1;
    if (!best.is_null()) {
      auto cmp = CompareValues(v, best);
      if (!cmp) return;  // not comparable with the winner (mixed types): ignored, as max() does
      c = sign * *cmp;
    }
    if (c < 0) return;
    if (c > 0) {
      best = v;
      by = fields();
      ties = 1;
      return;
    }
    ++ties;
    json::array candidate = fields();
    if (CompareTuples(candidate, by) < 0) by = std::move(candidate);
  }

  void Add(AggFn fn, const json::value& v, bool star) {
    if (fn == AggFn::kCount) {
      if (star || !v.is_null()) ++n;
      return;
    }
    if (v.is_null()) return;
    switch (fn) {
      case AggFn::kSum:
      case AggFn::kAvg:
        if (v.is_int64() || v.is_uint64()) {
          isum += v.to_number<int64_t>();
          ++n;
        } else if (v.is_double()) {
          dsum += v.get_double();
          has_double = true;
          ++n;
        }
        break;
      case AggFn::kMin:
        if (min.is_null() || CompareValues(v, min).value_or(0) < 0) min = v;
        ++n;
        break;
      case AggFn::kMax:
        if (max.is_null() || CompareValues(v, max).value_or(0) > 0) max = v;
        ++n;
        break;
      case AggFn::kCountDistinct: distinct.insert(json::serialize(v)); break;
      default: break;
    }
  }
  void Merge(AggFn fn, const AggState& o) {
    if (fn == AggFn::kMaxBy || fn == AggFn::kMinBy) {
      // The other window's winner competes like one more record (same rule
      // as AddBy, so the merged result does not depend on merge order).
      int64_t before = n, ties_before = ties;
      const json::value& theirs = fn == AggFn::kMaxBy ? o.max : o.min;
      const json::value& mine = fn == AggFn::kMaxBy ? max : min;
      bool was_null = mine.is_null();
      int cmp = was_null || theirs.is_null() ? 2 : CompareValues(theirs, mine).value_or(2);
      AddBy(fn == AggFn::kMaxBy ? 1 : -1, theirs, [&] { return o.by; });
      n = before + o.n;
      // AddBy counted the other side's winner as one record; it stands for o.ties.
      if (!theirs.is_null()) {
        if (was_null || (fn == AggFn::kMaxBy ? cmp == 1 : cmp == -1)) ties = o.ties;
        else if (cmp == 0) ties = ties_before + o.ties;
      }
      return;
    }
    n += o.n;
    isum += o.isum;
    dsum += o.dsum;
    has_double |= o.has_double;
    if (!o.min.is_null() && (min.is_null() || CompareValues(o.min, min).value_or(0) < 0)) min = o.min;
    if (!o.max.is_null() && (max.is_null() || CompareValues(o.max, max).value_or(0) > 0)) max = o.max;
    distinct.insert(o.distinct.begin(), o.distinct.end());
  }
  json::value Result(AggFn fn) const {
    switch (fn) {
      case AggFn::kCount: return n;
      case AggFn::kSum:
        if (n == 0) return nullptr;
        return has_double ? json::value(dsum + static_cast<double>(isum)) : json::value(isum);
      case AggFn::kAvg:
        if (n == 0) return nullptr;
        return (dsum + static_cast<double>(isum)) / static_cast<double>(n);
      case AggFn::kMin:
      case AggFn::kMinBy: return min;
      case AggFn::kMax:
      case AggFn::kMaxBy: return max;
      case AggFn::kCountDistinct: return static_cast<int64_t>(distinct.size());
    }
    return nullptr;
  }
  json::object ToJson() const {
    json::object o{{"n", n}, {"i", isum}, {"d", dsum}, {"hd", has_double}, {"mn", min}, {"mx", max}};
    if (!distinct.empty()) {
      json::array a;
      for (const auto& s : distinct) a.emplace_back(s);
      o["ds"] = std::move(a);
    }
    if (!by.empty()) {
      o["by"] = by;
      o["bt"] = ties;
    }
    return o;
  }
  static AggState FromJson(const json::object& o) {
    AggState s;
    s.n = o.at("n").to_number<int64_t>();
    s.isum = o.at("i").to_number<int64_t>();
    s.dsum = o.at("d").to_number<double>();
    s.has_double = o.at("hd").as_bool();
    s.min = o.at("mn");
    s.max = o.at("mx");
    if (auto it = o.find("ds"); it != o.end())
      for (const auto& v : it->value().as_array()) s.distinct.insert(std::string(v.as_string()));
    if (auto it = o.find("by"); it != o.end()) s.by = it->value().as_array();
    if (auto it = o.find("bt"); it != o.end()) s.ties = it->value().to_number<int64_t>();
    return s;
  }
};

Result<AggSpec> ParseAggregate(const std::string& name, const std::string& text, const std::string& where) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return Status::InvalidArgument(where + ": expected FUNCTION(expression), e.g. sum(amount)");
  std::string fn = text.substr(0, open);
  while (!fn.empty() && fn.back() == ' ') fn.pop_back();
  for (char& c : fn) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string arg = text.substr(open + 1, close - open - 1);
  AggSpec a;
  a.name = name;
  if (fn == "count") a.fn = AggFn::kCount;
  else if (fn == "sum") a.fn = AggFn::kSum;
  else if (fn == "min") a.fn = AggFn::kMin;
  else if (fn == "max") a.fn = AggFn::kMax;
  else if (fn == "avg") a.fn = AggFn::kAvg;
  else if (fn == "count_distinct") a.fn = AggFn::kCountDistinct;
  else return Status::InvalidArgument(where + ": unknown aggregate '" + fn + "' (count, sum, min, max, avg, count_distinct)");
  std::string trimmed;
  for (char c : arg)
    if (c != ' ') trimmed += c;
  if (trimmed.empty() || trimmed == "*") {
    if (a.fn != AggFn::kCount) return Status::InvalidArgument(where + ": " + fn + "() needs an argument");
    return a;
  }
  auto e = Expression::Parse(arg);
  if (!e.ok()) return Status::InvalidArgument(where + ": " + e.error().message());
  a.arg = std::move(*e);
  return a;
}

// {max_by: EXPR, fields: [f, ...]} (or min_by): the value of EXPR's largest
// (smallest) record in the window, plus that record's `fields` as columns.
// `fields` takes the same forms as a window key (a list of dotted fields, or
// a map column: expression).
Result<AggSpec> ParseByAggregate(const std::string& name, const YAML::Node& n, const std::string& where) {
  AggSpec a;
  a.name = name;
  std::string value_key;
  for (const auto& kv : n) {
    const std::string k = kv.first.Scalar();
    if (k == "max_by" || k == "min_by") {
      if (!value_key.empty()) return Status::InvalidArgument(where + ": give one of max_by or min_by");
      value_key = k;
    } else if (k != "fields" && k != "ties") {
      return Status::InvalidArgument(where + "." + k + ": unknown key (expected max_by or min_by, fields, ties)");
    }
  }
  if (value_key.empty()) return Status::InvalidArgument(where + ": expected {max_by: EXPRESSION, fields: [...]}");
  a.fn = value_key == "max_by" ? AggFn::kMaxBy : AggFn::kMinBy;
  if (!n[value_key].IsScalar() || n[value_key].Scalar().empty())
    return Status::InvalidArgument(where + "." + value_key + ": expected an expression");
  auto e = Expression::Parse(n[value_key].Scalar());
  if (!e.ok()) return Status::InvalidArgument(where + "." + value_key + ": " + e.error().message());
  a.arg = std::move(*e);
  if (!n["fields"]) return Status::InvalidArgument(where + ".fields: required (the winning record's columns)");
  MESHD_ASSIGN_OR_RETURN(a.by_fields, ParseKeys(n["fields"], where + ".fields"));
  if (a.by_fields.empty()) return Status::InvalidArgument(where + ".fields: must name at least one field");
  if (n["ties"]) {
    if (!n["ties"].IsScalar() || n["ties"].Scalar().empty() || n["ties"].Scalar() == name)
      return Status::InvalidArgument(where + ".ties: expected a column name (other than the aggregate's own)");
    a.ties_column = n["ties"].Scalar();
  }
  for (const auto& f : a.by_fields)
    if (f.name == name)
      return Status::InvalidArgument(where + ".fields: '" + f.name + "' is the aggregate's own column (it holds the " +
                                     (a.fn == AggFn::kMaxBy ? "max" : "min") + " value)");
  return a;
}

// Event-time progress both windowed operators (window, dedup) keep: the
// largest event time seen, from which the watermark follows, and the count of
// late records. Checkpointed under one state key when it changed.
struct EventTimeProgress {
  static constexpr const char* kStateKey = "m";
  bool has_max = false;
  int64_t max_ts = 0;
  int64_t late = 0;
  bool dirty = false;

  int64_t Watermark(int64_t out_of_orderness) const {
    return meshd::stream::Watermark(has_max, max_ts, out_of_orderness);
  }
  void Observe(int64_t ts) {
    if (has_max && ts <= max_ts) return;
    has_max = true;
    max_ts = ts;
    dirty = true;
  }
  void CountLate() {
    ++late;
    dirty = true;
  }
  void Save(StateWriter& w) {
    if (!dirty) return;
    w.Put(kStateKey, json::serialize(json::object{{"has", has_max}, {"mx", max_ts}, {"late", late}}));
    dirty = false;
  }
  void Load(const json::object& o) {
    has_max = o.at("has").as_bool();
    max_ts = o.at("mx").to_number<int64_t>();
    late = o.at("late").to_number<int64_t>();
  }
};

// ---------------------------------------------------------------- window

struct WinId {
  int64_t end;
  int64_t start;
  std::string key;  // JSON array of key values
  bool operator<(const WinId& o) const {
    if (end != o.end) return end < o.end;
    if (start != o.start) return start < o.start;
    return key < o.key;
  }
};

std::string WinStateKey(const WinId& id) {
  return "w/" + std::to_string(id.end) + "/" + std::to_string(id.start) + "/" + id.key;
}

std::optional<WinId> ParseWinStateKey(const std::string& k) {
  if (k.rfind("w/", 0) != 0) return std::nullopt;
  size_t a = k.find('/', 2);
  if (a == std::string::npos) return std::nullopt;
  size_t b = k.find('/', a + 1);
  if (b == std::string::npos) return std::nullopt;
  return WinId{std::stoll(k.substr(2, a - 2)), std::stoll(k.substr(a + 1, b - a - 1)), k.substr(b + 1)};
}

// Restores a windowed operator (window, dedup): the event-time progress entry
// goes to `progress`, every other entry is one window's, handed to `restore`
// with its parsed key. Errors name `what`.
template <typename Restore>
Status LoadWindowedState(const StateEntries& entries, const std::string& what, EventTimeProgress& progress,
                         Restore restore) {
  try {
    for (const auto& [k, v] : entries) {
      json::object o = json::parse(v).as_object();
      if (k == EventTimeProgress::kStateKey) {
        progress.Load(o);
        continue;
      }
      auto id = ParseWinStateKey(k);
      if (!id) return Status::Corruption(what + " state key '" + k + "' is malformed");
      restore(*id, o);
    }
  } catch (const std::exception& e) {
    return Status::Corruption(what + " state unreadable: " + e.what());
  }
  return Status::Ok();
}

class WindowOperator final : public Operator {
 public:
  enum class Type { kTumbling, kHopping, kSession };
  std::string kind() const override { return "window"; }

  static Result<std::unique_ptr<Operator>> Build(const YAML::Node& n, const std::string& where) {
    if (!n.IsMap()) return Status::InvalidArgument(where + ": expected a map");
    auto op = std::make_unique<WindowOperator>();
    std::string type = n["type"] ? n["type"].Scalar() : "tumbling";
    if (type == "tumbling") op->type_ = Type::kTumbling;
    else if (type == "hopping" || type == "sliding") op->type_ = Type::kHopping;
    else if (type == "session") op->type_ = Type::kSession;
    else return Status::InvalidArgument(where + ".type: '" + type + "' (expected tumbling, hopping or session)");
    static const std::set<std::string> kKnown = {"type", "size", "slide", "advance", "gap", "key", "group_by",
                                                 "time", "out_of_orderness", "allowed_lateness", "late_output",
                                                 "aggregates", "emit"};
    for (const auto& kv : n)
      if (!kKnown.count(kv.first.Scalar()))
        return Status::InvalidArgument(where + "." + kv.first.Scalar() + ": unknown key");
    if (op->type_ == Type::kSession) {
      if (!n["gap"]) return Status::InvalidArgument(where + ".gap: required for session windows");
      MESHD_ASSIGN_OR_RETURN(op->gap_, ParseDuration(n["gap"], where + ".gap"));
      if (op->gap_ <= 0) return Status::InvalidArgument(where + ".gap: must be positive");
    } else {
      if (!n["size"]) return Status::InvalidArgument(where + ".size: required");
      MESHD_ASSIGN_OR_RETURN(op->size_, ParseDuration(n["size"], where + ".size"));
      if (op->size_ <= 0) return Status::InvalidArgument(where + ".size: must be positive");
      op->slide_ = op->size_;
      if (op->type_ == Type::kHopping) {
        const YAML::Node s = n["slide"] ? n["slide"] : n["advance"];
        if (!s) return Status::InvalidArgument(where + ".slide: required for hopping windows");
        MESHD_ASSIGN_OR_RETURN(op->slide_, ParseDuration(s, where + ".slide"));
        if (op->slide_ <= 0 || op->slide_ > op->size_)
          return Status::InvalidArgument(where + ".slide: must be positive and at most size");
      }
    }
    // emit: final (default) writes a window's row when the watermark passes
    // its end; emit: changes also upserts the running row after every record
    // (ksqlDB's EMIT CHANGES), so a table shows the open window too. Both are
    // deterministic under replay: rows are keyed by window and key.
    if (n["emit"]) {
      std::string emit = n["emit"].Scalar();
      if (emit == "changes") op->emit_changes_ = true;
      else if (emit != "final") return Status::InvalidArgument(where + ".emit: '" + emit + "' (expected final or changes)");
    }
    MESHD_ASSIGN_OR_RETURN(op->keys_, ParseKeys(n["key"] ? n["key"] : n["group_by"], where + ".key"));
    MESHD_TRY(ParseEventTime(n, where, &op->et_));
    if (!n["aggregates"] || !n["aggregates"].IsMap() || n["aggregates"].size() == 0)
      return Status::InvalidArgument(where + ".aggregates: expected a map name: FUNCTION(expression)");
    for (const auto& kv : n["aggregates"]) {
      const std::string aw = where + ".aggregates." + kv.first.Scalar();
      if (kv.second.IsMap()) {
        MESHD_ASSIGN_OR_RETURN(auto a, ParseByAggregate(kv.first.Scalar(), kv.second, aw));
        op->aggs_.push_back(std::move(a));
        continue;
      }
      if (!kv.second.IsScalar())
        return Status::InvalidArgument(aw + ": expected FUNCTION(expression) or {max_by: ..., fields: [...]}");
      MESHD_ASSIGN_OR_RETURN(auto a, ParseAggregate(kv.first.Scalar(), kv.second.Scalar(), aw));
      op->aggs_.push_back(std::move(a));
    }
    if (op->et_.late_output) op->side_outputs_.push_back(*op->et_.late_output);
    return std::unique_ptr<Operator>(std::move(op));
  }

  Status Process(StreamRecord&& r, Emitter& out) override {
    int64_t ts = EventTime(et_.time, r);
    int64_t wm = progress_.Watermark(et_.ooo);
    json::array kv;
    for (const auto& k : keys_) kv.push_back(k.expr.Evaluate(r));
    std::string key = json::serialize(kv);
    std::vector<json::value> args;
    args.reserve(aggs_.size());
    for (const auto& a : aggs_) args.push_back(a.arg ? a.arg->Evaluate(r) : json::value(nullptr));

    bool accepted = type_ == Type::kSession ? AddToSession(ts, wm, key, kv, args, r, out)
                                            : AddToFixed(ts, wm, key, kv, args, r, out);
    if (!accepted) {
      progress_.CountLate();
      if (et_.late_output) out.EmitSide(0, std::move(r));
    }
    progress_.Observe(ts);
    Advance(progress_.Watermark(et_.ooo), r, out);
    return Status::Ok();
  }

  void Flush(Emitter& out) override {
    StreamRecord origin;
    Advance(LLONG_MAX, origin, out);
  }

  void SaveState(StateWriter& w) override {
    for (const auto& id : deleted_) w.Delete(WinStateKey(id));
    deleted_.clear();
    for (const auto& id : dirty_) {
      auto it = windows_.find(id);
      if (it == windows_.end() || !it->second.dirty) continue;  // dropped since, or listed twice
      it->second.dirty = false;
      json::array aggs;
      for (const auto& s : it->second.aggs) aggs.push_back(s.ToJson());
      json::object o{{"k", it->second.key_values}, {"f", it->second.fired}, {"a", std::move(aggs)}};
      w.Put(WinStateKey(id), json::serialize(o));
    }
    dirty_.clear();
    progress_.Save(w);
  }

  Status LoadState(const StateEntries& entries) override {
    return LoadWindowedState(entries, "window", progress_, [this](const WinId& id, const json::object& o) {
      Window w;
      w.key_values = o.at("k").as_array();
      w.fired = o.at("f").as_bool();
      for (const auto& a : o.at("a").as_array()) w.aggs.push_back(AggState::FromJson(a.as_object()));
      windows_[id] = std::move(w);
      if (type_ == Type::kSession) sessions_[id.key].insert({id.start, id.end});
    });
  }

  json::object Stats() const override {
    return {{"open_windows", static_cast<int64_t>(windows_.size())},
            {"late", progress_.late},
            {"watermark", progress_.has_max ? json::value(progress_.max_ts - et_.ooo) : json::value(nullptr)}};
  }

 private:
  struct Window {
    json::array key_values;
    std::vector<AggState> aggs;
    bool fired = false;
    bool dirty = false;  // listed in dirty_
  };

  void MarkDirty(const WinId& id, Window& w) {
    if (w.dirty) return;
    w.dirty = true;
    dirty_.push_back(id);
  }

  Window& Get(const WinId& id, const json::array& kv, bool* created) {
    auto [it, inserted] = windows_.try_emplace(id);
    *created = inserted;
    if (inserted) {
      it->second.key_values = kv;
      it->second.aggs.resize(aggs_.size());
    }
    return it->second;
  }

  void Accumulate(Window& w, const std::vector<json::value>& args, const StreamRecord& r) {
    for (size_t i = 0; i < aggs_.size(); ++i) {
      const AggSpec& a = aggs_[i];
      if (a.fn == AggFn::kMaxBy || a.fn == AggFn::kMinBy) {
        w.aggs[i].AddBy(a.fn == AggFn::kMaxBy ? 1 : -1, args[i], [&] {
          json::array f;
          f.reserve(a.by_fields.size());
          for (const auto& k : a.by_fields) f.push_back(k.expr.Evaluate(r));
          return f;
        });
      } else {
        w.aggs[i].Add(a.fn, args[i], !a.arg);
      }
    }
  }

  bool AddToFixed(int64_t ts, int64_t wm, const std::string& key, const json::array& kv,
                  const std::vector<json::value>& args, const StreamRecord& r, Emitter& out) {
    bool any = false;
    int64_t last_start = FloorDiv(ts, slide_) * slide_;
    for (int64_t start = last_start; start > ts - size_; start -= slide_) {
      int64_t end = start + size_;
      if (wm != LLONG_MIN && end + et_.lateness <= wm) continue;  // dropped already
      any = true;
      WinId id{end, start, key};
      bool created = false;
      Window& w = Get(id, kv, &created);
      // A window dropped and re-created since the last checkpoint keeps its
      // state entry (only a new window can be on the delete list).
      if (created) deleted_.erase(id);
      Accumulate(w, args, r);
      MarkDirty(id, w);
      // A fired window taking a late-but-allowed record re-emits its corrected
      // row; with emit: changes every update does.
      if (w.fired || emit_changes_) EmitRow(id, w, r, out);
    }
    return any;
  }

  bool AddToSession(int64_t ts, int64_t wm, const std::string& key, const json::array& kv,
                    const std::vector<json::value>& args, const StreamRecord& r, Emitter& out) {
    int64_t start = ts, end = ts + gap_;
    auto& set = sessions_[key];
    std::vector<std::pair<int64_t, int64_t>> overlapping;
    for (const auto& s : set)
      if (s.first < end && ts < s.second) overlapping.push_back(s);
    for (const auto& s : overlapping) {
      start = std::min(start, s.first);
      end = std::max(end, s.second);
    }
    if (wm != LLONG_MIN && end + et_.lateness <= wm) {
      if (set.empty()) sessions_.erase(key);
      return false;
    }
    Window merged;
    merged.key_values = kv;
    merged.aggs.resize(aggs_.size());
    bool was_fired = false;
    for (const auto& s : overlapping) {
      WinId old{s.second, s.first, key};
      auto it = windows_.find(old);
      if (it != windows_.end()) {
        for (size_t i = 0; i < aggs_.size(); ++i) merged.aggs[i].Merge(aggs_[i].fn, it->second.aggs[i]);
        if (it->second.fired) was_fired = true;
        // Its row is keyed by its start; a merge that moves the start must
        // delete the old row (written when fired, or at once with emit: changes).
        if ((it->second.fired || emit_changes_) && old.start != start) EmitRetraction(old, it->second, r, out);
        windows_.erase(it);
      }
      deleted_.insert(old);  // its dirty_ entry finds no window: skipped
      set.erase(s);
    }
    Accumulate(merged, args, r);
    WinId id{end, start, key};
    merged.fired = was_fired && end <= wm;
    windows_[id] = std::move(merged);
    set.insert({start, end});
    MarkDirty(id, windows_[id]);
    deleted_.erase(id);
    if (windows_[id].fired || emit_changes_) EmitRow(id, windows_[id], r, out);
    return true;
  }

  void Advance(int64_t wm, const StreamRecord& origin, Emitter& out) {
    if (wm == LLONG_MIN) return;
    for (auto it = windows_.begin(); it != windows_.end() && it->first.end <= wm;) {
      if (!it->second.fired) {
        it->second.fired = true;
        EmitRow(it->first, it->second, origin, out);
        MarkDirty(it->first, it->second);
      }
      bool purge = wm == LLONG_MAX || it->first.end + et_.lateness <= wm;
      if (purge) {
        if (type_ == Type::kSession) {
          auto s = sessions_.find(it->first.key);
          if (s != sessions_.end()) {
            s->second.erase({it->first.start, it->first.end});
            if (s->second.empty()) sessions_.erase(s);
          }
        }
        deleted_.insert(it->first);
        it = windows_.erase(it);
      } else {
        ++it;
      }
    }
  }

  StreamRecord RowRecord(const WinId& id, const Window& w, const StreamRecord& origin) {
    StreamRecord out;
    out.topic = origin.topic;
    out.partition = origin.partition;
    out.offset = origin.offset;
    out.id = origin.id;
    out.timestamp_ms = id.end;
    for (size_t i = 0; i < keys_.size(); ++i) out.fields[keys_[i].name] = w.key_values[i];
    out.fields["window_start"] = id.start;
    out.fields["window_end"] = id.end;
    return out;
  }

  void EmitRow(const WinId& id, const Window& w, const StreamRecord& origin, Emitter& out) {
    StreamRecord rec = RowRecord(id, w, origin);
    for (size_t i = 0; i < aggs_.size(); ++i) {
      const AggSpec& a = aggs_[i];
      rec.fields[a.name] = w.aggs[i].Result(a.fn);
      // max_by/min_by: the winner's columns (NULL while the window has none).
      for (size_t f = 0; f < a.by_fields.size(); ++f)
        rec.fields[a.by_fields[f].name] = f < w.aggs[i].by.size() ? w.aggs[i].by[f] : json::value(nullptr);
      if (!a.ties_column.empty()) rec.fields[a.ties_column] = w.aggs[i].ties;
    }
    out.Emit(std::move(rec));
  }

  void EmitRetraction(const WinId& id, const Window& w, const StreamRecord& origin, Emitter& out) {
    StreamRecord rec = RowRecord(id, w, origin);
    rec.retract = true;
    out.Emit(std::move(rec));
  }

  Type type_ = Type::kTumbling;
  bool emit_changes_ = false;
  int64_t size_ = 0, slide_ = 0, gap_ = 0;
  std::vector<KeySpec> keys_;
  EventTimeSpec et_;
  std::vector<AggSpec> aggs_;

  EventTimeProgress progress_;
  std::map<WinId, Window> windows_;
  std::map<std::string, std::set<std::pair<int64_t, int64_t>>> sessions_;  // key -> (start, end)
  // Windows changed since the last SaveState, each listed once (Window::dirty
  // says whether it is listed): a vector, not a set, because every record
  // touches a window or five (hopping) and a set insert copied its id each time.
  std::vector<WinId> dirty_;
  std::set<WinId> deleted_;
};

// ---------------------------------------------------------------- dedup

class DedupOperator final : public Operator {
 public:
  std::string kind() const override { return "dedup"; }
  static Result<std::unique_ptr<Operator>> Build(const YAML::Node& n, const std::string& where) {
    if (!n.IsMap() || !n["key"] || !n["window"])
      return Status::InvalidArgument(where + ": expected {key: FIELDS, window: DURATION} or {key: FIELDS}");
    auto op = std::make_unique<DedupOperator>();
    MESHD_ASSIGN_OR_RETURN(op->keys_, ParseKeys(n["key"], where + ".key"));
    MESHD_ASSIGN_OR_RETURN(op->size_, ParseDuration(n["window"], where + ".window"));
    if (op->size_ <= 0) return Status::InvalidArgument(where + ".window: must be positive");
    MESHD_TRY(ParseEventTime(n, where, &op->et_));
    if (op->et_.late_output) op->side_outputs_.push_back(*op->et_.late_output);
    return std::unique_ptr<Operator>(std::move(op));
  }

  Status Process(StreamRecord&& r, Emitter& out) override {
    int64_t ts = EventTime(et_.time, r);
    int64_t wm = progress_.Watermark(et_.ooo);
    int64_t end = FloorDiv(ts, size_) * size_ + size_;
    if (wm != LLONG_MIN && end <= wm) {
      progress_.CountLate();
      if (et_.late_output) out.EmitSide(0, std::move(r));
    } else {
      json::array kv;
      for (const auto& k : keys_) kv.push_back(k.expr.Evaluate(r));
      auto& window = windows_[end];
      // Keep-last by event time; equal times: the later arrival wins (one
      // hash lookup per record).
      auto [it, inserted] = window.try_emplace(json::serialize(kv));
      Entry& e = it->second;
      if (inserted || ts >= e.ts) {
        e.ts = ts;
        e.record = std::move(r);
        if (!e.dirty) {
          e.dirty = true;
          dirty_.emplace_back(end, it->first);
        }
      }
    }
    progress_.Observe(ts);
    Advance(progress_.Watermark(et_.ooo), out);
    return Status::Ok();
  }
  void Flush(Emitter& out) override { Advance(LLONG_MAX, out); }

  void SaveState(StateWriter& w) override {
    for (const auto& k : deleted_) w.Delete(k);
    deleted_.clear();
    for (const auto& [end, key] : dirty_) {
      auto win = windows_.find(end);
      if (win == windows_.end()) continue;  // fired since: nothing to keep
      auto it = win->second.find(key);
      if (it == win->second.end() || !it->second.dirty) continue;
      Entry& e = it->second;
      // {"ts": N, "r": record}, written as text (no copy of the record).
      w.Put(StateKey(end, key), "{\"ts\":" + std::to_string(e.ts) + ",\"r\":" + RecordToJsonText(e.record) + "}");
      e.dirty = false;
      e.saved = true;
    }
    dirty_.clear();
    progress_.Save(w);
  }
  Status LoadState(const StateEntries& entries) override {
    return LoadWindowedState(entries, "dedup", progress_, [this](const WinId& id, const json::object& o) {
      Entry& e = windows_[id.end][id.key];
      e.ts = o.at("ts").to_number<int64_t>();
      e.record = RecordFromJson(o.at("r").as_object());
      e.saved = true;
    });
  }
  json::object Stats() const override {
    int64_t pending = 0;
    for (const auto& [end, w] : windows_) pending += static_cast<int64_t>(w.size());
    return {{"pending", pending}, {"late", progress_.late}};
  }

 private:
  struct Entry {
    int64_t ts = 0;
    StreamRecord record;
    bool dirty = false;  // changed since the last SaveState
    bool saved = false;  // has a state entry (to delete when the window fires)
  };

  std::string StateKey(int64_t end, const std::string& key) const {
    return WinStateKey(WinId{end, end - size_, key});
  }

  // Fires every window whose end the watermark reached: its records go out
  // in key order (the key's JSON text), so a run restored from a checkpoint
  // emits them in the same order as an uninterrupted one.
  void Advance(int64_t wm, Emitter& out) {
    if (wm == LLONG_MIN) return;
    for (auto win = windows_.begin(); win != windows_.end() && win->first <= wm;) {
      std::vector<std::pair<const std::string*, Entry*>> order;
      order.reserve(win->second.size());
      for (auto& [key, e] : win->second) order.emplace_back(&key, &e);
      std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
      for (auto& [key, e] : order) {
        if (e->saved) deleted_.push_back(StateKey(win->first, *key));
        out.Emit(std::move(e->record));  // erased just below: no copy
      }
      win = windows_.erase(win);
    }
  }

  std::vector<KeySpec> keys_;
  int64_t size_ = 0;
  EventTimeSpec et_;
  EventTimeProgress progress_;
  // Window end -> key (JSON text of the key values) -> the last record.
  std::map<int64_t, std::unordered_map<std::string, Entry>> windows_;
  std::vector<std::pair<int64_t, std::string>> dirty_;  // (end, key) turned dirty since SaveState
  std::vector<std::string> deleted_;                     // state keys of fired, saved entries
};

// Unbounded keep-last (dedup without `window`; Flink's ROW_NUMBER() ... = 1
// by event time DESC, Nexmark q18): every record at least as new, in event
// time, as the last one kept for its key goes out at once, as an update of
// that key downstream (an upsert into a table keyed the same way); an older
// one is dropped and counted as superseded. Equal times: the later arrival
// wins, as in the windowed dedup. State is one event time per key, for ever
// (no TTL yet), so it suits keys that stay bounded.
class LatestPerKeyDedup final : public Operator {
 public:
  std::string kind() const override { return "dedup"; }
  static Result<std::unique_ptr<Operator>> Build(const YAML::Node& n, const std::string& where) {
    for (const char* windowed_only : {"out_of_orderness", "allowed_lateness", "late_output"})
      if (n[windowed_only])
        return Status::InvalidArgument(where + "." + windowed_only +
                                       ": only with window (a dedup without window has no watermark)");
    auto op = std::make_unique<LatestPerKeyDedup>();
    MESHD_ASSIGN_OR_RETURN(op->keys_, ParseKeys(n["key"], where + ".key"));
    if (op->keys_.empty()) return Status::InvalidArgument(where + ".key: expected at least one field");
    MESHD_TRY(ParseEventTime(n, where, &op->et_));
    return std::unique_ptr<Operator>(std::move(op));
  }

  Status Process(StreamRecord&& r, Emitter& out) override {
    int64_t ts = EventTime(et_.time, r);
    json::array kv;
    for (const auto& k : keys_) kv.push_back(k.expr.Evaluate(r));
    auto [it, inserted] = last_.try_emplace(json::serialize(kv));
    Entry& e = it->second;
    if (!inserted && ts < e.ts) {
      ++superseded_;
      return Status::Ok();
    }
    e.ts = ts;
    if (!e.dirty) {
      e.dirty = true;
      dirty_.push_back(&it->first);  // unordered_map keys do not move on rehash
    }
    out.Emit(std::move(r));
    return Status::Ok();
  }

  void SaveState(StateWriter& w) override {
    for (const std::string* key : dirty_) {
      Entry& e = last_.at(*key);
      w.Put("l/" + *key, std::to_string(e.ts));
      e.dirty = false;
    }
    dirty_.clear();
  }
  Status LoadState(const StateEntries& entries) override {
    for (const auto& [k, v] : entries) {
      if (k.rfind("l/", 0) != 0) return Status::Corruption("dedup state key '" + k + "' is malformed");
      char* end = nullptr;
      long long ts = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0') return Status::Corruption("dedup state of key " + k.substr(2) + " is not a time");
      last_[k.substr(2)].ts = ts;
    }
    return Status::Ok();
  }
  json::object Stats() const override {
    return {{"keys", static_cast<int64_t>(last_.size())}, {"superseded", superseded_}};
  }

 private:
  struct Entry {
    int64_t ts = 0;
    bool dirty = false;  // changed since the last SaveState
  };
  std::vector<KeySpec> keys_;
  EventTimeSpec et_;
  std::unordered_map<std::string, Entry> last_;  // key (JSON text of its values) -> last event time kept
  std::vector<const std::string*> dirty_;
  int64_t superseded_ = 0;
};

}  // namespace

Result<std::unique_ptr<Operator>> BuildWindowOperator(const YAML::Node& n, const std::string& where) {
  return WindowOperator::Build(n, where);
}

Result<std::unique_ptr<Operator>> BuildDedupOperator(const YAML::Node& n, const std::string& where) {
  if (n.IsMap() && n["key"] && !n["window"]) return LatestPerKeyDedup::Build(n, where);
  return DedupOperator::Build(n, where);
}

}  // namespace meshd::stream
