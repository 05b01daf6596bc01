// The streaming yes/no pass of JsonSchemaValidator: one pass over the JSON
// text that checks the grammar and the schema together, with no DOM.
//
// Why: on the Kafka produce path every record is validated on the broker.
// The simdjson DOM pass (json_schema_dom.cc) spends about 0.85 µs of a
// 1 KiB event building the tape (stage 1 + stage 2) before the schema walk
// even starts; the issue-5 budget for the whole validation is about
// 0.65 µs. Event schemas are nearly always plain records: typed
// properties, required names, closed or open content, arrays of records,
// string codes and patterns, numeric bounds. For those, the schema can
// steer a single scan: a member name is matched to its property as it is
// read, a string is scanned 16 bytes at a time (SSE2) and never copied, and
// a number is converted only when a keyword needs its value.
//
// Which schemas: IsStreamable() accepts a compiled graph whose every
// reachable node uses only type, enum (strings only), minLength,
// maxLength, pattern, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, multipleOf, properties (at most 64), required (names
// among the properties), additionalProperties, items (one schema),
// minItems, maxItems and $ref. Every keyword of that set is a conjunction,
// so a stricter verdict can only turn "valid" into "ask the reference":
// this is what makes duplicate member names safe here (each value is
// checked, where boost::json keeps the last one).
//
// Contract (as the DOM pass): true only when the text is JSON that
// boost::json accepts and the reference pass (json_schema.cc Check) would
// accept. False means "invalid, or not decided here": the caller falls back
// to the DOM pass and then to boost::json, whose verdict is the reference.
// Not decided here: escapes in member names and in strings whose content a
// keyword reads, \u escapes of surrogates, nesting of 32 or more, numbers
// whose value a keyword needs and that have more than 15 significant
// digits (boost::json 1.81 may round those 1 ulp off), and integer
// literals of more than 18 digits.
//
// The JSON-Schema-Test-Suite test and json_schema_stream_test.cc compare
// this pass with the reference on every case and on mutated events.

#include <simdjson.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_set>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "schema/json_schema_node.h"

namespace meshd::schema::detail {
namespace {

// boost::json's default max_depth is 32; deeper text is its call.
constexpr int kMaxDepth = 31;

bool NodeStreamable(const Node* n, std::unordered_set<const Node*>& seen) {
  if (n == nullptr || !seen.insert(n).second) return true;
  if (n->bool_schema >= 0) return true;
  if (n->has_ref) return NodeStreamable(n->ref, seen);
  if ((n->fast_keywords & kCombinators) != 0 || n->const_value != nullptr ||
      (n->enum_values != nullptr && !n->enum_all_strings) || n->unique_items || n->items_is_tuple ||
      n->contains != nullptr || !n->pattern_properties.empty() || n->property_names != nullptr ||
      !n->dep_required.empty() || !n->dep_schemas.empty() || n->max_properties || n->min_properties ||
      n->properties.size() > 64 || (!n->required.empty() && !n->required_all_indexed)) {
    return false;
  }
  for (const auto& [name, s] : n->properties) {
    if (!NodeStreamable(s, seen)) return false;
  }
  return NodeStreamable(n->additional_properties, seen) && NodeStreamable(n->items, seen);
}

// The first 8 bytes of a member name as a little-endian word, zero padded
// (Node::property_heads), read without going past `end` of the text. One
// fixed-size load and a mask: a memcpy of variable size compiled to
// `rep movsb` plus a store-forwarding stall, half the pass's time.
static_assert(std::endian::native == std::endian::little, "NameHead assumes little-endian words");
uint64_t NameHead(const char* s, size_t size, const char* end) {
  uint64_t head = 0;
  if (end - s >= 8) {
    std::memcpy(&head, s, 8);
  } else {
    for (size_t i = 0; i < static_cast<size_t>(end - s); ++i) head |= uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
  }
  if (size < 8) head &= (uint64_t{1} << (8 * size)) - 1;
  return head;
}

class StreamPass {
 public:
  StreamPass(const char* begin, const char* end) : p_(begin), end_(end) {}

