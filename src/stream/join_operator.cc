// Stream–table join. The table is the latest value per key of a keyed (or
// compacted) topic, e.g. crm_customer_profiles keyed by customer_id; every
// task reads all of its partitions (a broadcast table), so the stream side
// needs no co-partitioning.
//
// A stream record whose key has a table row is emitted at once, enriched
// with the row's current value. One without a row waits (when `wait` > 0)
// until either the row arrives (then it is emitted enriched, in arrival
// order) or the join's watermark (max stream event time − out_of_orderness)
// passes its event time + wait: then a left join emits it with NULL table
// fields and an inner join drops it (counted as unmatched). With wait = 0 a
// missing row means NULLs (left) or a drop (inner) immediately.
//
// The task reads new table records before each batch of stream records it
// processes, so a profile appended before a sale is always visible to it.

#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include "stream/stateful_operators.h"

namespace meshd::stream {

namespace json = boost::json;

namespace {

class JoinOperator final : public Operator {
 public:
  std::string kind() const override { return "join"; }

  static Result<std::unique_ptr<Operator>> Build(const YAML::Node& n, const std::string& where) {
    if (!n.IsMap() || !n["table"] || !n["on"])
      return Status::InvalidArgument(where + ": expected {table: TOPIC, on: KEY_EXPRESSION, ...}");
    static const char* kKnown[] = {"table", "table_key", "on", "type", "wait", "time", "out_of_orderness",
                                   "fields", "prefix"};
    for (const auto& kv : n) {
      bool ok = false;
      for (const char* k : kKnown) ok |= kv.first.Scalar() == k;
      if (!ok) return Status::InvalidArgument(where + "." + kv.first.Scalar() + ": unknown key");
    }
    auto op = std::make_unique<JoinOperator>();
    op->table_topic_ = n["table"].Scalar();
    if (n["table_key"]) op->table_key_ = n["table_key"].Scalar();
    auto on = Expression::Parse(n["on"].Scalar());
    if (!on.ok()) return Status::InvalidArgument(where + ".on: " + on.error().message());
    op->on_ = std::move(*on);
    std::string type = n["type"] ? n["type"].Scalar() : "left";
    if (type == "left") op->left_ = true;
    else if (type == "inner") op->left_ = false;
    else return Status::InvalidArgument(where + ".type: '" + type + "' (expected left or inner)");
    if (n["wait"]) {
      MESHD_ASSIGN_OR_RETURN(op->wait_ms_, ParseDuration(n["wait"], where + ".wait"));
    }
    if (n["time"]) {
      auto t = Expression::Parse(n["time"].Scalar());
      if (!t.ok()) return Status::InvalidArgument(where + ".time: " + t.error().message());
      op->time_ = std::move(*t);
    }
    if (n["out_of_orderness"]) {
      MESHD_ASSIGN_OR_RETURN(op->ooo_ms_, ParseDuration(n["out_of_orderness"], where + ".out_of_orderness"));
    }
    if (n["fields"]) {
      if (!n["fields"].IsSequence()) return Status::InvalidArgument(where + ".fields: expected a list");
      for (const auto& f : n["fields"]) op->fields_.push_back(f.Scalar());
    }
    if (n["prefix"]) op->prefix_ = n["prefix"].Scalar();
    return std::unique_ptr<Operator>(std::move(op));
  }

  std::vector<std::string> TableTopics() const override { return {table_topic_}; }

