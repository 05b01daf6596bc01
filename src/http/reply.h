#pragma once
// One-line JSON replies for route handlers: the body or the error mapped by
// error_mapping.h, answered on the request's HTTP version and keep-alive.
// Every module's HTTP front end wants exactly this pair, so it lives here
// once instead of as a local Json()/Error() in each handler file.

#include <boost/json/value.hpp>

#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace meshd::http {

// A JSON response (default 200 OK) with `value` serialized as the body.
Response ReplyJson(const RequestContext& ctx, const boost::json::value& value,
                   bhttp::status http_status = bhttp::status::ok);

// The JSON error response for `status` (ErrorResponse): HTTP status from the
// status code, `symbol` as error_code (empty → the code's default symbol).
Response ReplyError(const RequestContext& ctx, const Status& status, std::string_view symbol = {});

}  // namespace meshd::http