  bool Document(const Node* root) {
    SkipSpace();
    if (!Value(root, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  struct Text {
    const char* data;
    size_t size;
    bool escaped;
    std::string_view view() const { return {data, size}; }
  };

  void SkipSpace() {
    // Compact JSON has no whitespace: one compare decides most calls.
    while (p_ < end_ && static_cast<unsigned char>(*p_) <= ' ' &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }

  // Follows $ref (bounded: a cycle of references never reaches a value).
  static const Node* Resolve(const Node* n) {
    for (int hops = 0; n != nullptr && n->has_ref; ++hops) {
      if (hops == 64) return nullptr;
      n = n->ref;
    }
    return n;
  }

  static bool TypeAllows(const Node* n, uint8_t bit) { return n->types == 0 || (n->types & bit) != 0; }

  bool Value(const Node* n, int depth) {
    n = Resolve(n);
    if (n == nullptr || n->bool_schema == 0) return false;
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        if (!TypeAllows(n, kObjectBit) || n->enum_values) return false;
        return Object(n, depth + 1);
      case '[':
        if (!TypeAllows(n, kArrayBit) || n->enum_values) return false;
        return Array(n, depth + 1);
      case '"': return StringValue(n);
      case 't': return Literal("true", 4) && TypeAllows(n, kBoolBit) && !n->enum_values;
      case 'f': return Literal("false", 5) && TypeAllows(n, kBoolBit) && !n->enum_values;
      case 'n': return Literal("null", 4) && TypeAllows(n, kNullBit) && !n->enum_values;
      default: return Number(n);
    }
  }

  // A member or item value. Strings and numbers against a plain node (no
  // $ref, not a boolean schema), the bulk of an event, are checked here
  // without the recursive call of Value.
  [[gnu::always_inline]] inline bool Child(const Node* n, int depth) {
    if (!n->has_ref && n->bool_schema < 0 && p_ < end_) {
      const char c = *p_;
      if (c == '"') return StringValue(n);
      if (c == '-' || IsDigit(c)) return Number(n);
    }
    return Value(n, depth);
  }

  bool Literal(const char* word, size_t size) {
    if (static_cast<size_t>(end_ - p_) < size || std::memcmp(p_, word, size) != 0) return false;
    p_ += size;
    return true;
  }

  // After a member or an item: ',' and more to come, or the closing
  // bracket; anything else is not JSON.
  enum class After { kMore, kClosed, kBad };
  [[gnu::always_inline]] inline After Separator(char close) {
    SkipSpace();
    if (p_ == end_) return After::kBad;
    if (*p_ == ',') {
      ++p_;
      SkipSpace();
      return After::kMore;
    }
    if (*p_ != close) return After::kBad;
    ++p_;
    return After::kClosed;
  }

  bool Object(const Node* n, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '{'
    SkipSpace();
    uint64_t seen = 0;
    if (p_ < end_ && *p_ == '}') {
      ++p_;
    } else {
      const size_t np = n->properties.size();
      size_t hint = 0;  // members usually come in the schema's property order
      for (;;) {
        const Node* value_node = n->additional_properties;
        // The member expected next, quoted and followed by ':', matched in
        // two word compares (Node::quoted_names). The position after it is
        // then known without reading the text, which breaks the chain of
        // dependent loads a scan of the name would add to every member.
        if (np != 0 && end_ - p_ >= 16 && n->quoted_names[hint].len != 0) {
          const Node::QuotedName& q = n->quoted_names[hint];
          uint64_t lo, hi;
          std::memcpy(&lo, p_, 8);
          std::memcpy(&hi, p_ + 8, 8);
          if (((lo ^ q.lo) & q.lo_mask) == 0 && ((hi ^ q.hi) & q.hi_mask) == 0) {
            p_ += q.len;
            value_node = n->properties[hint].second;
            seen |= uint64_t{1} << hint;
            hint = hint + 1 < np ? hint + 1 : 0;
            SkipSpace();
            if (!Child(value_node, depth)) return false;
            const After after = Separator('}');
            if (after == After::kBad) return false;
            if (after == After::kClosed) break;
            continue;
          }
        }
        if (p_ == end_ || *p_ != '"') return false;
        Text name;
        if (!ScanString(&name) || name.escaped) return false;
        if (p_ < end_ && *p_ == ':') {  // compact JSON: no SkipSpace calls
          ++p_;
        } else {
          SkipSpace();
          if (p_ == end_ || *p_ != ':') return false;
          ++p_;
        }
        SkipSpace();
        if (np != 0) {
          const uint64_t head = NameHead(name.data, name.size, end_);
          for (size_t t = 0; t < np; ++t) {
            const size_t i = hint + t < np ? hint + t : hint + t - np;
            const std::string& prop = n->properties[i].first;
            if (n->property_heads[i] == head && prop.size() == name.size &&
                (name.size <= 8 || std::memcmp(prop.data(), name.data, name.size) == 0)) {
              value_node = n->properties[i].second;
              seen |= uint64_t{1} << i;
              hint = i + 1 < np ? i + 1 : 0;
              break;
            }
          }
        }
        if (!Child(value_node != nullptr ? value_node : &any_, depth)) return false;
        const After after = Separator('}');
        if (after == After::kBad) return false;
        if (after == After::kClosed) break;
      }
    }
    return (seen & n->required_mask) == n->required_mask;
  }

  bool Array(const Node* n, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '['
    SkipSpace();
    const Node* item = n->items != nullptr ? n->items : &any_;
    uint64_t count = 0;
    if (p_ < end_ && *p_ == ']') {
      ++p_;
    } else {
      for (;;) {
        if (!Child(item, depth)) return false;
        ++count;
        const After after = Separator(']');
        if (after == After::kBad) return false;
        if (after == After::kClosed) break;
      }
    }
    if (n->max_items && count > *n->max_items) return false;
    return !n->min_items || count >= *n->min_items;
  }

  [[gnu::always_inline]] inline bool StringValue(const Node* n) {
    Text s;
    if (!ScanString(&s) || !TypeAllows(n, kStringBit)) return false;
    const bool reads_content = n->enum_values || n->pattern || n->min_length || n->max_length;
    if (!reads_content) return true;
    if (s.escaped) return false;  // decided by the DOM pass, which unescapes
    return StringKeywordsHold(n, s.view());
  }

  // At the opening quote. Leaves p_ after the closing quote; *out is the
  // raw content. Rejects control characters and bad escapes; a \u escape
  // of a surrogate is left to the reference. (UTF-8 was validated for the
  // whole text up front.)
  [[gnu::always_inline]] inline bool ScanString(Text* out) {
    const char* const start = ++p_;
    bool escaped = false;
    for (;;) {
      // Find the next '"', '\\' or control character: 16 bytes at a time
      // while 16 remain, then byte by byte.
#if defined(__SSE2__)
      const __m128i quote = _mm_set1_epi8('"');
      const __m128i backslash = _mm_set1_epi8('\\');
      const __m128i below_space = _mm_set1_epi8(0x1f);
      for (;;) {
        if (end_ - p_ < 16) {
          while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
          break;
        }
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
        const __m128i stop = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
            _mm_cmpeq_epi8(_mm_max_epu8(x, below_space), below_space));
        const int stop_mask = _mm_movemask_epi8(stop);
        if (stop_mask != 0) {
          p_ += __builtin_ctz(static_cast<unsigned>(stop_mask));
          break;
        }
        p_ += 16;
      }
#else
      while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
#endif
      if (p_ == end_) return false;
      const char c = *p_;
      if (c == '"') break;
      if (c != '\\') return false;  // a control character
      // A backslash escape.
      escaped = true;
      if (end_ - p_ < 2) return false;
      const char e = p_[1];
      if (e == 'u') {
        if (end_ - p_ < 6) return false;
        unsigned code = 0;
        for (int i = 2; i < 6; ++i) {
          const char h = p_[i];
          unsigned d;
          if (h >= '0' && h <= '9') d = static_cast<unsigned>(h - '0');
          else if (h >= 'a' && h <= 'f') d = static_cast<unsigned>(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F') d = static_cast<unsigned>(h - 'A' + 10);
          else return false;
          code = code * 16 + d;
        }
        if (code >= 0xD800 && code <= 0xDFFF) return false;  // pairs: the reference decides
        p_ += 6;
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                 e == 't') {
        p_ += 2;
      } else {
        return false;
      }
    }
    *out = Text{start, static_cast<size_t>(p_ - start), escaped};
    ++p_;  // closing quote
    return true;
  }

  static bool IsDigit(char c) { return IsAsciiDigit(c); }

  // A number token that ends within the 16 bytes at `start`, checked from
  // byte-class masks of one vector load: the end of each digit run is a
  // count of trailing ones, so the token's end waits on one load instead
  // of one per digit run. Returns false when the token does not fit (the
  // caller then walks it run by run) or is not RFC 8259 grammar (the
  // caller's walk rejects it too).
  bool NumberTokenInOneVector(const char* start, bool negative, size_t* int_count, const char** frac_digits,
                              size_t* frac_count, const char** exp_digits, size_t* exp_count, bool* exp_negative,
                              const char** token_end) const {
#if defined(__SSE2__)
    if (end_ - start < 16) return false;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(start));
    const __m128i nine = _mm_set1_epi8(9);
    const __m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
    const uint32_t digit = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(d, nine), nine)));
    const uint32_t dot = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.'))));
    const uint32_t exp = static_cast<uint32_t>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('e')), _mm_cmpeq_epi8(x, _mm_set1_epi8('E')))));
    const uint32_t sign = static_cast<uint32_t>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('+')), _mm_cmpeq_epi8(x, _mm_set1_epi8('-')))));
    const uint32_t stop = ~(digit | dot | exp | sign) & 0xffffu;
    if (stop == 0) return false;
    const unsigned length = static_cast<unsigned>(__builtin_ctz(stop));
    const uint32_t not_digit = ~digit;  // bits 16-31 set: every run ends by 16
    auto run = [&](unsigned pos) { return static_cast<unsigned>(__builtin_ctz(not_digit >> pos)); };
    unsigned pos = negative ? 1 : 0;
    const unsigned ints = run(pos);
    if (ints == 0 || (start[pos] == '0' && ints > 1)) return false;
    *int_count = ints;
    pos += ints;
    *frac_digits = start + pos;
    if ((dot >> pos) & 1) {
      ++pos;
      const unsigned fracs = run(pos);
      if (fracs == 0) return false;
      *frac_digits = start + pos;
      *frac_count = fracs;
      pos += fracs;
    }
    *exp_digits = start + pos;
    if ((exp >> pos) & 1) {
      ++pos;
      if ((sign >> pos) & 1) *exp_negative = start[pos++] == '-';
      const unsigned exps = run(pos);
      if (exps == 0) return false;
      *exp_digits = start + pos;
      *exp_count = exps;
      pos += exps;
    }
    if (pos != length) return false;
    *token_end = start + length;
    return true;
