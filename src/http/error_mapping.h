#pragma once
// The one table that maps meshd::StatusCode to HTTP: a status code and a
// default error symbol. Every HTTP error body has the shape
//   {"error_code":"<SYMBOL>","message":"<what and where>"}
// Handlers may pass a more specific symbol (e.g. TOPIC_NOT_FOUND); the HTTP
// status still comes from the StatusCode so the mapping stays in one place.

#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace meshd::http {

// HTTP status for a meshd status code (kOk → 200).
bhttp::status HttpStatusFor(StatusCode code);
// Default symbol, e.g. kNotFound → "NOT_FOUND", kTooLarge → "PAYLOAD_TOO_LARGE".
std::string_view DefaultErrorSymbol(StatusCode code);

// Builds the JSON error response. `symbol` empty → DefaultErrorSymbol.
// Also counts the error in meshd_http_errors_total{error_code}.
Response ErrorResponse(const Status& status, std::string_view symbol = {},
                       unsigned version = 11, bool keep_alive = true);
// For errors that are HTTP-level only (404 route, 405 method).
Response ErrorResponse(bhttp::status http_status, std::string_view symbol,
                       std::string_view message, unsigned version = 11, bool keep_alive = true);

// A 2xx JSON response with the given serialized body.
Response JsonResponse(bhttp::status http_status, std::string body, unsigned version = 11,
                      bool keep_alive = true);

// A Status plus the symbol to report, for code paths that decide both.
struct ApiError {
  Status status;
  std::string symbol;  // empty → default for status.code()
};

}  // namespace meshd::http
