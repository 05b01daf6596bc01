#pragma once
// EventBridge `wildcard` globs: '*' matches any run of characters, including
// none; "\*" is a literal star and "\\" a literal backslash. "**" and any other
// backslash escape are invalid. Matching is byte-wise and anchored at both ends.

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace meshd::pattern {

class Wildcard {
 public:
  // Validates and compiles `glob` (the operand after JSON unescaping).
  static Result<Wildcard> Compile(std::string_view glob);

  bool Matches(std::string_view value) const;

  // The literal text before the first star / after the last star; with no
  // star at all the whole literal (then star_count() == 0).
  const std::string& literal_prefix() const { return segments_.front(); }
  const std::string& literal_suffix() const { return segments_.back(); }
  size_t star_count() const { return segments_.size() - 1; }

 private:
  // Literal pieces between stars; size() == stars + 1.
  std::vector<std::string> segments_;
};

}  // namespace meshd::pattern