#else
    (void)start, (void)negative, (void)int_count, (void)frac_digits, (void)frac_count, (void)exp_digits,
        (void)exp_count, (void)exp_negative, (void)token_end;
    return false;
#endif
  }

  // How many ASCII digits start at p (before end).
  static size_t DigitRun(const char* p, const char* end) {
    size_t n = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_set1_epi8('0');
    const __m128i nine = _mm_set1_epi8(9);
    while (end - p >= 16) {
      const __m128i x = _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), zero);
      // c - '0' <= 9 as unsigned bytes: a digit.
      const unsigned digit = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(x, nine), nine)));
      const unsigned other = ~digit & 0xffffu;
      if (other != 0) return n + static_cast<size_t>(__builtin_ctz(other));
      n += 16;
      p += 16;
    }
#endif
    while (p < end && IsDigit(*p)) {
      ++p;
      ++n;
    }
    return n;
  }

  // RFC 8259 number grammar; the value is computed only when a keyword
  // needs it, exactly when it can be: a mantissa of at most 15 significant
  // digits is an exact double, and so is 10^k for k <= 22, so one multiply
  // or divide rounds correctly (Clinger's fast path). Other values go
  // through std::from_chars.
  [[gnu::always_inline]] inline bool Number(const Node* n) {
    const char* p = p_;
    const char* const end = end_;
    const char* const start = p;
    const bool negative = *p == '-';  // Value() checked p < end
    p += negative;
    const char* int_digits = p;
    size_t int_count = 0;
    const char* frac_digits = p;
    size_t frac_count = 0;
    const char* exp_digits = p;
    size_t exp_count = 0;
    bool exp_negative = false;
    bool integer_literal;
    if (!NumberTokenInOneVector(start, negative, &int_count, &frac_digits, &frac_count, &exp_digits, &exp_count,
                                &exp_negative, &p)) {
      // Longer tokens, or fewer than 16 bytes left: the digit runs one by
      // one (DigitRun). Also the judge of what the vector path rejects.
      frac_count = exp_count = 0;
      exp_negative = false;
      int_count = DigitRun(p, end);
      if (int_count == 0 || (*p == '0' && int_count > 1)) return false;  // leading zeros are not JSON
      p += int_count;
      frac_digits = p;
      if (p < end && *p == '.') {
        frac_digits = ++p;
        frac_count = DigitRun(p, end);
        if (frac_count == 0) return false;
        p += frac_count;
      }
      exp_digits = p;
      if (p < end && (*p == 'e' || *p == 'E')) {
        ++p;
        if (p < end && (*p == '+' || *p == '-')) exp_negative = *p++ == '-';
        exp_digits = p;
        exp_count = DigitRun(p, end);
        if (exp_count == 0) return false;
        p += exp_count;
      }
    }
    integer_literal = frac_count == 0 && exp_count == 0;
    if (exp_count != 0 && ExponentLeftToReference(exp_digits, exp_count)) return false;
    const size_t digits = int_count + frac_count;
    p_ = p;
    if (n->enum_values) return false;  // all-string enum
    const bool number_ok = n->types == 0 || (n->types & kNumberBit) != 0;
    const bool needs_integer = !number_ok && (n->types & kIntegerBit) != 0;
    if (!number_ok && !needs_integer) return false;
    const bool needs_value = (n->fast_keywords & kNumberKeywords) != 0;
    // boost::json accepts every number the grammar does (1e999 becomes
    // infinity), so with no keyword to check the grammar is enough.
    if (!needs_value && !needs_integer) return true;
    if (integer_literal && !needs_value) return digits <= 18;
    // More than 15 significant digits: see the file comment. (Leading
    // zeros count while they make the literal longer than 19 digits.)
    if (digits > 19) return false;
    uint64_t mantissa = 0;
    for (size_t i = 0; i < int_count; ++i) mantissa = mantissa * 10 + static_cast<uint64_t>(int_digits[i] - '0');
    for (size_t i = 0; i < frac_count; ++i) mantissa = mantissa * 10 + static_cast<uint64_t>(frac_digits[i] - '0');
    if (mantissa >= 1000000000000000u) return false;
    int exponent = 0;
    for (size_t i = 0; i < exp_count && exponent < 100000; ++i) exponent = exponent * 10 + (exp_digits[i] - '0');
    if (exp_negative) exponent = -exponent;
    const int frac = static_cast<int>(frac_count);
    static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const int scale = exponent - frac;
    double d;
    if (scale >= 0 && scale <= 22) {
      d = static_cast<double>(mantissa) * kPow10[scale];
    } else if (scale < 0 && scale >= -22) {
      d = static_cast<double>(mantissa) / kPow10[-scale];
    } else {
      const auto [stop, ec] = std::from_chars(start + negative, p, d);
      if (ec != std::errc() || stop != p) return false;
    }
    if (negative) d = -d;
    if (!std::isfinite(d)) return false;
    // std::floor is a libm call on baseline x86-64 (no SSE4.1 roundsd); a
    // double of magnitude >= 2^53 is always an integer.
    const bool integral =
        integer_literal || std::fabs(d) >= 9007199254740992.0 || static_cast<double>(static_cast<int64_t>(d)) == d;
    if (needs_integer && !integral) return false;
    return !needs_value || NumberKeywordsHold(n, d, integral);
  }

  const char* p_;
  const char* const end_;
  static const Node any_;  // no keywords: any JSON value
};

const Node StreamPass::any_{};

}  // namespace

bool IsStreamable(const Node* root) {
  std::unordered_set<const Node*> seen;
  return NodeStreamable(root, seen);
}

bool IsValidJsonStream(const Node* root, std::string_view text) {
  // UTF-8 for the whole text at once (simdjson, SIMD with an ASCII fast
  // path): outside strings any byte >= 0x80 is a grammar error the scan
  // finds anyway, so strings need no per-byte tracking.
  if (!simdjson::validate_utf8(text.data(), text.size())) return false;
  StreamPass pass(text.data(), text.data() + text.size());
  return pass.Document(root);
}

}  // namespace meshd::schema::detail
