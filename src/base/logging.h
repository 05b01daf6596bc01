#pragma once
// Structured logging through spdlog. One logger per component
// ("storage", "http", "kafka", ...); lines are key=value pairs so they can be
// grepped and parsed: `ts=... level=info component=storage msg="..." topic=x`.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace meshd::logging {

// Configures the default sink (stderr) and level ("debug", "info", "warn", ...),
// and the JSON vs logfmt-style pattern. Safe to call more than once.
void Init(const std::string& level, bool json = false);

// The logger for a component; created on first use.
std::shared_ptr<spdlog::logger> Get(const std::string& component);

}  // namespace meshd::logging
