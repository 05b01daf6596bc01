#pragma once
// Small helpers shared by the per-API handler files.

#include <optional>
#include <string>

#include "kafka/protocol/error_codes.h"
#include "kafka/protocol/header.h"
#include "kafka/server/request_context.h"

namespace meshd::kafka {

// Encodes `resp` at the request's version and completes the handler.
template <class Resp>
void Reply(const RequestContext& ctx, const HandlerDone& done, const Resp& resp) {
  done(std::optional<std::string>(EncodeBody(resp, ctx.version())));
}

}  // namespace meshd::kafka

// Decodes the request body into `var` or fails the request (which closes the
// connection: the client sent something we cannot parse).
#define KAFKA_DECODE_OR_FAIL(Type, var)                                 \
  auto var##_result = ::meshd::kafka::DecodeBody<Type>(body, ctx->version()); \
  if (!var##_result.ok()) {                                             \
    done(var##_result.error());                                         \
    return;                                                             \
  }                                                                     \
  Type& var = *var##_result
