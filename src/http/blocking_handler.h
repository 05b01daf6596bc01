#pragma once
// Route handlers whose work blocks (an fsync, a SQLite query, a RocksDB
// checkpoint) must not hold an I/O thread: OnWorkerPool runs such a handler
// on a worker pool and resumes the connection's coroutine with its response.
// An exception escaping the handler becomes a 500 INTERNAL JSON error whose
// message starts with `what` ("query" → "query failed: ...").

#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <string>

#include "http/message.h"

namespace meshd::http {

using BlockingHandler = std::function<Response(RequestContext&)>;

// `pool` must outlive the returned handler (callers use a function-local static).
Handler OnWorkerPool(boost::asio::thread_pool& pool, std::string what, BlockingHandler fn);

}  // namespace meshd::http
