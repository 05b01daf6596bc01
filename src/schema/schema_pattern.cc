#include "schema/schema_pattern.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace meshd::schema {

namespace {

using Bytes = std::array<uint64_t, 4>;

void AddByte(Bytes& b, unsigned char c) { b[c >> 6] |= uint64_t{1} << (c & 63); }
void AddRange(Bytes& b, unsigned char lo, unsigned char hi) {
  for (unsigned c = lo; c <= hi; ++c) AddByte(b, static_cast<unsigned char>(c));
}
Bytes Complement(const Bytes& b) { return {~b[0], ~b[1], ~b[2], ~b[3]}; }
void Union(Bytes& into, const Bytes& b) {
  for (size_t i = 0; i < 4; ++i) into[i] |= b[i];
}

// \d \w \s and their negations, as std::regex's "C"-locale traits define
// them over `char` (ASCII only; \s is the six C isspace bytes).
std::optional<Bytes> ClassEscape(char e) {
  Bytes b{};
  switch (e) {
    case 'd': case 'D': AddRange(b, '0', '9'); break;
    case 'w': case 'W': AddRange(b, '0', '9'); AddRange(b, 'a', 'z'); AddRange(b, 'A', 'Z'); AddByte(b, '_'); break;
    case 's': case 'S': for (char c : {' ', '\t', '\n', '\v', '\f', '\r'}) AddByte(b, static_cast<unsigned char>(c)); break;
    default: return std::nullopt;
  }
  if (e == 'D' || e == 'W' || e == 'S') b = Complement(b);
  return b;
}

bool IsAsciiPunct(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u < 0x7f && !std::isalnum(u);
}

bool IsSyntax(char c) {
  return std::string_view("^$\\.*+?()[]{}|").find(c) != std::string_view::npos;
}

}  // namespace

// Accepts only the subset described in the header; returns false (keep
// std::regex) for anything else, including syntax it is unsure about.
bool SchemaPattern::ParseSimple(std::string_view p, SchemaPattern& out) {
  size_t i = 0;
  const size_t n = p.size();
  if (i < n && p[i] == '^') {
    out.anchored_start_ = true;
    ++i;
  }
  while (i < n) {
    char c = p[i];
    if (static_cast<unsigned char>(c) >= 0x80) return false;
    if (c == '$') {
      if (i + 1 != n) return false;
      out.anchored_end_ = true;
      break;
    }
    Atom a;
    if (c == '.') {
      a.bytes = Complement(Bytes{});
      a.bytes['\n' >> 6] &= ~(uint64_t{1} << ('\n' & 63));
      a.bytes['\r' >> 6] &= ~(uint64_t{1} << ('\r' & 63));
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= n) return false;
      char e = p[i + 1];
      if (auto cls = ClassEscape(e)) {
        a.bytes = *cls;
      } else if (IsAsciiPunct(e)) {
        AddByte(a.bytes, static_cast<unsigned char>(e));
      } else {
        return false;
      }
      i += 2;
    } else if (c == '[') {
      size_t j = i + 1;
      bool negate = j < n && p[j] == '^';
      if (negate) ++j;
      const size_t first = j;
      if (j >= n || p[j] == ']') return false;  // "[]" / "[^]": leave to std::regex
      while (j < n && p[j] != ']') {
        char ch = p[j];
        if (static_cast<unsigned char>(ch) >= 0x80) return false;
        if (ch == '\\') {
          if (j + 1 >= n) return false;
          char e = p[j + 1];
          if (auto cls = ClassEscape(e)) {
            if (j + 2 < n && p[j + 2] == '-' && j + 3 < n && p[j + 3] != ']') return false;
            Union(a.bytes, *cls);
            j += 2;
            continue;
          }
          if (!IsAsciiPunct(e)) return false;
          ch = e;
          j += 2;
        } else {
          if (ch == '-' && j != first && !(j + 1 < n && p[j + 1] == ']')) return false;
          if (ch == '[') return false;  // "[[:alpha:]]" and friends
          ++j;
        }
        if (j + 1 < n && p[j] == '-' && p[j + 1] != ']') {
          char hi = p[j + 1];
          if (hi == '\\' || hi == '[' || static_cast<unsigned char>(hi) >= 0x80) return false;
          if (static_cast<unsigned char>(hi) < static_cast<unsigned char>(ch)) return false;
          AddRange(a.bytes, static_cast<unsigned char>(ch), static_cast<unsigned char>(hi));
          j += 2;
        } else {
          AddByte(a.bytes, static_cast<unsigned char>(ch));
        }
      }
      if (j >= n) return false;  // unterminated
      if (negate) a.bytes = Complement(a.bytes);
      i = j + 1;
    } else if (IsSyntax(c)) {
      return false;
    } else {
      AddByte(a.bytes, static_cast<unsigned char>(c));
      ++i;
    }
    if (i < n) {
      char q = p[i];
      if (q == '*') { a.min = 0; a.max = kUnbounded; ++i; }
      else if (q == '+') { a.min = 1; a.max = kUnbounded; ++i; }
      else if (q == '?') { a.min = 0; a.max = 1; ++i; }
      else if (q == '{') {
        size_t j = i + 1;
        auto digits = [&](uint32_t* v) {
          size_t s = j;
          uint64_t x = 0;
          while (j < n && p[j] >= '0' && p[j] <= '9' && j - s < 6) x = x * 10 + static_cast<uint64_t>(p[j++] - '0');
          *v = static_cast<uint32_t>(x);
          return j > s && !(j < n && p[j] >= '0' && p[j] <= '9');
        };
        uint32_t lo = 0, hi = 0;
        if (!digits(&lo)) return false;
        if (j < n && p[j] == '}') {
          hi = lo;
        } else if (j < n && p[j] == ',') {
          ++j;
          if (j < n && p[j] == '}') {
            hi = kUnbounded;
          } else if (!digits(&hi) || hi < lo) {
            return false;
          }
          if (!(j < n && p[j] == '}')) return false;
        } else {
          return false;
        }
        a.min = lo;
        a.max = hi;
        i = j + 1;
      }
      // A lazy or doubled quantifier: leave to std::regex.
      if (i < n && (p[i] == '?' || p[i] == '*' || p[i] == '+' || p[i] == '{') &&
          (a.min != 1 || a.max != 1)) {
        return false;
      }
    }
    out.atoms_.push_back(a);
  }
  return true;
}

