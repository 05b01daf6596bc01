#include "pattern/matcher.h"

#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <unordered_map>

#include "pattern/array_trail.h"
#include "pattern/parser.h"
#include "pattern/predicate.h"
#include "pattern/string_table.h"
#include "pattern/wildcard.h"

namespace meshd::pattern {
namespace {

namespace ondemand = simdjson::ondemand;

// Design: every expanded pattern branch (an AND of field conditions) puts ONE
// condition, its "anchor", into the per-field value indexes; the anchor is
// the most selective condition at insertion time (exact values whose bucket
// is least crowded first, anything-but/exists last). Walking an event finds
// the branches whose anchor fired; only those are verified, by evaluating
// their other conditions on the leaves recorded for those fields. So a field
// like STREET shared by 100,000 rules with a handful of distinct values does
// not make every event touch 100,000 conditions. Ids in the value indexes
// are branch ids.
constexpr uint32_t kMaxConds = 64;
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

using IdList = std::vector<uint32_t>;

struct StrHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StrMap = std::unordered_map<std::string, V, StrHash, std::equal_to<>>;

void EraseOne(IdList* list, uint32_t id) {
  auto it = std::find(list->begin(), list->end(), id);
  if (it != list->end()) list->erase(it);
}

void EraseFromTable(StringTable<IdList>* table, std::string_view key, uint32_t id) {
  if (IdList* list = table->FindMutable(key)) {
    EraseOne(list, id);
    if (list->empty()) table->Erase(key);
  }
}

template <class Map, class Key>
void EraseFromMap(Map* map, const Key& key, uint32_t id) {
  auto it = map->find(key);
  if (it == map->end()) return;
  EraseOne(&it->second, id);
  if (it->second.empty()) map->erase(it);
}

// Prefix (or suffix) index: affix -> ids, probed once per distinct affix
// length that is not longer than the value. Distinct lengths are few even for
// many thousands of affixes, so a probe costs a handful of hash lookups.
class AffixIndex {
 public:
  explicit AffixIndex(bool suffix) : suffix_(suffix) {}

  void Add(const std::string& affix, uint32_t id) {
    by_affix_[affix].push_back(id);
    const auto len = static_cast<uint32_t>(affix.size());
    auto it = std::lower_bound(lengths_.begin(), lengths_.end(), len,
                               [](const auto& e, uint32_t l) { return e.first < l; });
    if (it != lengths_.end() && it->first == len) {
      ++it->second;
    } else {
      lengths_.insert(it, {len, 1});
    }
  }

  void Remove(const std::string& affix, uint32_t id) {
    EraseFromTable(&by_affix_, affix, id);
    const auto len = static_cast<uint32_t>(affix.size());
    auto it = std::lower_bound(lengths_.begin(), lengths_.end(), len,
                               [](const auto& e, uint32_t l) { return e.first < l; });
    if (it != lengths_.end() && it->first == len && --it->second == 0) lengths_.erase(it);
  }

  bool empty() const { return lengths_.empty(); }

  template <class F>
  void Lookup(std::string_view value, F&& on_id) const {
    for (const auto& [len, refs] : lengths_) {
      if (len > value.size()) break;
      const std::string_view key =
          suffix_ ? value.substr(value.size() - len) : value.substr(0, len);
      const IdList* ids = by_affix_.Find(key);
      if (ids == nullptr) continue;
      for (uint32_t id : *ids) on_id(id);
    }
  }

