#include "stream/expression.h"

#include <cctype>
#include <cmath>
#include <vector>

namespace meshd::stream {

namespace json = boost::json;

// ---------------------------------------------------------------- records

const json::value* FindPath(const json::object& fields, std::string_view path) {
  const json::object* obj = &fields;
  while (true) {
    size_t dot = path.find('.');
    std::string_view head = path.substr(0, dot);
    auto it = obj->find(head);
    if (it == obj->end()) {
      // A flat key containing dots ("a.b") wins when present.
      if (dot != std::string_view::npos) {
        auto flat = obj->find(path);
        if (flat != obj->end()) return &flat->value();
      }
      return nullptr;
    }
    if (dot == std::string_view::npos) return &it->value();
    if (!it->value().is_object()) return nullptr;
    obj = &it->value().get_object();
    path = path.substr(dot + 1);
  }
}

json::object RecordToJson(const StreamRecord& r) {
  json::object o;
  o["f"] = r.fields;
  o["t"] = r.topic;
  o["p"] = r.partition;
  o["o"] = r.offset;
  o["ts"] = r.timestamp_ms;
  if (r.key) o["k"] = *r.key;
  o["id"] = r.id;
  o["ty"] = r.type;
  o["src"] = r.source;
  o["s"] = r.seq;
  return o;
}

std::string RecordToJsonText(const StreamRecord& r) {
  // Same document as json::serialize(RecordToJson(r)), written straight to
  // text: no deep copy of the fields (checkpoints of dedup and join buffers
  // serialize one record per changed key).
  auto str = [](std::string& out, const std::string& v) { out += json::serialize(json::string_view(v)); };
  std::string s = "{\"f\":";
  s += json::serialize(r.fields);
  s += ",\"t\":";
  str(s, r.topic);
  s += ",\"p\":" + std::to_string(r.partition) + ",\"o\":" + std::to_string(r.offset) +
       ",\"ts\":" + std::to_string(r.timestamp_ms);
  if (r.key) {
    s += ",\"k\":";
    str(s, *r.key);
  }
  s += ",\"id\":";
  str(s, r.id);
  s += ",\"ty\":";
  str(s, r.type);
  s += ",\"src\":";
  str(s, r.source);
  s += ",\"s\":" + std::to_string(r.seq) + "}";
  return s;
}

StreamRecord RecordFromJson(const json::object& o) {
  StreamRecord r;
  auto str = [&](const char* k) -> std::string {
    auto it = o.find(k);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
  };
  auto num = [&](const char* k) -> int64_t {
    auto it = o.find(k);
    return it != o.end() && it->value().is_number() ? it->value().to_number<int64_t>() : 0;
  };
  if (auto it = o.find("f"); it != o.end() && it->value().is_object()) r.fields = it->value().get_object();
  r.topic = str("t");
  r.partition = static_cast<int32_t>(num("p"));
  r.offset = num("o");
  r.timestamp_ms = num("ts");
  if (o.contains("k")) r.key = str("k");
  r.id = str("id");
  r.type = str("ty");
  r.source = str("src");
  r.seq = static_cast<int32_t>(num("s"));
  return r;
}

// ---------------------------------------------------------------- values

bool Truthy(const json::value& v) {
  if (v.is_bool()) return v.get_bool();
  if (v.is_int64()) return v.get_int64() != 0;
  if (v.is_uint64()) return v.get_uint64() != 0;
  if (v.is_double()) return v.get_double() != 0;
  return false;
}

namespace {

bool IsNum(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }
bool IsInt(const json::value& v) { return v.is_int64() || v.is_uint64(); }
double AsDouble(const json::value& v) { return v.to_number<double>(); }
int64_t AsInt(const json::value& v) {
  return v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64());
}

std::string ToText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  if (v.is_double()) {
    double d = v.get_double();
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    std::string s = std::to_string(d);
    while (!s.empty() && s.back() == '0') s.pop_back();
    return s;
  }
  return json::serialize(v);
}

}  // namespace