Result<SchemaPattern> SchemaPattern::Compile(const std::string& pattern) {
  SchemaPattern out;
  try {
    // Always compiled: std::regex decides which patterns are valid.
    out.regex_.emplace(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return Status::InvalidArgument("invalid regular expression '" + pattern + "'");
  }
  SchemaPattern simple;
  if (pattern.size() <= 256 && ParseSimple(pattern, simple) && simple.atoms_.size() <= 64) {
    simple.greedy_ = simple.anchored_start_ && simple.GreedyIsExact();
    if (simple.greedy_) {
      size_t& k = simple.greedy_from_;
      for (; k < simple.atoms_.size() && k < 8; ++k) {
        const Atom& a = simple.atoms_[k];
        if (a.min != 1 || a.max != 1) break;
        int members = 0, byte = 0;
        for (int c = 0; c < 256 && members < 2; ++c) {
          if (a.Has(static_cast<unsigned char>(c))) ++members, byte = c;
        }
        if (members != 1) break;
        simple.prefix_word_ |= uint64_t(byte) << (8 * k);
        simple.prefix_mask_ |= uint64_t{0xFF} << (8 * k);
      }
    }
    return simple;
  }
  return out;
}

// Greedy matching (each atom takes the longest run it may) never needs to
// back off when no atom of variable length shares a byte with what can
// follow it: the atoms after it up to and including the first that must
// take a byte. Backing off would leave a byte of its own set next, which
// none of those can take; and with an end anchor, nothing after them could
// either. Most anchored schema patterns qualify ("^p-[0-9]+$",
// "^[A-Z]{3}$", "^[a-z]+-[0-9]{4}$").
bool SchemaPattern::GreedyIsExact() const {
  for (size_t i = 0; i < atoms_.size(); ++i) {
    if (atoms_[i].min == atoms_[i].max) continue;
    for (size_t j = i + 1; j < atoms_.size(); ++j) {
      for (size_t w = 0; w < 4; ++w) {
        if ((atoms_[i].bytes[w] & atoms_[j].bytes[w]) != 0) return false;
      }
      if (atoms_[j].min >= 1) break;
    }
  }
  return true;
}

static_assert(std::endian::native == std::endian::little, "prefix_word_ is a little-endian word");

// One pass, no memo: for greedy_ patterns (one start, no back-off).
bool SchemaPattern::MatchGreedy(std::string_view s) const {
  // One word compare for the fixed bytes the pattern starts with.
  const size_t fixed = greedy_from_;
  if (fixed != 0) {
    if (s.size() < fixed) return false;
    uint64_t head = 0;
    if (s.size() >= 8) {
      std::memcpy(&head, s.data(), 8);
    } else {
      for (size_t i = 0; i < fixed; ++i) head |= uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
    }
    if (((head ^ prefix_word_) & prefix_mask_) != 0) return false;
  }
  size_t pos = fixed;
  for (size_t i = greedy_from_; i < atoms_.size(); ++i) {
    const Atom& a = atoms_[i];
    const size_t limit = std::min<size_t>(a.max, s.size() - pos);
    size_t run = 0;
    while (run < limit && a.Has(static_cast<unsigned char>(s[pos + run]))) ++run;
    if (run < a.min) return false;
    pos += run;
  }
  return !anchored_end_ || pos == s.size();
}

bool SchemaPattern::MatchFrom(size_t atom, size_t pos, std::string_view s,
                              std::vector<uint64_t>& failed) const {
  if (atom == atoms_.size()) return !anchored_end_ || pos == s.size();
  const size_t bit = atom * (s.size() + 1) + pos;
  if ((failed[bit >> 6] >> (bit & 63)) & 1) return false;
  const Atom& a = atoms_[atom];
  const size_t limit = std::min<size_t>(a.max, s.size() - pos);
  size_t run = 0;
  while (run < limit && a.Has(static_cast<unsigned char>(s[pos + run]))) ++run;
  if (run >= a.min) {
    for (size_t k = run + 1; k-- > a.min;) {  // greedy first, as the regex would
      if (MatchFrom(atom + 1, pos + k, s, failed)) return true;
    }
  }
  failed[bit >> 6] |= uint64_t{1} << (bit & 63);
  return false;
}

bool SchemaPattern::SearchOther(std::string_view s) const {
  if (regex_) return std::regex_search(s.begin(), s.end(), *regex_);
  // Memo of (atom, position) pairs that cannot lead to a match: keeps the
  // backtracking linear in |s| × atoms.
  thread_local std::vector<uint64_t> failed;
  const size_t bits = (atoms_.size() + 1) * (s.size() + 1);
  failed.assign((bits + 63) / 64, 0);
  if (anchored_start_) return MatchFrom(0, 0, s, failed);
  for (size_t start = 0; start <= s.size(); ++start) {
    if (MatchFrom(0, start, s, failed)) return true;
  }
  return false;
}

}  // namespace meshd::schema