 private:
  bool suffix_;
  StringTable<IdList> by_affix_;
  std::vector<std::pair<uint32_t, uint32_t>> lengths_;  // (length, refcount), sorted
};

struct WildcardEntry {
  Wildcard glob;
  std::string text;  // the operand as written, to find the entry on removal
  uint32_t cond;
};

struct LinearEntry {
  CompiledPredicate pred;
  uint32_t cond;
};

// Everything the rules say about one field path.
struct FieldIndex {
  StringTable<IdList> exact_str;
  std::unordered_map<double, IdList> exact_num;
  IdList exact_true, exact_false, exact_null, exists;
  AffixIndex prefix{false}, prefix_ic{false}, suffix{true}, suffix_ic{true};
  StringTable<IdList> eic;
  // Wildcards anchored by a literal prefix (else suffix); values are entry ids.
  AffixIndex wc_by_prefix{false}, wc_by_suffix{true};
  std::vector<std::optional<WildcardEntry>> wildcards;
  std::vector<uint32_t> free_wildcards;
  std::vector<LinearEntry> linear;  // numeric, cidr, anything-but*, unanchored wildcards
  uint32_t folded_users = 0;        // predicates that need the case-folded value
  uint32_t store_refs = 0;          // non-anchor conditions that read this field's leaves
};

struct PathNode {
  StringTable<uint32_t> children;
  uint32_t field = kNone;  // FieldIndex id when some condition names this path
  uint32_t refs = 0;       // live conditions at or below this node
};

// A non-anchor condition, checked only for branches whose anchor fired.
struct VerifyCond {
  uint32_t field;
  bool matches_absent;
  std::vector<CompiledPredicate> preds;
};

struct Branch {
  uint32_t rule = kNone;
  uint32_t anchor = kNone;  // condition index in the value indexes; kNone: all accept absence
  std::vector<VerifyCond> verify;
  bool alive = false;
};

struct RuleSlot {
  std::string id;
  CompiledPattern pattern;
  std::vector<uint32_t> branches;
  bool alive = false;
};

struct Hit {
  uint32_t branch;
  uint32_t trail_off;
  uint32_t trail_len;
};

// A leaf kept for verification; `text` points into the simdjson buffers.
struct StoredLeaf {
  LeafType type;
  std::string_view text;
  double number;
  uint32_t trail_off;
  uint32_t trail_len;
  uint32_t next;  // previous leaf of the same field, or kNone
};

// Per-thread, per-event working memory. Stamps compare against `epoch`, which
// changes on every event, so nothing is cleared between events.
struct Scratch {
  ondemand::parser parser;
  std::string buffer;
  uint32_t epoch = 0;
  std::vector<uint32_t> branch_stamp;
  std::vector<uint8_t> branch_trail;   // some anchor hit of the branch sits in an array
  std::vector<uint8_t> branch_free;    // some anchor hit of the branch is outside arrays
  std::vector<uint32_t> touched;
  std::vector<uint32_t> field_stamp;   // == epoch: the field has a leaf in this event
  std::vector<uint32_t> field_head;    // newest StoredLeaf of the field
  std::vector<uint32_t> rule_stamp;
  std::vector<Hit> hits;
  std::vector<StoredLeaf> leaves;
  std::vector<TrailStep> trail;        // current position while walking
  std::vector<TrailStep> trail_store;  // trails of leaves that were hit or stored
  uint32_t leaf_trail_off = kNone;     // current leaf's trail in trail_store
  uint32_t next_array_id = 0;

  void Begin(size_t branches, size_t fields, size_t rules) {
    if (++epoch == 0) {
      std::fill(branch_stamp.begin(), branch_stamp.end(), 0);
      std::fill(field_stamp.begin(), field_stamp.end(), 0);
      std::fill(rule_stamp.begin(), rule_stamp.end(), 0);
      epoch = 1;
    }
    if (branch_stamp.size() < branches) {
      branch_stamp.resize(branches, 0);
      branch_trail.resize(branches, 0);
      branch_free.resize(branches, 0);
    }
    if (field_stamp.size() < fields) {
      field_stamp.resize(fields, 0);
      field_head.resize(fields, kNone);
    }
    if (rule_stamp.size() < rules) rule_stamp.resize(rules, 0);
    touched.clear();
    hits.clear();
    leaves.clear();
    trail.clear();
    trail_store.clear();
    next_array_id = 0;
  }
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace

class Matcher::Index {
 public:
  Index() { nodes_.emplace_back(); }

  size_t rule_count() const { return rule_by_id_.size(); }

  Status Add(std::string rule_id, const CompiledPattern& pattern) {
    for (const auto& branch : pattern.alternatives) {
      if (branch.conditions.size() > kMaxConds) {
        return Status::InvalidArgument("rule '" + rule_id + "': a pattern branch has more than " +
                                       std::to_string(kMaxConds) + " fields");
      }
      if (branch.conditions.empty()) {
        return Status::InvalidArgument("rule '" + rule_id + "': empty pattern branch");
      }
    }
    if (auto it = rule_by_id_.find(rule_id); it != rule_by_id_.end()) RemoveSlot(it->second);

    uint32_t slot;
    if (!free_rules_.empty()) {
      slot = free_rules_.back();
      free_rules_.pop_back();
    } else {
      slot = static_cast<uint32_t>(rules_.size());
      rules_.emplace_back();
    }
    RuleSlot& r = rules_[slot];
    r.id = rule_id;
    r.pattern = pattern;
    r.pattern.warnings.clear();
    r.branches.clear();
    r.alive = true;
    rule_by_id_.emplace(std::move(rule_id), slot);

    for (const auto& sub : r.pattern.alternatives) {
      const uint32_t b = AllocBranch();
      r.branches.push_back(b);
      Branch& br = branches_[b];
      br.rule = slot;
      br.alive = true;
      br.verify.clear();
      std::vector<uint32_t> fids;
      for (const FieldCondition& c : sub.conditions) fids.push_back(FieldFor(c.path, +1));
      br.anchor = ChooseAnchor(sub, fids);
      for (uint32_t i = 0; i < sub.conditions.size(); ++i) {
        const FieldCondition& c = sub.conditions[i];
        if (i == br.anchor) {
          for (const Predicate& p : c.predicates) Insert(*fields_[fids[i]], p, b);
          continue;
        }
        VerifyCond vc{fids[i], c.matches_absent, {}};
        for (const Predicate& p : c.predicates) vc.preds.emplace_back(p);
        br.verify.push_back(std::move(vc));
        ++fields_[fids[i]]->store_refs;
      }
      if (br.anchor == kNone) absent_only_.push_back(b);
    }
    return Status::Ok();
  }

