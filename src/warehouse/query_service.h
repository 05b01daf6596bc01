#pragma once
// The query surfaces of the warehouse:
//   GET /v1/query?sql=SELECT...[&format=json|csv][&max_rows=N]
//     200 {"columns":[..],"rows":[[..]],"row_count":N,"truncated":false}
//     400 {"error_code":"READ_ONLY"|"BAD_SQL","message":...}, 408 QUERY_TIMEOUT
//   meshd query "SELECT ..." [--json|--csv] [--server URL]
// Queries run on a small worker pool (never on an I/O thread), each on its
// own read-only connection.

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace meshd::http {
class Router;
}

namespace meshd::warehouse {

void RegisterQueryRoutes(http::Router& router, std::string db_path);

// Adds `meshd query` to the binary.
void RegisterQueryCommand(CLI::App& app, std::function<int()>* run);

}  // namespace meshd::warehouse
