#include "http/error_mapping.h"

#include <boost/json.hpp>

#include "metrics/metrics.h"

namespace meshd::http {

bhttp::status HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return bhttp::status::ok;
    case StatusCode::kInvalidArgument: return bhttp::status::bad_request;
    case StatusCode::kNotFound: return bhttp::status::not_found;
    case StatusCode::kAlreadyExists: return bhttp::status::conflict;
    case StatusCode::kOutOfRange: return bhttp::status::range_not_satisfiable;
    case StatusCode::kTooLarge: return bhttp::status::payload_too_large;
    case StatusCode::kUnavailable: return bhttp::status::service_unavailable;
    case StatusCode::kPermissionDenied: return bhttp::status::forbidden;
    case StatusCode::kConflict: return bhttp::status::conflict;
    case StatusCode::kTimeout: return bhttp::status::gateway_timeout;
    case StatusCode::kUnsupported: return bhttp::status::not_implemented;
    // Idempotent-producer outcomes are the client's fault (bad sequence).
    case StatusCode::kOutOfOrderSequence:
    case StatusCode::kInvalidProducerEpoch:
    case StatusCode::kUnknownProducerId: return bhttp::status::conflict;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal: return bhttp::status::internal_server_error;
  }
  return bhttp::status::internal_server_error;
}

std::string_view DefaultErrorSymbol(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kAlreadyExists: return "ALREADY_EXISTS";
    case StatusCode::kOutOfRange: return "OFFSET_OUT_OF_RANGE";
    case StatusCode::kTooLarge: return "PAYLOAD_TOO_LARGE";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case StatusCode::kConflict: return "CONFLICT";
    case StatusCode::kTimeout: return "TIMEOUT";
    case StatusCode::kUnsupported: return "UNSUPPORTED";
    case StatusCode::kOutOfOrderSequence: return "OUT_OF_ORDER_SEQUENCE";
    case StatusCode::kInvalidProducerEpoch: return "INVALID_PRODUCER_EPOCH";
    case StatusCode::kUnknownProducerId: return "UNKNOWN_PRODUCER_ID";
    case StatusCode::kCorruption: return "CORRUPTION";
    case StatusCode::kIOError: return "IO_ERROR";
    case StatusCode::kInternal: return "INTERNAL";
  }
  return "INTERNAL";
}

Response ErrorResponse(bhttp::status http_status, std::string_view symbol,
                       std::string_view message, unsigned version, bool keep_alive) {
  metrics::Registry::Default()
      .GetCounter("meshd_http_errors_total", "HTTP error responses by error code",
                  {{"error_code", std::string(symbol)}})
      .Inc();
  boost::json::object body;
  body["error_code"] = symbol;
  body["message"] = message;
  Response res(http_status, version);
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

Response ErrorResponse(const Status& status, std::string_view symbol, unsigned version,
                       bool keep_alive) {
  std::string_view sym = symbol.empty() ? DefaultErrorSymbol(status.code()) : symbol;
  return ErrorResponse(HttpStatusFor(status.code()), sym, status.message(), version, keep_alive);
}

Response JsonResponse(bhttp::status http_status, std::string body, unsigned version,
                      bool keep_alive) {
  Response res(http_status, version);
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace meshd::http
