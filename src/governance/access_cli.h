#pragma once
// Client commands for access control, talking to a running server over HTTP:
//
//   meshd token create --domain crm [--name NAME] [--admin]   prints the token once
//   meshd token list
//   meshd token revoke NAME
//   meshd audit [--principal P] [--action A] [--resource R] [--limit N] [--json]
//
// Common options: --server URL (env MESHD_SERVER, default http://127.0.0.1:8080)
// and the caller's token: --token T, else env MESHD_TOKEN, else the admin
// token file of --data-dir DIR (DIR/admin.token), else ./meshd-data/admin.token
// when readable. Exit codes as every client command: 0 ok, 1 server error,
// 2 usage, 3 connection failure.

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace meshd::governance::cli {

void RegisterCommands(CLI::App& app, std::function<int()>* run);

// The token the CLI sends: flag, env, data-dir file, default data dir file.
std::string ResolveClientToken(const std::string& flag_token, const std::string& data_dir);

}  // namespace meshd::governance::cli
