#pragma once
// Matcher: all rules of one bus compiled into one shared index.
//
// Contract:
// - AddRule(id, pattern) parses and validates the pattern, then adds it; an
//   existing rule with the same id is replaced (PutRule semantics). A rejected
//   pattern leaves the matcher unchanged.
// - MatchesForEvent(event) returns the ids of the rules whose pattern matches
//   the event, each once, sorted. The event is parsed once (simdjson
//   on-demand) and only fields named by some rule are visited. Cost per event
//   depends on the fields visited and the conditions they satisfy, not on the
//   number of rules.
//
// Thread-safety: any number of concurrent MatchesForEvent/Match callers with
// occasional AddRule/RemoveRule writers. A writer-preferring reader-writer
// lock guards the index (readers share, writers are exclusive; a queued
// writer holds back new readers so it cannot starve), so a writer waits for
// in-flight events and readers never see a half-applied rule. Parsing a
// pattern happens before the lock is taken. Per-event scratch memory
// (simdjson parser, counters) is thread_local, so readers do not contend on
// anything but the lock word.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "pattern/pattern.h"
#include "pattern/rw_lock.h"

namespace meshd::pattern {

class Matcher {
 public:
  explicit Matcher(PatternLimits limits = PatternLimits());
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Parses `pattern_json` (InvalidArgument naming the JSON path on error).
  Status AddRule(std::string rule_id, std::string_view pattern_json);
  // Adds an already parsed pattern (e.g. from ParsePattern for its warnings).
  Status AddRule(std::string rule_id, const CompiledPattern& pattern);
  // NotFound if no rule has this id.
  Status RemoveRule(std::string_view rule_id);

  // Matching rule ids, sorted. An event that is not a valid JSON object
  // matches nothing (use Match() to see why).
  std::vector<std::string> MatchesForEvent(std::string_view event_json) const;
  // Same, but reports an unparsable event as InvalidArgument. `*rule_ids` is
  // cleared first. The walk skips subtrees no rule names without validating
  // them, so a syntax error there may go unnoticed (the event still matches
  // on the parts that were read).
  Status Match(std::string_view event_json, std::vector<std::string>* rule_ids) const;

  size_t rule_count() const;

 private:
  class Index;
  PatternLimits limits_;
  mutable WriterPreferringRwLock mu_;
  std::unique_ptr<Index> index_;  // guarded by mu_
};

// One-off check, as EventBridge's TestEventPattern: parses the pattern
// (errors as in ParsePattern) and the event (InvalidArgument if not a JSON
// object) and answers whether they match.
Result<bool> TestPattern(std::string_view pattern_json, std::string_view event_json,
                         const PatternLimits& limits = PatternLimits());

}  // namespace meshd::pattern