  Status OnTableRecord(const StreamRecord& r, Emitter& out) override {
    std::string key;
    if (table_key_.empty()) {
      if (!r.key) return Status::Ok();  // unkeyed record: nothing to index
      key = *r.key;
    } else {
      const json::value* v = FindPath(r.fields, table_key_);
      if (!v || v->is_null()) {
        if (!r.key) return Status::Ok();
        key = *r.key;  // tombstones carry no payload: fall back to the record key
      } else {
        key = KeyText(*v);
      }
    }
    if (r.fields.empty()) {  // tombstone
      table_.erase(key);
      table_deleted_.insert(key);
      table_dirty_.erase(key);
      return Status::Ok();
    }
    table_[key] = r.fields;
    table_dirty_.insert(key);
    table_deleted_.erase(key);
    // Waiting stream records for this key go out now, in arrival order.
    auto range = waiting_by_key_.equal_range(key);
    std::vector<BufId> ids;
    for (auto it = range.first; it != range.second; ++it) ids.push_back(it->second);
    waiting_by_key_.erase(range.first, range.second);
    std::sort(ids.begin(), ids.end(), [](const BufId& a, const BufId& b) { return a.seq < b.seq; });
    for (const auto& id : ids) {
      auto it = buffer_.find(id);
      if (it == buffer_.end()) continue;
      StreamRecord rec = std::move(it->second.record);
      buffer_.erase(it);
      buf_deleted_.insert(id);
      buf_dirty_.erase(id);
      ++matched_late_;
      Enrich(rec, &table_[key]);
      out.Emit(std::move(rec));
    }
    meta_dirty_ = true;
    return Status::Ok();
  }

  Status Process(StreamRecord&& r, Emitter& out) override {
    int64_t ts = time_ ? EventTime(time_, r) : r.timestamp_ms;
    json::value kv = on_->Evaluate(r);
    std::string key = kv.is_null() ? std::string() : KeyText(kv);
    auto row = kv.is_null() ? table_.end() : table_.find(key);
    if (row != table_.end()) {
      ++matched_;
      Enrich(r, &row->second);
      out.Emit(std::move(r));
    } else if (wait_ms_ > 0 && !kv.is_null()) {
      BufId id{ts + wait_ms_, next_seq_++};
      buffer_[id] = Buffered{key, std::move(r)};
      waiting_by_key_.emplace(key, id);
      buf_dirty_.insert(id);
    } else {
      Unmatched(std::move(r), out);
    }
    if (!has_max_ || ts > max_ts_) {
      has_max_ = true;
      max_ts_ = ts;
    }
    meta_dirty_ = true;
    Release(max_ts_ - ooo_ms_, out);
    return Status::Ok();
  }

  void Flush(Emitter& out) override { Release(LLONG_MAX, out); }

  void SaveState(StateWriter& w) override {
    for (const auto& k : table_deleted_) w.Delete("t/" + k);
    for (const auto& k : table_dirty_) {
      auto it = table_.find(k);
      if (it != table_.end()) w.Put("t/" + k, json::serialize(it->second));
    }
    table_deleted_.clear();
    table_dirty_.clear();
    for (const auto& id : buf_deleted_) w.Delete(BufKey(id));
    for (const auto& id : buf_dirty_) {
      auto it = buffer_.find(id);
      if (it == buffer_.end()) continue;
      json::object o{{"k", it->second.key}, {"r", RecordToJson(it->second.record)}};
      w.Put(BufKey(id), json::serialize(o));
    }
    buf_deleted_.clear();
    buf_dirty_.clear();
    if (meta_dirty_) {
      json::object m{{"has", has_max_}, {"mx", max_ts_}, {"seq", next_seq_}, {"matched", matched_},
                     {"matched_late", matched_late_}, {"unmatched", unmatched_}};
      w.Put("m", json::serialize(m));
      meta_dirty_ = false;
    }
  }

