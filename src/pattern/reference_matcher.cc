#include "pattern/reference_matcher.h"

#include <simdjson.h>

#include <functional>
#include <string>
#include <vector>

#include "pattern/array_trail.h"
#include "pattern/predicate.h"

namespace meshd::pattern {
namespace {

namespace dom = simdjson::dom;

struct FlatLeaf {
  std::string path;
  LeafType type;
  std::string text;
  double number = 0;
  bool number_ok = true;
  std::vector<TrailStep> trail;
};

class Flattener {
 public:
  void Walk(dom::element e, const std::string& path, std::vector<TrailStep>* trail) {
    switch (e.type()) {
      case dom::element_type::OBJECT:
        for (auto f : dom::object(e.get_object())) {
          Walk(f.value, path.empty() ? std::string(f.key) : path + "." + std::string(f.key), trail);
        }
        return;
      case dom::element_type::ARRAY: {
        const uint32_t id = next_array_id_++;
        uint32_t idx = 0;
        for (dom::element x : dom::array(e.get_array())) {
          trail->push_back({id, idx++});
          Walk(x, path, trail);
          trail->pop_back();
        }
        return;
      }
      default:
        break;
    }
    FlatLeaf leaf;
    leaf.path = path;
    leaf.trail = *trail;
    switch (e.type()) {
      case dom::element_type::STRING:
        leaf.type = LeafType::kString;
        leaf.text = std::string(std::string_view(e));
        break;
      case dom::element_type::INT64:
        leaf.type = LeafType::kNumber;
        leaf.number = static_cast<double>(int64_t(e));
        break;
      case dom::element_type::UINT64:
        leaf.type = LeafType::kNumber;
        leaf.number = static_cast<double>(uint64_t(e));
        break;
      case dom::element_type::DOUBLE:
        leaf.type = LeafType::kNumber;
        leaf.number = double(e);
        break;
      case dom::element_type::BOOL:
        leaf.type = bool(e) ? LeafType::kTrue : LeafType::kFalse;
        break;
      default:
        leaf.type = LeafType::kNull;
        break;
    }
    leaves.push_back(std::move(leaf));
  }

  std::vector<FlatLeaf> leaves;

 private:
  uint32_t next_array_id_ = 0;
};

bool LeafMatchesCondition(const FlatLeaf& leaf, const FieldCondition& cond) {
  const Leaf v = leaf.type == LeafType::kString   ? Leaf::String(leaf.text)
                 : leaf.type == LeafType::kNumber ? Leaf::Number(leaf.number)
                                                  : Leaf::Of(leaf.type);
  for (const auto& p : cond.predicates) {
    if (PredicateMatches(p, v)) return true;
  }
  return false;
}

bool BranchMatches(const SubPattern& branch, const std::vector<FlatLeaf>& leaves) {
  // candidates[i]: leaves satisfying condition i; empty + `free` when satisfied by absence.
  std::vector<std::vector<const FlatLeaf*>> candidates(branch.conditions.size());
  std::vector<bool> free(branch.conditions.size(), false);
  for (size_t i = 0; i < branch.conditions.size(); ++i) {
    const FieldCondition& cond = branch.conditions[i];
    bool present = false;
    for (const FlatLeaf& leaf : leaves) {
      if (leaf.path != cond.path) continue;
      present = true;
      if (LeafMatchesCondition(leaf, cond)) candidates[i].push_back(&leaf);
    }
    if (candidates[i].empty()) {
      if (cond.matches_absent && !present) {
        free[i] = true;
      } else {
        return false;
      }
    }
  }
  std::vector<const FlatLeaf*> chosen;
  std::function<bool(size_t)> search = [&](size_t i) -> bool {
    if (i == candidates.size()) return true;
    if (free[i]) return search(i + 1);
    for (const FlatLeaf* c : candidates[i]) {
      bool ok = true;
      for (const FlatLeaf* prev : chosen) {
        if (!TrailsCompatible(prev->trail, c->trail)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      chosen.push_back(c);
      if (search(i + 1)) return true;
      chosen.pop_back();
    }
    return false;
  };
  return search(0);
}

}  // namespace

struct ReferenceEvent::Leaves {
  std::vector<FlatLeaf> leaves;
};

ReferenceEvent::ReferenceEvent() : leaves_(std::make_unique<Leaves>()) {}
ReferenceEvent::ReferenceEvent(ReferenceEvent&&) noexcept = default;
ReferenceEvent& ReferenceEvent::operator=(ReferenceEvent&&) noexcept = default;
ReferenceEvent::~ReferenceEvent() = default;

Result<ReferenceEvent> ReferenceEvent::Parse(std::string_view event_json) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(event_json.data(), event_json.size()).get(root)) {
    return Status::InvalidArgument(std::string("event is not valid JSON: ") +
                                   simdjson::error_message(err));
  }
  if (root.type() != dom::element_type::OBJECT) {
    return Status::InvalidArgument("event must be a JSON object");
  }
  Flattener f;
  std::vector<TrailStep> trail;
  f.Walk(root, "", &trail);
  ReferenceEvent ev;
  ev.leaves_->leaves = std::move(f.leaves);
  return ev;
}

bool ReferenceEvent::Matches(const CompiledPattern& pattern) const {
  for (const auto& branch : pattern.alternatives) {
    if (BranchMatches(branch, leaves_->leaves)) return true;
  }
  return false;
}

Result<bool> ReferenceMatch(const CompiledPattern& pattern, std::string_view event_json) {
  MESHD_ASSIGN_OR_RETURN(ReferenceEvent ev, ReferenceEvent::Parse(event_json));
  return ev.Matches(pattern);
}

}  // namespace meshd::pattern
