#include "catalog/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <regex>

namespace meshd::catalog {

namespace json = boost::json;

namespace {

json::value ScalarToJson(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return json::value(s);  // quoted: always a string
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, kInt)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return json::value(static_cast<int64_t>(v));
  }
  if (std::regex_match(s, kFloat)) return json::value(std::strtod(s.c_str(), nullptr));
  return json::value(s);
}

json::value NodeToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return ScalarToJson(n);
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& item : n) a.push_back(NodeToJson(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : n) o[kv.first.Scalar()] = NodeToJson(kv.second);
      return o;
    }
  }
  return nullptr;
}

}  // namespace

Result<json::value> ParseYamlOrJson(const std::string& text, const std::string& file) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (!ec) return v;
  }
  try {
    YAML::Node root = YAML::Load(text);
    return NodeToJson(root);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ": line " + std::to_string(e.mark.line + 1) +
                                   ": not valid YAML or JSON: " + e.msg);
  }
}

}  // namespace meshd::catalog