  Status LoadState(const StateEntries& entries) override {
    try {
      for (const auto& [k, v] : entries) {
        if (k == "m") {
          json::object m = json::parse(v).as_object();
          has_max_ = m.at("has").as_bool();
          max_ts_ = m.at("mx").to_number<int64_t>();
          next_seq_ = m.at("seq").to_number<int64_t>();
          matched_ = m.at("matched").to_number<int64_t>();
          matched_late_ = m.at("matched_late").to_number<int64_t>();
          unmatched_ = m.at("unmatched").to_number<int64_t>();
        } else if (k.rfind("t/", 0) == 0) {
          table_[k.substr(2)] = json::parse(v).as_object();
        } else if (k.rfind("b/", 0) == 0) {
          size_t slash = k.find('/', 2);
          BufId id{std::stoll(k.substr(2, slash - 2)), std::stoll(k.substr(slash + 1))};
          json::object o = json::parse(v).as_object();
          std::string key(o.at("k").as_string());
          buffer_[id] = Buffered{key, RecordFromJson(o.at("r").as_object())};
          waiting_by_key_.emplace(key, id);
        }
      }
    } catch (const std::exception& e) {
      return Status::Corruption(std::string("join state unreadable: ") + e.what());
    }
    return Status::Ok();
  }

  json::object Stats() const override {
    return {{"table_rows", static_cast<int64_t>(table_.size())},
            {"waiting", static_cast<int64_t>(buffer_.size())},
            {"matched", matched_},
            {"matched_after_wait", matched_late_},
            {"unmatched", unmatched_}};
  }

 private:
  struct BufId {
    int64_t release_at;
    int64_t seq;
    bool operator<(const BufId& o) const {
      return release_at != o.release_at ? release_at < o.release_at : seq < o.seq;
    }
  };
  struct Buffered {
    std::string key;
    StreamRecord record;
  };
  static std::string BufKey(const BufId& id) {
    return "b/" + std::to_string(id.release_at) + "/" + std::to_string(id.seq);
  }

  void Enrich(StreamRecord& r, const json::object* row) {
    auto put = [&](const std::string& name, json::value v) {
      std::string out = prefix_ + name;
      if (!r.fields.contains(out)) r.fields[out] = std::move(v);
    };
    if (fields_.empty()) {
      if (row)
        for (const auto& kv : *row) put(std::string(kv.key()), kv.value());
      return;
    }
    for (const auto& f : fields_) {
      const json::value* v = row ? FindPath(*row, f) : nullptr;
      size_t dot = f.rfind('.');
      put(dot == std::string::npos ? f : f.substr(dot + 1), v ? *v : json::value(nullptr));
    }
  }

  void Unmatched(StreamRecord r, Emitter& out) {
    ++unmatched_;
    if (!left_) return;
    Enrich(r, nullptr);
    out.Emit(std::move(r));
  }

  void Release(int64_t wm, Emitter& out) {
    while (!buffer_.empty() && buffer_.begin()->first.release_at <= wm) {
      auto it = buffer_.begin();
      BufId id = it->first;
      auto range = waiting_by_key_.equal_range(it->second.key);
      for (auto w = range.first; w != range.second; ++w) {
        if (w->second.seq == id.seq) {
          waiting_by_key_.erase(w);
          break;
        }
      }
      StreamRecord rec = std::move(it->second.record);
      buffer_.erase(it);
      buf_deleted_.insert(id);
      buf_dirty_.erase(id);
      Unmatched(std::move(rec), out);
    }
  }

  std::string table_topic_;
  std::string table_key_;
  std::optional<Expression> on_;
  bool left_ = true;
  int64_t wait_ms_ = 0;
  std::optional<Expression> time_;
  int64_t ooo_ms_ = 0;
  std::vector<std::string> fields_;
  std::string prefix_;

  std::map<std::string, json::object> table_;
  std::set<std::string> table_dirty_, table_deleted_;
  std::map<BufId, Buffered> buffer_;
  std::multimap<std::string, BufId> waiting_by_key_;
  std::set<BufId> buf_dirty_, buf_deleted_;
  bool has_max_ = false;
  int64_t max_ts_ = 0;
  int64_t next_seq_ = 0;
  int64_t matched_ = 0, matched_late_ = 0, unmatched_ = 0;
  bool meta_dirty_ = false;
};

}  // namespace

Result<std::unique_ptr<Operator>> BuildJoinOperator(const YAML::Node& n, const std::string& where) {
  return JoinOperator::Build(n, where);
}

}  // namespace meshd::stream