  Status Remove(std::string_view rule_id) {
    auto it = rule_by_id_.find(rule_id);
    if (it == rule_by_id_.end()) {
      return Status::NotFound("rule '" + std::string(rule_id) + "' does not exist");
    }
    RemoveSlot(it->second);
    return Status::Ok();
  }

  Status Match(std::string_view event, std::vector<std::string>* out) const {
    out->clear();
    Scratch& s = ThreadScratch();
    s.Begin(branches_.size(), fields_.size(), rules_.size());
    s.buffer.assign(event);
    s.buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    ondemand::document doc;
    if (auto err = s.parser.iterate(s.buffer.data(), event.size(), s.buffer.size()).get(doc)) {
      return ParseError(err);
    }
    ondemand::object root;
    if (auto err = doc.get_object().get(root)) {
      return Status::InvalidArgument(std::string("event must be a JSON object: ") +
                                     simdjson::error_message(err));
    }
    if (nodes_[0].refs > 0) {
      if (auto err = WalkObject(s, root, 0)) return ParseError(err);
    }
    Collect(s, out);
    return Status::Ok();
  }

 private:
  static Status ParseError(simdjson::error_code err) {
    return Status::InvalidArgument(std::string("event is not valid JSON: ") +
                                   simdjson::error_message(err));
  }

  // Estimated branches a predicate would wake up per event if it were the
  // anchor; lower is better. For exact values: (branches already on this
  // value + 1) / (distinct values indexed on this field + 1), i.e. values of
  // a field that rules spread over many values (MAPBLKLOT) are assumed rarer
  // in events than values of a field with few (STREET), and a crowded value
  // is avoided. Operators that match ranges or nearly everything come last.
  static double PredicateCost(const FieldIndex& f, const Predicate& p) {
    auto exact = [](const IdList* ids, size_t distinct) {
      return (1.0 + (ids == nullptr ? 0 : ids->size())) / (1.0 + distinct);
    };
    switch (p.kind) {
      case PredicateKind::kExactString: return exact(f.exact_str.Find(p.text), f.exact_str.size());
      case PredicateKind::kEqualsIgnoreCase: return exact(f.eic.Find(p.text), f.eic.size());
      case PredicateKind::kExactNumber: {
        auto it = f.exact_num.find(p.number);
        return exact(it == f.exact_num.end() ? nullptr : &it->second, f.exact_num.size());
      }
      case PredicateKind::kExactTrue: return (1.0 + f.exact_true.size()) / 2;
      case PredicateKind::kExactFalse: return (1.0 + f.exact_false.size()) / 2;
      case PredicateKind::kExactNull: return (1.0 + f.exact_null.size()) / 2;
      case PredicateKind::kPrefix:
      case PredicateKind::kSuffix:
      case PredicateKind::kPrefixIgnoreCase:
      case PredicateKind::kSuffixIgnoreCase: return 0.25 + 1.0 / (2.0 + p.text.size());
      case PredicateKind::kWildcard: return 0.6;
      case PredicateKind::kNumeric:
      case PredicateKind::kCidr: return 0.8;
      default: return 1.0 + f.exists.size() + f.linear.size();  // exists, anything-but*
    }
  }

  uint32_t ChooseAnchor(const SubPattern& sub, const std::vector<uint32_t>& fids) const {
    uint32_t best = kNone;
    double best_cost = std::numeric_limits<double>::infinity();
    for (uint32_t i = 0; i < sub.conditions.size(); ++i) {
      const FieldCondition& c = sub.conditions[i];
      if (c.matches_absent) continue;  // absence cannot be looked up
      double cost = 0;
      for (const Predicate& p : c.predicates) cost += PredicateCost(*fields_[fids[i]], p);
      if (cost < best_cost) {
        best_cost = cost;
        best = i;
      }
    }
    return best;
  }

