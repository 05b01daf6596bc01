#include "pattern/wildcard.h"

namespace meshd::pattern {

Result<Wildcard> Wildcard::Compile(std::string_view glob) {
  Wildcard w;
  w.segments_.emplace_back();
  bool last_was_star = false;
  for (size_t i = 0; i < glob.size(); ++i) {
    const char c = glob[i];
    if (c == '\\') {
      if (i + 1 >= glob.size() || (glob[i + 1] != '*' && glob[i + 1] != '\\')) {
        return Status::InvalidArgument("wildcard '" + std::string(glob) +
                                       "': only \\* and \\\\ escapes are allowed");
      }
      w.segments_.back().push_back(glob[++i]);
      last_was_star = false;
    } else if (c == '*') {
      if (last_was_star) {
        return Status::InvalidArgument("wildcard '" + std::string(glob) +
                                       "': consecutive '**' is not allowed");
      }
      w.segments_.emplace_back();
      last_was_star = true;
    } else {
      w.segments_.back().push_back(c);
      last_was_star = false;
    }
  }
  return w;
}

bool Wildcard::Matches(std::string_view value) const {
  const std::string& first = segments_.front();
  if (segments_.size() == 1) return value == first;
  const std::string& last = segments_.back();
  if (value.size() < first.size() + last.size()) return false;
  if (value.compare(0, first.size(), first) != 0) return false;
  if (value.compare(value.size() - last.size(), last.size(), last) != 0) return false;
  // Middle segments: greedy leftmost placement is optimal for '*'-only globs.
  size_t pos = first.size();
  const size_t end = value.size() - last.size();
  for (size_t s = 1; s + 1 < segments_.size(); ++s) {
    const std::string& seg = segments_[s];
    if (seg.empty()) continue;
    const size_t found = value.substr(0, end).find(seg, pos);
    if (found == std::string_view::npos) return false;
    pos = found + seg.size();
  }
  return pos <= end;
}

}  // namespace meshd::pattern
