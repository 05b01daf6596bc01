#include "app/serve_options.h"

#include <yaml-cpp/yaml.h>

namespace meshd::app {

Status LoadServeConfig(const std::string& path, ServeOptions* o) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    return Status::InvalidArgument("cannot read config file '" + path + "': " + e.what());
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) return Status::InvalidArgument("config file '" + path + "' must be a YAML map");
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    try {
      if (key == "data_dir") o->data_dir = v.as<std::string>();
      else if (key == "http") o->http = v.as<std::string>();
      else if (key == "log_level") o->log_level = v.as<std::string>();
      else if (key == "threads") o->threads = v.as<int>();
      else if (key == "max_request_bytes") o->max_request_bytes = v.as<int64_t>();
      else if (key == "auto_create_topics") o->api.auto_create_topics = v.as<bool>();
      else if (key == "auto_create_partitions") o->api.auto_create_partitions = v.as<int>();
      else if (key == "max_event_bytes") o->api.max_event_bytes = v.as<int64_t>();
      else if (key == "dedup_window_ms") o->api.dedup_window_ms = v.as<int64_t>();
      else if (key == "dedup_max_entries") o->api.dedup_max_entries = v.as<int64_t>();
      else if (key == "session_timeout_ms") o->api.session_timeout_ms = v.as<int64_t>();
      else if (key == "max_wait_ms") o->api.max_wait_ms = v.as<int64_t>();
      else if (key == "kafka") o->kafka = v.as<std::string>();
      else if (key == "kafka_auto_create_topics") o->kafka_auto_create_topics = v.as<bool>();
      else if (key == "kafka_default_partitions") o->kafka_default_partitions = v.as<int>();
      else if (key == "kafka_sasl_users") o->kafka_sasl_users = v.as<std::vector<std::string>>();
      else if (key == "registry") o->registry = v.as<std::string>();
      else if (key == "pipelines") o->pipeline_files = v.as<std::vector<std::string>>();
      else if (key == "pipeline_brokers") o->pipeline_brokers = v.as<std::string>();
      else if (key == "auth") o->auth = v.as<std::string>();
      else if (key == "policy") o->policy_file = v.as<std::string>();
      else return Status::InvalidArgument("unknown key '" + key + "' in config file '" + path + "'");
    } catch (const std::exception& e) {
      return Status::InvalidArgument("bad value for '" + key + "' in config file '" + path +
                                     "': " + e.what());
    }
  }
  return Status::Ok();
}

}  // namespace meshd::app
