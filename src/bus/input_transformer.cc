#include "bus/input_transformer.h"

#include <cctype>

namespace meshd::bus {
namespace {

// JSON-escapes `s` without surrounding quotes.
std::string EscapeForString(std::string_view s) {
  std::string quoted = json::serialize(json::string(s));
  return quoted.substr(1, quoted.size() - 2);
}

struct PathStep {
  bool is_index = false;
  std::string key;
  size_t index = 0;
};

Result<std::vector<PathStep>> ParsePath(std::string_view path) {
  std::vector<PathStep> steps;
  if (path.empty() || path[0] != '$') {
    return Status::InvalidArgument("JSONPath '" + std::string(path) + "' must start with '$'");
  }
  size_t i = 1;
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("JSONPath '" + std::string(path) + "' is malformed at " +
                                   std::to_string(i) + ": " + why);
  };
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      size_t start = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      if (i == start) return bad("empty field name");
      steps.push_back({false, std::string(path.substr(start, i - start)), 0});
    } else if (path[i] == '[') {
      ++i;
      if (i < path.size() && (path[i] == '\'' || path[i] == '"')) {
        char q = path[i++];
        size_t start = i;
        while (i < path.size() && path[i] != q) ++i;
        if (i >= path.size()) return bad("unterminated quoted name");
        steps.push_back({false, std::string(path.substr(start, i - start)), 0});
        ++i;
      } else {
        size_t start = i;
        while (i < path.size() && std::isdigit(static_cast<unsigned char>(path[i]))) ++i;
        if (i == start) return bad("expected an index or a quoted name");
        steps.push_back({true, "", std::stoul(std::string(path.substr(start, i - start)))});
      }
      if (i >= path.size() || path[i] != ']') return bad("expected ']'");
      ++i;
    } else {
      return bad("expected '.' or '['");
    }
  }
  return steps;
}

}  // namespace

Result<std::optional<json::value>> EvalJsonPath(const json::value& root, std::string_view path) {
  MESHD_ASSIGN_OR_RETURN(auto steps, ParsePath(path));
  const json::value* cur = &root;
  for (const auto& s : steps) {
    if (s.is_index) {
      if (!cur->is_array() || s.index >= cur->get_array().size()) return std::optional<json::value>();
      cur = &cur->get_array()[s.index];
    } else {
      if (!cur->is_object()) return std::optional<json::value>();
      auto it = cur->get_object().find(s.key);
      if (it == cur->get_object().end()) return std::optional<json::value>();
      cur = &it->value();
    }
  }
  return std::optional<json::value>(*cur);
}

Status ValidateTransform(const TargetSpec& target) {
  if (target.partition_key_path) {
    auto steps = ParsePath(*target.partition_key_path);
    if (!steps.ok()) {
      return Status::InvalidArgument("target '" + target.id +
                                     "' KinesisParameters.PartitionKeyPath: " + steps.error().message());
    }
  }
  if (target.input_path) {
    auto steps = ParsePath(*target.input_path);
    if (!steps.ok()) return Status::InvalidArgument("target '" + target.id + "' InputPath: " + steps.error().message());
  }
  if (target.input_transformer) {
    if (target.input_transformer->input_paths_map.size() > 100) {
      return Status::InvalidArgument("target '" + target.id + "': InputPathsMap has more than 100 keys");
    }
    for (const auto& [name, p] : target.input_transformer->input_paths_map) {
      if (name.rfind("aws.events.", 0) == 0) {
        return Status::InvalidArgument("target '" + target.id + "': InputPathsMap key '" + name +
                                       "' is reserved");
      }
      auto steps = ParsePath(p);
      if (!steps.ok()) {
        return Status::InvalidArgument("target '" + target.id + "' InputPathsMap." + name + ": " +
                                       steps.error().message());
      }
    }
  }
  return Status::Ok();
}

Result<std::string> TransformInput(const TargetSpec& target, const std::string& event_json,
                                   const TransformContext& ctx) {
  if (target.input) return *target.input;
  if (!target.input_path && !target.input_transformer) return event_json;
  MESHD_ASSIGN_OR_RETURN(json::value event, ParseJson(event_json, "event"));
  if (target.input_path) {
    MESHD_ASSIGN_OR_RETURN(auto v, EvalJsonPath(event, *target.input_path));
    return v ? json::serialize(*v) : std::string("null");
  }
  const InputTransformerSpec& spec = *target.input_transformer;
  std::map<std::string, std::optional<json::value>> values;
  for (const auto& [name, p] : spec.input_paths_map) {
    MESHD_ASSIGN_OR_RETURN(values[name], EvalJsonPath(event, p));
  }
  values["aws.events.rule-name"] = json::value(ctx.rule_name);
  values["aws.events.rule-arn"] = json::value(ctx.rule_arn);
  values["aws.events.event"] = event;
  values["aws.events.event.json"] = event;
  values["aws.events.event.ingestion-time"] = json::value(FormatRfc3339(ctx.ingestion_time_ms));

  const std::string& t = spec.input_template;
  size_t first = t.find_first_not_of(" \t\r\n");
  bool json_mode = first != std::string::npos && (t[first] == '{' || t[first] == '[' || t[first] == '"');
  std::string out;
  out.reserve(t.size() + 64);
  bool in_string = false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (json_mode && c == '"') {
      // A quote toggles string state unless escaped by an odd run of backslashes.
      size_t bs = 0;
      for (size_t j = out.size(); j > 0 && out[j - 1] == '\\'; --j) ++bs;
      if (bs % 2 == 0) in_string = !in_string;
      out.push_back(c);
      continue;
    }
    if (c == '<') {
      size_t close = t.find('>', i + 1);
      if (close != std::string::npos) {
        std::string name = t.substr(i + 1, close - i - 1);
        auto it = values.find(name);
        if (it != values.end()) {
          const std::optional<json::value>& v = it->second;
          if (json_mode && in_string) {
            if (v && v->is_string()) out += EscapeForString(v->get_string());
            else if (v) out += EscapeForString(json::serialize(*v));
          } else if (json_mode) {
            out += v ? json::serialize(*v) : std::string("null");
          } else {
            if (v && v->is_string()) out += std::string(v->get_string());
            else if (v) out += json::serialize(*v);
          }
          i = close;
          continue;
        }
      }
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace meshd::bus
