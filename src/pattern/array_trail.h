#pragma once
// Array consistency (EventBridge / event-ruler `rulesForJSONEvent`):
// every leaf of an event carries its trail, the (array, element index) pairs
// of the arrays it sits in. Two leaves may satisfy fields of the same pattern
// branch only if they agree on the element index of every array they share,
// so {"emp":[{"first":"Anna","last":"Smith"},{"first":"Peter","last":"Jones"}]}
// does not match first=Anna AND last=Jones.

#include <cstdint>
#include <span>

namespace meshd::pattern {

struct TrailStep {
  uint32_t array_id;  // unique per array instance within one event
  uint32_t index;     // element index in that array
};

inline bool TrailsCompatible(std::span<const TrailStep> a, std::span<const TrailStep> b) {
  // Trails are root-first paths, so shared arrays form a common prefix; the
  // first shared array decides, but checking all is cheap and simpler.
  for (const TrailStep& x : a) {
    for (const TrailStep& y : b) {
      if (x.array_id == y.array_id && x.index != y.index) return false;
    }
  }
  return true;
}

}  // namespace meshd::pattern
