#include "http/reply.h"

#include <boost/json/serialize.hpp>

#include "http/error_mapping.h"

namespace meshd::http {

Response ReplyJson(const RequestContext& ctx, const boost::json::value& value, bhttp::status http_status) {
  return JsonResponse(http_status, boost::json::serialize(value), ctx.request.version(),
                      ctx.request.keep_alive());
}

Response ReplyError(const RequestContext& ctx, const Status& status, std::string_view symbol) {
  return ErrorResponse(status, symbol, ctx.request.version(), ctx.request.keep_alive());
}

}  // namespace meshd::http
