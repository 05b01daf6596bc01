#include "stream/pipeline_spec.h"

#include <cctype>

#include "stream/operator.h"

namespace meshd::stream {

Status ValidatePipelineName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("pipeline name is empty");
  if (name.size() > 100) return Status::InvalidArgument("pipeline name '" + name + "' is longer than 100 characters");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return Status::InvalidArgument("pipeline name '" + name +
                                     "' may contain only letters, digits, '_', '-' and '.'");
  }
  if (name == "." || name == "..") return Status::InvalidArgument("pipeline name '" + name + "' is reserved");
  return Status::Ok();
}

Result<int64_t> ParseDuration(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) return Status::InvalidArgument(where + ": expected a duration such as 500ms, 5s, 1m");
  std::string s = node.Scalar();
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0) return Status::InvalidArgument(where + ": '" + s + "' is not a duration (e.g. 500ms, 5s, 1m)");
  int64_t n = std::stoll(s.substr(0, i));
  std::string unit = s.substr(i);
  int64_t mult = 0;
  if (unit.empty() || unit == "ms") mult = 1;
  else if (unit == "s") mult = 1000;
  else if (unit == "m" || unit == "min") mult = 60000;
  else if (unit == "h") mult = 3600000;
  else if (unit == "d") mult = 86400000;
  else return Status::InvalidArgument(where + ": unknown duration unit '" + unit + "' (ms, s, m, h, d)");
  return n * mult;
}

namespace {

Result<std::vector<std::string>> StringList(const YAML::Node& n, const std::string& where) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& v : n) {
      if (!v.IsScalar()) return Status::InvalidArgument(where + ": expected a list of names");
      out.push_back(v.Scalar());
    }
  } else {
    return Status::InvalidArgument(where + ": expected a name or a list of names");
  }
  return out;
}

Result<OutputSpec> ParseOutput(const YAML::Node& n, const std::string& where, const std::string& pipeline) {
  if (!n.IsMap()) return Status::InvalidArgument(where + ": expected a map with table, topic or bus");
  OutputSpec o;
  int kinds = 0;
  for (const auto& kv : n) {
    std::string k = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    std::string w = where + "." + k;
    if (k == "table" || k == "topic" || k == "bus") {
      ++kinds;
      if (!v.IsScalar() || v.Scalar().empty()) return Status::InvalidArgument(w + ": expected a name");
      o.kind = k == "table" ? OutputSpec::Kind::kTable : k == "topic" ? OutputSpec::Kind::kTopic : OutputSpec::Kind::kBus;
      o.name = v.Scalar();
    } else if (k == "key") {
      MESHD_ASSIGN_OR_RETURN(o.key, StringList(v, w));
    } else if (k == "columns") {
      if (!v.IsMap()) return Status::InvalidArgument(w + ": expected a map column: TYPE");
      for (const auto& c : v) o.columns.emplace_back(c.first.Scalar(), c.second.Scalar());
    } else if (k == "type" || k == "detail_type") {
      o.type = v.Scalar();
    } else if (k == "source") {
      o.source = v.Scalar();
    } else {
      return Status::InvalidArgument(w + ": unknown key (expected table|topic|bus, key, columns, type, source)");
    }
  }
  if (kinds != 1) return Status::InvalidArgument(where + ": name exactly one of table, topic or bus");
  if (o.source.empty()) o.source = "/meshd/pipelines/" + pipeline;
  if (o.type.empty()) o.type = o.kind == OutputSpec::Kind::kBus ? pipeline : "meshd.pipeline." + pipeline;
  if (o.kind == OutputSpec::Kind::kTopic && o.key.size() > 1)
    return Status::InvalidArgument(where + ".key: a topic output takes one key field");
  return o;
}

}  // namespace

Result<PipelineSpec> ParsePipeline(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("pipeline definition is not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) return Status::InvalidArgument("pipeline definition must be a YAML map");
  PipelineSpec spec;
  spec.source_text = yaml_text;
  if (root["name"] && root["name"].IsScalar()) spec.name = root["name"].Scalar();
  MESHD_TRY(ValidatePipelineName(spec.name));
  std::string where = "pipeline '" + spec.name + "'";
  try {
    for (const auto& kv : root) {
      std::string k = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      std::string w = where + ": " + k;
      if (k == "name") {
      } else if (k == "description") {
        spec.description = v.Scalar();
      } else if (k == "inputs" || k == "input") {
        if (v.IsSequence()) {
          for (size_t i = 0; i < v.size(); ++i) {
            const YAML::Node& in = v[i];
            if (in.IsScalar()) spec.inputs.push_back(in.Scalar());
            else if (in.IsMap() && in["topic"]) spec.inputs.push_back(in["topic"].Scalar());
            else return Status::InvalidArgument(w + "[" + std::to_string(i) + "]: expected a topic name or {topic: NAME}");
          }
        } else if (v.IsScalar()) {
          spec.inputs.push_back(v.Scalar());
        } else if (v.IsMap() && v["topic"]) {
          spec.inputs.push_back(v["topic"].Scalar());
        } else {
          return Status::InvalidArgument(w + ": expected a topic or a list of topics");
        }
      } else if (k == "warehouse") {
        spec.warehouse = v.Scalar() == "sqlite" ? "" : v.Scalar();
      } else if (k == "start") {
        if (v.Scalar() == "earliest") spec.start_latest = false;
        else if (v.Scalar() == "latest") spec.start_latest = true;
        else return Status::InvalidArgument(w + ": expected earliest or latest");
      } else if (k == "checkpoint_interval" || k == "checkpoint_interval_ms") {
        MESHD_ASSIGN_OR_RETURN(spec.checkpoint_interval_ms, ParseDuration(v, w));
        if (spec.checkpoint_interval_ms < 10) return Status::InvalidArgument(w + ": must be at least 10ms");
      } else if (k == "operators" || k == "steps") {
        if (!v.IsSequence()) return Status::InvalidArgument(w + ": expected a list");
        for (const auto& op : v) spec.operators.push_back(YAML::Clone(op));
      } else if (k == "output" || k == "outputs" || k == "sink" || k == "sinks") {
        if (v.IsSequence()) {
          for (size_t i = 0; i < v.size(); ++i) {
            MESHD_ASSIGN_OR_RETURN(auto o, ParseOutput(v[i], w + "[" + std::to_string(i) + "]", spec.name));
            spec.outputs.push_back(std::move(o));
          }
        } else {
          MESHD_ASSIGN_OR_RETURN(auto o, ParseOutput(v, w, spec.name));
          spec.outputs.push_back(std::move(o));
        }
      } else {
        return Status::InvalidArgument(
            w + ": unknown key (expected name, description, inputs, start, checkpoint_interval, warehouse, operators, outputs)");
      }
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument(where + ": " + e.what());
  }
  if (spec.inputs.empty()) return Status::InvalidArgument(where + ": inputs: at least one topic is required");
  if (spec.outputs.empty()) return Status::InvalidArgument(where + ": outputs: at least one output is required");
  for (const auto& t : spec.inputs)
    if (t.empty()) return Status::InvalidArgument(where + ": inputs: empty topic name");
  // Build once so every operator's configuration, expression and pattern is
  // checked now rather than when the first record arrives.
  auto ops = BuildOperators(spec);
  if (!ops.ok()) return Status::InvalidArgument(where + ": " + ops.error().message());
  return spec;
}

}  // namespace meshd::stream