std::optional<int> CompareValues(const json::value& a, const json::value& b) {
  if (IsNum(a) && IsNum(b)) {
    if (IsInt(a) && IsInt(b)) {
      int64_t x = AsInt(a), y = AsInt(b);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    double x = AsDouble(a), y = AsDouble(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.get_string().compare(b.get_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_bool() && b.is_bool()) return static_cast<int>(a.get_bool()) - static_cast<int>(b.get_bool());
  return std::nullopt;
}

// ---------------------------------------------------------------- AST

class ExprNode {
 public:
  virtual ~ExprNode() = default;
  virtual json::value Eval(const StreamRecord& r) const = 0;
};

namespace {

using NodePtr = std::shared_ptr<const ExprNode>;

class Literal final : public ExprNode {
 public:
  explicit Literal(json::value v) : v_(std::move(v)) {}
  json::value Eval(const StreamRecord&) const override { return v_; }

 private:
  json::value v_;
};

class Field final : public ExprNode {
 public:
  explicit Field(std::string path) : path_(std::move(path)) {}
  json::value Eval(const StreamRecord& r) const override {
    const json::value* v = FindPath(r.fields, path_);
    return v ? *v : json::value(nullptr);
  }

 private:
  std::string path_;
};

class Meta final : public ExprNode {
 public:
  enum Kind { kKey, kTimestamp, kOffset, kPartition, kTopic, kId, kType, kSource };
  explicit Meta(Kind k) : k_(k) {}
  json::value Eval(const StreamRecord& r) const override {
    switch (k_) {
      case kKey: return r.key ? json::value(*r.key) : json::value(nullptr);
      case kTimestamp: return json::value(r.timestamp_ms);
      case kOffset: return json::value(r.offset);
      case kPartition: return json::value(r.partition);
      case kTopic: return json::value(r.topic);
      case kId: return json::value(r.id);
      case kType: return json::value(r.type);
      case kSource: return json::value(r.source);
    }
    return nullptr;
  }

 private:
  Kind k_;
};

enum class Op { kAdd, kSub, kMul, kDiv, kMod, kConcat, kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr };

class Binary final : public ExprNode {
 public:
  Binary(Op op, NodePtr a, NodePtr b) : op_(op), a_(std::move(a)), b_(std::move(b)) {}
  json::value Eval(const StreamRecord& r) const override {
    if (op_ == Op::kAnd || op_ == Op::kOr) return Logic(r);
    json::value x = a_->Eval(r);
    json::value y = b_->Eval(r);
    if (x.is_null() || y.is_null()) return nullptr;
    switch (op_) {
      case Op::kConcat: return json::value(ToText(x) + ToText(y));
      case Op::kAdd:
      case Op::kSub:
      case Op::kMul:
      case Op::kMod:
      case Op::kDiv: return Arith(x, y);
      default: {
        auto c = CompareValues(x, y);
        if (!c) return nullptr;
        switch (op_) {
          case Op::kEq: return *c == 0;
          case Op::kNe: return *c != 0;
          case Op::kLt: return *c < 0;
          case Op::kLe: return *c <= 0;
          case Op::kGt: return *c > 0;
          case Op::kGe: return *c >= 0;
          default: return nullptr;
        }
      }
    }
  }

 private:
  json::value Logic(const StreamRecord& r) const {
    json::value x = a_->Eval(r);
    // Short-circuit where SQL's three-valued logic allows it.
    if (op_ == Op::kAnd && x.is_bool() && !x.get_bool()) return false;
    if (op_ == Op::kOr && x.is_bool() && x.get_bool()) return true;
    json::value y = b_->Eval(r);
    auto tri = [](const json::value& v) -> int {  // 0 false, 1 true, 2 unknown
      if (v.is_null()) return 2;
      return Truthy(v) ? 1 : 0;
    };
    int a = tri(x), b = tri(y);
    if (op_ == Op::kAnd) {
      if (a == 0 || b == 0) return false;
      if (a == 2 || b == 2) return nullptr;
      return true;
    }
    if (a == 1 || b == 1) return true;
    if (a == 2 || b == 2) return nullptr;
    return false;
  }
  json::value Arith(const json::value& x, const json::value& y) const {
    if (!IsNum(x) || !IsNum(y)) return nullptr;
    if (IsInt(x) && IsInt(y) && op_ != Op::kDiv) {
      int64_t a = AsInt(x), b = AsInt(y);
      switch (op_) {
        case Op::kAdd: return a + b;
        case Op::kSub: return a - b;
        case Op::kMul: return a * b;
        case Op::kMod: return b == 0 ? json::value(nullptr) : json::value(a % b);
        default: break;
      }
    }
    double a = AsDouble(x), b = AsDouble(y);
    switch (op_) {
      case Op::kAdd: return a + b;
      case Op::kSub: return a - b;
      case Op::kMul: return a * b;
      case Op::kDiv: return b == 0 ? json::value(nullptr) : json::value(a / b);
      case Op::kMod: return b == 0 ? json::value(nullptr) : json::value(std::fmod(a, b));
      default: return nullptr;
    }
  }
  Op op_;
  NodePtr a_, b_;
};

class Not final : public ExprNode {
 public:
  explicit Not(NodePtr a) : a_(std::move(a)) {}
  json::value Eval(const StreamRecord& r) const override {
    json::value v = a_->Eval(r);
    if (v.is_null()) return nullptr;
    return !Truthy(v);
  }

 private:
  NodePtr a_;
};

class Negate final : public ExprNode {
 public:
  explicit Negate(NodePtr a) : a_(std::move(a)) {}
  json::value Eval(const StreamRecord& r) const override {
    json::value v = a_->Eval(r);
    if (IsInt(v)) return -AsInt(v);
    if (v.is_double()) return -v.get_double();
    return nullptr;
  }

 private:
  NodePtr a_;
};

class IsNull final : public ExprNode {
 public:
  IsNull(NodePtr a, bool negated) : a_(std::move(a)), negated_(negated) {}
  json::value Eval(const StreamRecord& r) const override { return a_->Eval(r).is_null() != negated_; }

 private:
  NodePtr a_;
  bool negated_;
};

class InList final : public ExprNode {
 public:
  InList(NodePtr a, std::vector<NodePtr> list, bool negated)
      : a_(std::move(a)), list_(std::move(list)), negated_(negated) {}
  json::value Eval(const StreamRecord& r) const override {
    json::value v = a_->Eval(r);
    if (v.is_null()) return nullptr;
    for (const auto& n : list_) {
      auto c = CompareValues(v, n->Eval(r));
      if (c && *c == 0) return !negated_;
    }
    return negated_;
  }

 private:
  NodePtr a_;
  std::vector<NodePtr> list_;
  bool negated_;
};

class Case final : public ExprNode {
 public:
  Case(std::vector<std::pair<NodePtr, NodePtr>> whens, NodePtr otherwise)
      : whens_(std::move(whens)), else_(std::move(otherwise)) {}
  json::value Eval(const StreamRecord& r) const override {
    for (const auto& [c, v] : whens_)
      if (Truthy(c->Eval(r))) return v->Eval(r);
    return else_ ? else_->Eval(r) : json::value(nullptr);
  }

 private:
  std::vector<std::pair<NodePtr, NodePtr>> whens_;
  NodePtr else_;
};

enum class Fn { kUpper, kLower, kConcat, kSubstr, kLength, kCoalesce, kAbs, kRound, kFloor, kCeil, kTrim,
                kToString, kToNumber };

struct FnInfo {
  const char* name;
  Fn fn;
  int min_args;
  int max_args;  // -1 = any
};
constexpr FnInfo kFunctions[] = {
    {"upper", Fn::kUpper, 1, 1},       {"lower", Fn::kLower, 1, 1},   {"concat", Fn::kConcat, 1, -1},
    {"substr", Fn::kSubstr, 2, 3},     {"substring", Fn::kSubstr, 2, 3},
    {"length", Fn::kLength, 1, 1},     {"coalesce", Fn::kCoalesce, 1, -1},
    {"abs", Fn::kAbs, 1, 1},           {"round", Fn::kRound, 1, 2},   {"floor", Fn::kFloor, 1, 1},
    {"ceil", Fn::kCeil, 1, 1},         {"trim", Fn::kTrim, 1, 1},     {"to_string", Fn::kToString, 1, 1},
    {"to_number", Fn::kToNumber, 1, 1},
};

class Call final : public ExprNode {
 public:
  Call(Fn fn, std::vector<NodePtr> args) : fn_(fn), args_(std::move(args)) {}
  json::value Eval(const StreamRecord& r) const override {
    if (fn_ == Fn::kConcat) {
      std::string s;
      for (const auto& a : args_) s += ToText(a->Eval(r));
      return json::value(s);
    }
    if (fn_ == Fn::kCoalesce) {
      for (const auto& a : args_) {
        json::value v = a->Eval(r);
        if (!v.is_null()) return v;
      }
      return nullptr;
    }
    json::value x = args_[0]->Eval(r);
    if (x.is_null()) return nullptr;
    switch (fn_) {
      case Fn::kUpper:
      case Fn::kLower: {
        if (!x.is_string()) return nullptr;
        std::string s(x.get_string());
        for (char& c : s)
          c = static_cast<char>(fn_ == Fn::kUpper ? std::toupper(static_cast<unsigned char>(c))
                                                  : std::tolower(static_cast<unsigned char>(c)));
        return json::value(s);
      }
      case Fn::kTrim: {
        if (!x.is_string()) return nullptr;
        std::string_view s = x.get_string();
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
        return json::value(json::string_view(s.data(), s.size()));
      }
      case Fn::kLength:
        return x.is_string() ? json::value(static_cast<int64_t>(x.get_string().size())) : json::value(nullptr);
      case Fn::kSubstr: {
        if (!x.is_string()) return nullptr;
        json::value st = args_[1]->Eval(r);
        if (!IsNum(st)) return nullptr;
        std::string_view s = x.get_string();
        int64_t start = static_cast<int64_t>(AsDouble(st));  // 1-based, SQL style
        int64_t len = static_cast<int64_t>(s.size());
        if (args_.size() == 3) {
          json::value l = args_[2]->Eval(r);
          if (!IsNum(l)) return nullptr;
          len = std::max<int64_t>(0, static_cast<int64_t>(AsDouble(l)));
        }
        int64_t from = std::max<int64_t>(start, 1) - 1;
        if (start < 1) len = std::max<int64_t>(0, len - (1 - start));
        if (from >= static_cast<int64_t>(s.size())) return json::value("");
        auto sub = s.substr(static_cast<size_t>(from), static_cast<size_t>(len));
        return json::value(json::string_view(sub.data(), sub.size()));
      }
      case Fn::kAbs:
        if (IsInt(x)) return std::llabs(AsInt(x));
        return x.is_double() ? json::value(std::fabs(x.get_double())) : json::value(nullptr);
      case Fn::kRound: {
        if (!IsNum(x)) return nullptr;
        int64_t digits = 0;
        if (args_.size() == 2) {
          json::value d = args_[1]->Eval(r);
          if (!IsNum(d)) return nullptr;
          digits = static_cast<int64_t>(AsDouble(d));
        }
        if (IsInt(x) && digits >= 0) return x;
        double m = std::pow(10.0, static_cast<double>(digits));
        return std::round(AsDouble(x) * m) / m;
      }
      case Fn::kFloor:
        if (IsInt(x)) return x;
        return x.is_double() ? json::value(std::floor(x.get_double())) : json::value(nullptr);
      case Fn::kCeil:
        if (IsInt(x)) return x;
        return x.is_double() ? json::value(std::ceil(x.get_double())) : json::value(nullptr);
      case Fn::kToString: return json::value(ToText(x));
      case Fn::kToNumber: {
        if (IsNum(x)) return x;
        if (!x.is_string()) return nullptr;
        std::string s(x.get_string());
        char* end = nullptr;
        long long i = std::strtoll(s.c_str(), &end, 10);
        if (!s.empty() && end && *end == '\0') return static_cast<int64_t>(i);
        double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end && *end == '\0') return d;
        return nullptr;
      }
      default: return nullptr;
    }
  }

 private:
  Fn fn_;
  std::vector<NodePtr> args_;
};

// ---------------------------------------------------------------- parser

enum class Tok { kEnd, kNum, kStr, kIdent, kMeta, kOp, kLParen, kRParen, kComma };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier/operator/string contents
  json::value number;
  size_t pos = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src) {}

  Result<NodePtr> ParseAll() {
    MESHD_TRY(Tokenize());
    auto n = ParseOr();
    if (!n.ok()) return n;
    if (Peek().kind != Tok::kEnd) return Error("unexpected '" + Peek().text + "'", Peek().pos);
    return n;
  }

 private:
  Status Error(const std::string& what, size_t pos) const {
    return Status::InvalidArgument("expression '" + std::string(src_) + "': " + what + " at " +
                                   std::to_string(pos));
  }

  Status Tokenize() {
    size_t i = 0;
    while (i < src_.size()) {
      char c = src_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      Token t;
      t.pos = i;
      if (std::isdigit(static_cast<unsigned char>(c)) ||
          (c == '.' && i + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[i + 1])))) {
        size_t j = i;
        bool real = false;
        while (j < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[j])) || src_[j] == '.' ||
                                   src_[j] == 'e' || src_[j] == 'E' ||
                                   ((src_[j] == '+' || src_[j] == '-') && (src_[j - 1] == 'e' || src_[j - 1] == 'E')))) {
          if (src_[j] == '.' || src_[j] == 'e' || src_[j] == 'E') real = true;
          ++j;
        }
        std::string num(src_.substr(i, j - i));
        char* end = nullptr;
        t.kind = Tok::kNum;
        if (real) {
          t.number = std::strtod(num.c_str(), &end);
        } else {
          t.number = static_cast<int64_t>(std::strtoll(num.c_str(), &end, 10));
        }
        if (!end || *end != '\0') return Error("bad number '" + num + "'", i);
        t.text = num;
        i = j;
      } else if (c == '\'') {
        std::string s;
        size_t j = i + 1;
        while (true) {
          if (j >= src_.size()) return Error("unterminated string", i);
          if (src_[j] == '\'') {
            if (j + 1 < src_.size() && src_[j + 1] == '\'') {
              s += '\'';
              j += 2;
              continue;
            }
            break;
          }
          s += src_[j++];
        }
        t.kind = Tok::kStr;
        t.text = s;
        i = j + 1;
      } else if (c == '`' || c == '"') {
        size_t j = src_.find(c, i + 1);
        if (j == std::string_view::npos) return Error("unterminated quoted name", i);
        t.kind = Tok::kIdent;
        t.text = std::string(src_.substr(i + 1, j - i - 1));
        i = j + 1;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
        size_t j = i + 1;
        while (j < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[j])) || src_[j] == '_' ||
                                   src_[j] == '.'))
          ++j;
        t.kind = c == '$' ? Tok::kMeta : Tok::kIdent;
        t.text = std::string(src_.substr(i, j - i));
        i = j;
      } else if (c == '(') {
        t.kind = Tok::kLParen, t.text = "(", ++i;
      } else if (c == ')') {
        t.kind = Tok::kRParen, t.text = ")", ++i;
      } else if (c == ',') {
        t.kind = Tok::kComma, t.text = ",", ++i;
      } else {
        static const char* kOps[] = {"<=", ">=", "<>", "!=", "==", "||", "=", "<", ">", "+", "-", "*", "/", "%"};
        bool found = false;
        for (const char* op : kOps) {
          std::string_view o(op);
          if (src_.substr(i, o.size()) == o) {
            t.kind = Tok::kOp;
            t.text = std::string(o);
            i += o.size();
            found = true;
            break;
          }
        }
        if (!found) return Error(std::string("unexpected character '") + c + "'", i);
      }
      toks_.push_back(std::move(t));
    }
    Token end;
    end.pos = src_.size();
    end.text = "end of expression";
    toks_.push_back(end);
    return Status::Ok();
  }

  const Token& Peek() const { return toks_[pos_]; }
  Token Next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  bool IsKeyword(const Token& t, const char* kw) const { return t.kind == Tok::kIdent && Lower(t.text) == kw; }
  bool AcceptKeyword(const char* kw) {
    if (IsKeyword(Peek(), kw)) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool AcceptOp(const char* op) {
    if (Peek().kind == Tok::kOp && Peek().text == op) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<NodePtr> ParseOr() {
    MESHD_ASSIGN_OR_RETURN(NodePtr left, ParseAnd());
    while (AcceptKeyword("or")) {
      MESHD_ASSIGN_OR_RETURN(NodePtr right, ParseAnd());
      left = std::make_shared<Binary>(Op::kOr, left, right);
    }
    return left;
  }
  Result<NodePtr> ParseAnd() {
    MESHD_ASSIGN_OR_RETURN(NodePtr left, ParseNot());
    while (AcceptKeyword("and")) {
      MESHD_ASSIGN_OR_RETURN(NodePtr right, ParseNot());
      left = std::make_shared<Binary>(Op::kAnd, left, right);
    }
    return left;
  }
  Result<NodePtr> ParseNot() {
    if (AcceptKeyword("not")) {
      MESHD_ASSIGN_OR_RETURN(NodePtr inner, ParseNot());
      return NodePtr(std::make_shared<Not>(inner));
    }
    return ParseComparison();
  }
  Result<NodePtr> ParseComparison() {
    MESHD_ASSIGN_OR_RETURN(NodePtr left, ParseAdditive());
    if (AcceptKeyword("is")) {
      bool neg = AcceptKeyword("not");
      if (!AcceptKeyword("null")) return Error("expected NULL after IS", Peek().pos);
      return NodePtr(std::make_shared<IsNull>(left, neg));
    }
    bool neg_in = false;
    if (IsKeyword(Peek(), "not") && pos_ + 1 < toks_.size() && IsKeyword(toks_[pos_ + 1], "in")) {
      pos_ += 1;
      neg_in = true;
    }
    if (AcceptKeyword("in")) {
      if (Next().kind != Tok::kLParen) return Error("expected '(' after IN", Peek().pos);
      std::vector<NodePtr> items;
      while (true) {
        MESHD_ASSIGN_OR_RETURN(NodePtr item, ParseAdditive());
        items.push_back(item);
        Token t = Next();
        if (t.kind == Tok::kRParen) break;
        if (t.kind != Tok::kComma) return Error("expected ',' or ')' in IN list", t.pos);
      }
      return NodePtr(std::make_shared<InList>(left, std::move(items), neg_in));
    }
    static const std::pair<const char*, Op> kCmp[] = {{"=", Op::kEq},  {"==", Op::kEq}, {"!=", Op::kNe},
                                                      {"<>", Op::kNe}, {"<", Op::kLt},  {"<=", Op::kLe},
                                                      {">", Op::kGt},  {">=", Op::kGe}};
    for (const auto& [text, op] : kCmp) {
      if (AcceptOp(text)) {
        MESHD_ASSIGN_OR_RETURN(NodePtr right, ParseAdditive());
        return NodePtr(std::make_shared<Binary>(op, left, right));
      }
    }
    return left;
  }
  Result<NodePtr> ParseAdditive() {
    MESHD_ASSIGN_OR_RETURN(NodePtr left, ParseMultiplicative());
    while (true) {
      Op op;
      if (AcceptOp("+")) op = Op::kAdd;
      else if (AcceptOp("-")) op = Op::kSub;
      else if (AcceptOp("||")) op = Op::kConcat;
      else break;
      MESHD_ASSIGN_OR_RETURN(NodePtr right, ParseMultiplicative());
      left = std::make_shared<Binary>(op, left, right);
    }
    return left;
  }
  Result<NodePtr> ParseMultiplicative() {
    MESHD_ASSIGN_OR_RETURN(NodePtr left, ParseUnary());
    while (true) {
      Op op;
      if (AcceptOp("*")) op = Op::kMul;
      else if (AcceptOp("/")) op = Op::kDiv;
      else if (AcceptOp("%")) op = Op::kMod;
      else break;
      MESHD_ASSIGN_OR_RETURN(NodePtr right, ParseUnary());
      left = std::make_shared<Binary>(op, left, right);
    }
    return left;
  }
  Result<NodePtr> ParseUnary() {
    if (AcceptOp("-")) {
      MESHD_ASSIGN_OR_RETURN(NodePtr inner, ParseUnary());
      return NodePtr(std::make_shared<Negate>(inner));
    }
    if (AcceptOp("+")) return ParseUnary();
    return ParsePrimary();
  }
  Result<NodePtr> ParsePrimary() {
    Token t = Next();
    switch (t.kind) {
      case Tok::kNum: return NodePtr(std::make_shared<Literal>(t.number));
      case Tok::kStr: return NodePtr(std::make_shared<Literal>(json::value(t.text)));
      case Tok::kLParen: {
        MESHD_ASSIGN_OR_RETURN(NodePtr inner, ParseOr());
        if (Next().kind != Tok::kRParen) return Error("expected ')'", t.pos);
        return inner;
      }
      case Tok::kMeta: {
        static const std::pair<const char*, Meta::Kind> kMeta[] = {
            {"$key", Meta::kKey},     {"$timestamp", Meta::kTimestamp}, {"$offset", Meta::kOffset},
            {"$partition", Meta::kPartition}, {"$topic", Meta::kTopic}, {"$id", Meta::kId},
            {"$type", Meta::kType},   {"$source", Meta::kSource}};
        for (const auto& [name, kind] : kMeta)
          if (Lower(t.text) == name) return NodePtr(std::make_shared<Meta>(kind));
        return Error("unknown metadata field '" + t.text +
                         "' (known: $key $timestamp $offset $partition $topic $id $type $source)",
                     t.pos);
      }
      case Tok::kIdent: {
        std::string low = Lower(t.text);
        if (low == "true") return NodePtr(std::make_shared<Literal>(json::value(true)));
        if (low == "false") return NodePtr(std::make_shared<Literal>(json::value(false)));
        if (low == "null") return NodePtr(std::make_shared<Literal>(json::value(nullptr)));
        if (low == "case") return ParseCase();
        if (Peek().kind == Tok::kLParen) return ParseCall(t);
        static const char* kReserved[] = {"and", "or", "not", "when", "then", "else", "end", "is", "in"};
        for (const char* r : kReserved)
          if (low == r) return Error("unexpected keyword '" + t.text + "'", t.pos);
        return NodePtr(std::make_shared<Field>(t.text));
      }
      case Tok::kEnd: return Error("unexpected end", t.pos);
      default: return Error("unexpected '" + t.text + "'", t.pos);
    }
  }
  Result<NodePtr> ParseCase() {
    std::vector<std::pair<NodePtr, NodePtr>> whens;
    NodePtr otherwise;
    while (AcceptKeyword("when")) {
      MESHD_ASSIGN_OR_RETURN(NodePtr cond, ParseOr());
      if (!AcceptKeyword("then")) return Error("expected THEN", Peek().pos);
      MESHD_ASSIGN_OR_RETURN(NodePtr val, ParseOr());
      whens.emplace_back(cond, val);
    }
    if (whens.empty()) return Error("CASE needs at least one WHEN", Peek().pos);
    if (AcceptKeyword("else")) {
      MESHD_ASSIGN_OR_RETURN(otherwise, ParseOr());
    }
    if (!AcceptKeyword("end")) return Error("expected END to close CASE", Peek().pos);
    return NodePtr(std::make_shared<Case>(std::move(whens), otherwise));
  }
  Result<NodePtr> ParseCall(const Token& name) {
    Next();  // (
    std::string low = Lower(name.text);
    const FnInfo* info = nullptr;
    for (const auto& f : kFunctions)
      if (low == f.name) info = &f;
    if (!info) return Error("unknown function '" + name.text + "'", name.pos);
    std::vector<NodePtr> args;
    if (Peek().kind == Tok::kRParen) {
      Next();
    } else {
      while (true) {
        MESHD_ASSIGN_OR_RETURN(NodePtr a, ParseOr());
        args.push_back(a);
        Token t = Next();
        if (t.kind == Tok::kRParen) break;
        if (t.kind != Tok::kComma) return Error("expected ',' or ')' in arguments of " + name.text, t.pos);
      }
    }
    int n = static_cast<int>(args.size());
    if (n < info->min_args || (info->max_args >= 0 && n > info->max_args))
      return Error(name.text + "() takes " + std::to_string(info->min_args) +
                       (info->max_args < 0 ? " or more" : info->max_args == info->min_args ? "" : "-" + std::to_string(info->max_args)) +
                       " arguments, got " + std::to_string(n),
                   name.pos);
    return NodePtr(std::make_shared<Call>(info->fn, std::move(args)));
  }

  std::string_view src_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
};

}  // namespace

Result<Expression> Expression::Parse(std::string_view text) {
  Parser p(text);
  MESHD_ASSIGN_OR_RETURN(NodePtr root, p.ParseAll());
  Expression e;
  e.text_ = std::string(text);
  e.root_ = std::move(root);
  return e;
}

json::value Expression::Evaluate(const StreamRecord& record) const { return root_->Eval(record); }

bool Expression::Test(const StreamRecord& record) const { return Truthy(root_->Eval(record)); }

}  // namespace meshd::stream
