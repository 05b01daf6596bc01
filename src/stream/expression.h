#pragma once
// The pipeline expression language (filter conditions, computed fields,
// aggregate arguments, alert conditions, join keys). SQL-flavoured:
//
//   literals    12  3.5  'text'  TRUE  FALSE  NULL
//   fields      amount  customer.segment  `odd name`  $timestamp $key $offset $partition $topic $id
//   arithmetic  + - * / %   (int op int stays int, except / which is real; x/0 is NULL)
//   strings     ||  (concatenation)
//   comparison  = == != <> < <= > >=   x IS [NOT] NULL   x [NOT] IN (a, b, ...)
//   logic       AND OR NOT  (SQL three-valued: NULL is unknown)
//   CASE WHEN c THEN v [WHEN ...] [ELSE v] END
//   functions   upper(s) lower(s) concat(a, b, ...) substr(s, start[, len]) (1-based)
//               length(s) coalesce(a, b, ...) abs(x) round(x[, digits]) floor(x) ceil(x)
//               trim(s) to_string(x) to_number(s)
//
// Keywords and function names are case-insensitive. NULL propagates through
// arithmetic, comparisons and string functions (except concat and coalesce,
// which skip NULLs). A missing field reads as NULL. Comparing a number with a
// string is NULL (no implicit casts).
//
// Parse once (Expression::Parse), evaluate many times; evaluation allocates
// only for string results. Thread-safety: a parsed Expression is immutable.

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "stream/stream_record.h"

namespace meshd::stream {

class ExprNode;

class Expression {
 public:
  // Errors name the position: "expression 'a +': unexpected end at 3".
  static Result<Expression> Parse(std::string_view text);

  boost::json::value Evaluate(const StreamRecord& record) const;
  // Filter semantics: true only for boolean true (NULL and false reject);
  // numbers are true when non-zero.
  bool Test(const StreamRecord& record) const;

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const ExprNode> root_;
};

// Helpers shared with the operators.
bool Truthy(const boost::json::value& v);
// -1/0/1, or nullopt when the values are not comparable (NULL, mixed types).
std::optional<int> CompareValues(const boost::json::value& a, const boost::json::value& b);

}  // namespace meshd::stream
