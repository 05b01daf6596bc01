#include "base/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace meshd::logging {
namespace {
std::mutex g_mu;
std::string g_pattern = "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l component=%n msg=\"%v\"";
spdlog::level::level_enum g_level = spdlog::level::info;
}  // namespace

void Init(const std::string& level, bool json) {
  std::lock_guard lock(g_mu);
  g_level = spdlog::level::from_str(level);
  g_pattern = json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","component":"%n","msg":"%v"})"
                   : "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l component=%n msg=\"%v\"";
  spdlog::set_level(g_level);
  spdlog::set_pattern(g_pattern, spdlog::pattern_time_type::utc);
}

std::shared_ptr<spdlog::logger> Get(const std::string& component) {
  std::lock_guard lock(g_mu);
  if (auto existing = spdlog::get(component)) return existing;
  auto logger = spdlog::stderr_color_mt(component);
  logger->set_level(g_level);
  logger->set_pattern(g_pattern, spdlog::pattern_time_type::utc);
  return logger;
}

}  // namespace meshd::logging