  uint32_t AllocBranch() {
    if (!free_branches_.empty()) {
      const uint32_t b = free_branches_.back();
      free_branches_.pop_back();
      return b;
    }
    branches_.emplace_back();
    return static_cast<uint32_t>(branches_.size() - 1);
  }

  // Finds (creating if needed) the FieldIndex for a dotted path and adjusts
  // the live-condition counts along it by `delta`.
  uint32_t FieldFor(const std::string& path, int delta) {
    uint32_t node = 0;
    nodes_[0].refs += delta;
    size_t start = 0;
    while (true) {
      const size_t dot = path.find('.', start);
      const std::string_view seg = std::string_view(path).substr(
          start, dot == std::string::npos ? std::string::npos : dot - start);
      const uint32_t* found = nodes_[node].children.Find(seg);
      uint32_t next;
      if (found == nullptr) {
        next = static_cast<uint32_t>(nodes_.size());
        nodes_[node].children[seg] = next;
        nodes_.emplace_back();
      } else {
        next = *found;
      }
      node = next;
      nodes_[node].refs += delta;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (nodes_[node].field == kNone) {
      nodes_[node].field = static_cast<uint32_t>(fields_.size());
      fields_.push_back(std::make_unique<FieldIndex>());
    }
    return nodes_[node].field;
  }

  void Insert(FieldIndex& f, const Predicate& p, uint32_t cond) {
    switch (p.kind) {
      case PredicateKind::kExactString: f.exact_str[p.text].push_back(cond); return;
      case PredicateKind::kExactNumber: f.exact_num[p.number].push_back(cond); return;
      case PredicateKind::kExactTrue: f.exact_true.push_back(cond); return;
      case PredicateKind::kExactFalse: f.exact_false.push_back(cond); return;
      case PredicateKind::kExactNull: f.exact_null.push_back(cond); return;
      case PredicateKind::kExistsTrue: f.exists.push_back(cond); return;
      case PredicateKind::kPrefix: f.prefix.Add(p.text, cond); return;
      case PredicateKind::kSuffix: f.suffix.Add(p.text, cond); return;
      case PredicateKind::kPrefixIgnoreCase:
        f.prefix_ic.Add(p.text, cond);
        ++f.folded_users;
        return;
      case PredicateKind::kSuffixIgnoreCase:
        f.suffix_ic.Add(p.text, cond);
        ++f.folded_users;
        return;
      case PredicateKind::kEqualsIgnoreCase:
        f.eic[p.text].push_back(cond);
        ++f.folded_users;
        return;
      case PredicateKind::kWildcard: {
        auto glob = Wildcard::Compile(p.text);
        if (glob.ok() && !(glob->literal_prefix().empty() && glob->literal_suffix().empty())) {
          uint32_t id;
          if (!f.free_wildcards.empty()) {
            id = f.free_wildcards.back();
            f.free_wildcards.pop_back();
          } else {
            id = static_cast<uint32_t>(f.wildcards.size());
            f.wildcards.emplace_back();
          }
          const bool by_prefix = !glob->literal_prefix().empty();
          const std::string anchor = by_prefix ? glob->literal_prefix() : glob->literal_suffix();
          f.wildcards[id] = WildcardEntry{std::move(glob).value(), p.text, cond};
          (by_prefix ? f.wc_by_prefix : f.wc_by_suffix).Add(anchor, id);
          return;
        }
        break;  // no literal anchor: evaluate linearly
      }
      default:
        break;
    }
    if (p.kind == PredicateKind::kAnythingButIgnoreCase) ++f.folded_users;
    f.linear.push_back(LinearEntry{CompiledPredicate(p), cond});
  }

  void Erase(FieldIndex& f, const Predicate& p, uint32_t cond) {
    switch (p.kind) {
      case PredicateKind::kExactString: EraseFromTable(&f.exact_str, p.text, cond); return;
      case PredicateKind::kExactNumber: EraseFromMap(&f.exact_num, p.number, cond); return;
      case PredicateKind::kExactTrue: EraseOne(&f.exact_true, cond); return;
      case PredicateKind::kExactFalse: EraseOne(&f.exact_false, cond); return;
      case PredicateKind::kExactNull: EraseOne(&f.exact_null, cond); return;
      case PredicateKind::kExistsTrue: EraseOne(&f.exists, cond); return;
      case PredicateKind::kPrefix: f.prefix.Remove(p.text, cond); return;
      case PredicateKind::kSuffix: f.suffix.Remove(p.text, cond); return;
      case PredicateKind::kPrefixIgnoreCase:
        f.prefix_ic.Remove(p.text, cond);
        --f.folded_users;
        return;
      case PredicateKind::kSuffixIgnoreCase:
        f.suffix_ic.Remove(p.text, cond);
        --f.folded_users;
        return;
      case PredicateKind::kEqualsIgnoreCase:
        EraseFromTable(&f.eic, p.text, cond);
        --f.folded_users;
        return;
      case PredicateKind::kWildcard: {
        auto glob = Wildcard::Compile(p.text);
        if (glob.ok() && !(glob->literal_prefix().empty() && glob->literal_suffix().empty())) {
          const bool by_prefix = !glob->literal_prefix().empty();
          const std::string anchor = by_prefix ? glob->literal_prefix() : glob->literal_suffix();
          for (uint32_t id = 0; id < f.wildcards.size(); ++id) {
            auto& e = f.wildcards[id];
            if (e && e->cond == cond && e->text == p.text) {
              (by_prefix ? f.wc_by_prefix : f.wc_by_suffix).Remove(anchor, id);
              e.reset();
              f.free_wildcards.push_back(id);
              return;
            }
          }
          return;
        }
        break;
      }
      default:
        break;
    }
    if (p.kind == PredicateKind::kAnythingButIgnoreCase) --f.folded_users;
    for (auto it = f.linear.begin(); it != f.linear.end(); ++it) {
      if (it->cond == cond && it->pred.predicate() == p) {
        f.linear.erase(it);
        return;
      }
    }
  }

  void RemoveSlot(uint32_t slot) {
    RuleSlot& r = rules_[slot];
    for (size_t bi = 0; bi < r.branches.size(); ++bi) {
      const uint32_t b = r.branches[bi];
      Branch& br = branches_[b];
      const SubPattern& sub = r.pattern.alternatives[bi];
      for (uint32_t i = 0; i < sub.conditions.size(); ++i) {
        const FieldCondition& c = sub.conditions[i];
        const uint32_t fid = FieldFor(c.path, -1);
        if (i == br.anchor) {
          for (const Predicate& p : c.predicates) Erase(*fields_[fid], p, b);
        } else {
          --fields_[fid]->store_refs;
        }
      }
      if (br.anchor == kNone) EraseOne(&absent_only_, b);
      br.alive = false;
      br.rule = kNone;
      br.verify.clear();
      free_branches_.push_back(b);
    }
    rule_by_id_.erase(r.id);
    r = RuleSlot();
    free_rules_.push_back(slot);
  }

  // ---- matching ------------------------------------------------------------

  // The current leaf's trail in trail_store (copied at most once per leaf).
  static void CurrentTrail(Scratch& s, uint32_t* off, uint32_t* len) {
    if (s.trail.empty()) {
      *off = *len = 0;
      return;
    }
    if (s.leaf_trail_off == kNone) {
      s.leaf_trail_off = static_cast<uint32_t>(s.trail_store.size());
      s.trail_store.insert(s.trail_store.end(), s.trail.begin(), s.trail.end());
    }
    *off = s.leaf_trail_off;
    *len = static_cast<uint32_t>(s.trail.size());
  }

  void OnHit(Scratch& s, uint32_t b) const {
    if (s.branch_stamp[b] != s.epoch) {
      s.branch_stamp[b] = s.epoch;
      s.branch_trail[b] = 0;
      s.branch_free[b] = 0;
      s.touched.push_back(b);
    }
    uint32_t off, len;
    CurrentTrail(s, &off, &len);
    if (len > 0) {
      s.branch_trail[b] = 1;
      s.hits.push_back(Hit{b, off, len});
    } else {
      s.branch_free[b] = 1;
    }
  }

  static void MarkPresent(Scratch& s, uint32_t fid) {
    if (s.field_stamp[fid] != s.epoch) {
      s.field_stamp[fid] = s.epoch;
      s.field_head[fid] = kNone;
    }
  }

  void OnLeaf(Scratch& s, uint32_t fid, const Leaf& leaf) const {
    MarkPresent(s, fid);
    s.leaf_trail_off = kNone;
    const FieldIndex& f = *fields_[fid];
    auto hit = [&](uint32_t cond) { OnHit(s, cond); };
    switch (leaf.type()) {
      case LeafType::kString: {
        const std::string_view v = leaf.text();
        if (const IdList* ids = f.exact_str.Find(v)) {
          for (uint32_t c : *ids) hit(c);
        }
        f.prefix.Lookup(v, hit);
        f.suffix.Lookup(v, hit);
        auto glob_hit = [&](uint32_t id) {
          const WildcardEntry& e = *f.wildcards[id];
          if (e.glob.Matches(v)) hit(e.cond);
        };
        f.wc_by_prefix.Lookup(v, glob_hit);
        f.wc_by_suffix.Lookup(v, glob_hit);
        if (f.folded_users > 0) {
          const std::string& folded = leaf.Folded();
          if (const IdList* ids = f.eic.Find(folded)) {
            for (uint32_t c : *ids) hit(c);
          }
          f.prefix_ic.Lookup(folded, hit);
          f.suffix_ic.Lookup(folded, hit);
        }
        break;
      }
      case LeafType::kNumber:
        if (!f.exact_num.empty()) {
          if (auto it = f.exact_num.find(CanonicalNumber(leaf.number())); it != f.exact_num.end()) {
            for (uint32_t c : it->second) hit(c);
          }
        }
        break;
      case LeafType::kTrue:
        for (uint32_t c : f.exact_true) hit(c);
        break;
      case LeafType::kFalse:
        for (uint32_t c : f.exact_false) hit(c);
        break;
      case LeafType::kNull:
        for (uint32_t c : f.exact_null) hit(c);
        break;
    }
    for (uint32_t c : f.exists) hit(c);
    for (const LinearEntry& e : f.linear) {
      if (e.pred.Matches(leaf)) hit(e.cond);
    }
    if (f.store_refs > 0) {
      uint32_t off, len;
      CurrentTrail(s, &off, &len);
      s.leaves.push_back(StoredLeaf{leaf.type(), leaf.text(), leaf.number(), off, len,
                                    s.field_head[fid]});
      s.field_head[fid] = static_cast<uint32_t>(s.leaves.size() - 1);
    }
  }

  // The path-trie node reached from `node` by an event key; kNone when no
  // rule names anything under it. Keys containing '.' take several steps, so
  // {"a.b": 1} and {"a": {"b": 1}} reach the same field (EventBridge joins
  // path segments with '.').
  uint32_t Step(uint32_t node, std::string_view key) const {
    while (true) {
      const size_t dot = key.find('.');
      const auto& children = nodes_[node].children;
      const uint32_t* child = children.Find(dot == std::string_view::npos ? key : key.substr(0, dot));
      if (child == nullptr || nodes_[*child].refs == 0) return kNone;
      node = *child;
      if (dot == std::string_view::npos) return node;
      key.remove_prefix(dot + 1);
    }
  }

  simdjson::error_code WalkObject(Scratch& s, ondemand::object obj, uint32_t node) const {
    if (nodes_[node].children.empty()) return simdjson::SUCCESS;
    for (auto field_result : obj) {
      ondemand::field field;
      if (auto err = std::move(field_result).get(field)) return err;
      // Fast path: read the raw key in place; only keys with escapes are
      // unescaped (stage 1 guarantees the closing quote exists).
      const char* raw = field.key().raw();
      const char* end = raw;
      while (*end != '"' && *end != '\\') ++end;
      std::string_view key(raw, static_cast<size_t>(end - raw));
      if (*end == '\\') {
        if (auto err = field.unescaped_key().get(key)) return err;
      }
      const uint32_t child = Step(node, key);
      if (child == kNone) continue;  // the iterator skips the unread value
      if (auto err = WalkValue(s, field.value(), child)) return err;
    }
    return simdjson::SUCCESS;
  }

  simdjson::error_code WalkValue(Scratch& s, ondemand::value v, uint32_t node) const {
    ondemand::json_type type;
    if (auto err = v.type().get(type)) return err;
    const uint32_t fid = nodes_[node].field;
    switch (type) {
      case ondemand::json_type::object: {
        ondemand::object obj;
        if (auto err = v.get_object().get(obj)) return err;
        return WalkObject(s, obj, node);
      }
      case ondemand::json_type::array: {
        ondemand::array arr;
        if (auto err = v.get_array().get(arr)) return err;
        const uint32_t id = s.next_array_id++;
        uint32_t index = 0;
        for (auto element : arr) {
          ondemand::value ev;
          if (auto err = element.get(ev)) return err;
          s.trail.push_back(TrailStep{id, index++});
          auto err = WalkValue(s, ev, node);
          s.trail.pop_back();
          if (err) return err;
        }
        return simdjson::SUCCESS;
      }
      case ondemand::json_type::string: {
        if (fid == kNone) return simdjson::SUCCESS;
        std::string_view str;
        if (auto err = v.get_string().get(str)) return err;
        OnLeaf(s, fid, Leaf::String(str));
        return simdjson::SUCCESS;
      }
      case ondemand::json_type::number: {
        if (fid == kNone) return simdjson::SUCCESS;
        double d;
        if (v.get_double().get(d)) {
          // Out of double range: the field is present but matches no value test.
          MarkPresent(s, fid);
          return simdjson::SUCCESS;
        }
        OnLeaf(s, fid, Leaf::Number(d));
        return simdjson::SUCCESS;
      }
      case ondemand::json_type::boolean: {
        if (fid == kNone) return simdjson::SUCCESS;
        bool b;
        if (auto err = v.get_bool().get(b)) return err;
        OnLeaf(s, fid, Leaf::Of(b ? LeafType::kTrue : LeafType::kFalse));
        return simdjson::SUCCESS;
      }
      case ondemand::json_type::null: {
        if (fid == kNone) return simdjson::SUCCESS;
        bool is_null = false;
        if (auto err = v.is_null().get(is_null)) return err;
        OnLeaf(s, fid, Leaf::Of(LeafType::kNull));
        return simdjson::SUCCESS;
      }
    }
    return simdjson::SUCCESS;
  }

  static Leaf ToLeaf(const StoredLeaf& l) {
    switch (l.type) {
      case LeafType::kString: return Leaf::String(l.text);
      case LeafType::kNumber: return Leaf::Number(l.number);
      default: return Leaf::Of(l.type);
    }
  }

  static bool AnyMatches(const VerifyCond& vc, const Leaf& leaf) {
    for (const CompiledPredicate& p : vc.preds) {
      if (p.Matches(leaf)) return true;
    }
    return false;
  }

  // Checks the branch's non-anchor conditions (and array consistency) given
  // that its anchor fired (or that it has no anchor).
  bool Verify(Scratch& s, uint32_t b) const {
    const Branch& br = branches_[b];
    // Conditions whose satisfying leaves all sit inside arrays constrain each
    // other; a satisfying leaf outside any array is compatible with anything.
    bool anchor_constrained = br.anchor != kNone && !s.branch_free[b];
    size_t constrained = anchor_constrained ? 1 : 0;
    uint64_t constrained_mask = 0;
    for (size_t i = 0; i < br.verify.size(); ++i) {
      const VerifyCond& vc = br.verify[i];
      if (s.field_stamp[vc.field] != s.epoch) {
        if (vc.matches_absent) continue;
        return false;
      }
      bool found = false, free = false;
      for (uint32_t l = s.field_head[vc.field]; l != kNone; l = s.leaves[l].next) {
        const StoredLeaf& sl = s.leaves[l];
        if (!AnyMatches(vc, ToLeaf(sl))) continue;
        found = true;
        if (sl.trail_len == 0) {
          free = true;
          break;
        }
      }
      if (!found) return false;
      if (!free) {
        ++constrained;
        constrained_mask |= uint64_t{1} << i;
      }
    }
    if (constrained < 2) return true;
    return Consistent(s, b, anchor_constrained, constrained_mask);
  }

  // Backtracking search for one leaf per constrained condition such that all
  // chosen leaves agree on the element index of every array they share.
  bool Consistent(Scratch& s, uint32_t b, bool anchor_constrained, uint64_t mask) const {
    const Branch& br = branches_[b];
    using Span = std::span<const TrailStep>;
    std::vector<std::vector<Span>> cands;
    if (anchor_constrained) {
      cands.emplace_back();
      for (const Hit& h : s.hits) {
        if (h.branch == b) cands.back().emplace_back(s.trail_store.data() + h.trail_off, h.trail_len);
      }
    }
    for (size_t i = 0; i < br.verify.size(); ++i) {
      if (!(mask & (uint64_t{1} << i))) continue;
      cands.emplace_back();
      const VerifyCond& vc = br.verify[i];
      for (uint32_t l = s.field_head[vc.field]; l != kNone; l = s.leaves[l].next) {
        const StoredLeaf& sl = s.leaves[l];
        if (AnyMatches(vc, ToLeaf(sl))) {
          cands.back().emplace_back(s.trail_store.data() + sl.trail_off, sl.trail_len);
        }
      }
    }
    if (cands.size() == 2) return PairCompatible(cands[0], cands[1], 0);
    std::sort(cands.begin(), cands.end(),
              [](const auto& x, const auto& y) { return x.size() < y.size(); });
    std::vector<Span> chosen;
    std::function<bool(size_t)> search = [&](size_t k) -> bool {
      if (k == cands.size()) return true;
      for (const Span& c : cands[k]) {
        bool ok = true;
        for (const Span& prev : chosen) {
          if (!TrailsCompatible(prev, c)) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        chosen.push_back(c);
        if (search(k + 1)) return true;
        chosen.pop_back();
      }
      return false;
    };
    return search(0);
  }

  // Two conditions (the common case, e.g. {"emp":{"first":[..],"last":[..]}}):
  // is there a compatible pair? Trails are root-first and array ids are unique
  // per array instance, so two trails agree on all steps before depth d here
  // and conflict only where they reach the same array with different
  // indexes. Grouping by the element index at each depth makes this linear in
  // the number of candidates (the pairwise search is quadratic on events with
  // thousands of array elements).
  static bool PairCompatible(const std::vector<std::span<const TrailStep>>& a,
                             const std::vector<std::span<const TrailStep>>& b, size_t d) {
    if (a.empty() || b.empty()) return false;
    // A trail that ends here sits in every array the other one shares with it
    // at the same elements, so it is compatible with all of them.
    for (const auto& t : a) {
      if (t.size() <= d) return true;
    }
    for (const auto& t : b) {
      if (t.size() <= d) return true;
    }
    // Two different arrays at this depth: the pair shares no further array.
    const uint32_t array = a[0][d].array_id;
    for (const auto& t : a) {
      if (t[d].array_id != array) return true;
    }
    for (const auto& t : b) {
      if (t[d].array_id != array) return true;
    }
    // All in one array: only candidates in the same element can pair up.
    std::unordered_map<uint32_t, std::vector<std::span<const TrailStep>>> by_index;
    for (const auto& t : a) by_index[t[d].index].push_back(t);
    std::unordered_map<uint32_t, std::vector<std::span<const TrailStep>>> b_by_index;
    for (const auto& t : b) {
      if (by_index.count(t[d].index)) b_by_index[t[d].index].push_back(t);
    }
    for (const auto& [index, bs] : b_by_index) {
      if (PairCompatible(by_index[index], bs, d + 1)) return true;
    }
    return false;
  }

  void Consider(Scratch& s, uint32_t b, std::vector<uint32_t>* matched_rules) const {
    const Branch& br = branches_[b];
    if (!br.alive || s.rule_stamp[br.rule] == s.epoch) return;
    if (!Verify(s, b)) return;
    s.rule_stamp[br.rule] = s.epoch;
    matched_rules->push_back(br.rule);
  }

  void Collect(Scratch& s, std::vector<std::string>* out) const {
    std::vector<uint32_t> matched;
    for (uint32_t b : s.touched) Consider(s, b, &matched);
    for (uint32_t b : absent_only_) Consider(s, b, &matched);
    out->reserve(matched.size());
    for (uint32_t r : matched) out->push_back(rules_[r].id);
    std::sort(out->begin(), out->end());
  }

  std::vector<PathNode> nodes_;
  std::vector<std::unique_ptr<FieldIndex>> fields_;
  std::vector<Branch> branches_;
  std::vector<uint32_t> free_branches_;
  std::vector<uint32_t> absent_only_;  // branches with no anchor, checked on every event
  std::vector<RuleSlot> rules_;
  std::vector<uint32_t> free_rules_;
  StrMap<uint32_t> rule_by_id_;
};

Matcher::Matcher(PatternLimits limits) : limits_(limits), index_(std::make_unique<Index>()) {}
Matcher::~Matcher() = default;

Status Matcher::AddRule(std::string rule_id, std::string_view pattern_json) {
  MESHD_ASSIGN_OR_RETURN(CompiledPattern compiled, ParsePattern(pattern_json, limits_));
  return AddRule(std::move(rule_id), compiled);
}

Status Matcher::AddRule(std::string rule_id, const CompiledPattern& pattern) {
  std::unique_lock lock(mu_);
  return index_->Add(std::move(rule_id), pattern);
}

Status Matcher::RemoveRule(std::string_view rule_id) {
  std::unique_lock lock(mu_);
  return index_->Remove(rule_id);
}

std::vector<std::string> Matcher::MatchesForEvent(std::string_view event_json) const {
  std::vector<std::string> out;
  Match(event_json, &out).IgnoreError();  // an unparsable event matches nothing
  return out;
}

Status Matcher::Match(std::string_view event_json, std::vector<std::string>* rule_ids) const {
  std::shared_lock lock(mu_);
  Status st = index_->Match(event_json, rule_ids);
  if (!st.ok()) rule_ids->clear();
  return st;
}

size_t Matcher::rule_count() const {
  std::shared_lock lock(mu_);
  return index_->rule_count();
}

Result<bool> TestPattern(std::string_view pattern_json, std::string_view event_json,
                         const PatternLimits& limits) {
  Matcher m(limits);
  MESHD_TRY(m.AddRule("test", pattern_json));
  std::vector<std::string> ids;
  MESHD_TRY(m.Match(event_json, &ids));
  return !ids.empty();
}

}  // namespace meshd::pattern
