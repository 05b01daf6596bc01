#pragma once
// Case folding for equals-ignore-case and the *-ignore-case operators.
//
// Simple (one code point to one code point) folding, as quamina does: ASCII,
// Latin-1, Latin Extended-A, Greek and Cyrillic capitals map to their lower
// case. Full folding ("ß" ~ "SS", as event-ruler does) is deliberately not
// done: it changes string lengths, which breaks prefix/suffix indexing.
// Invalid UTF-8 bytes are copied through unchanged.

#include <string>
#include <string_view>

namespace meshd::pattern {

// Appends the folded form of `in` to `*out` (cleared first).
void FoldCase(std::string_view in, std::string* out);
std::string FoldCase(std::string_view in);

}  // namespace meshd::pattern
