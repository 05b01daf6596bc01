#include "http/error_mapping.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/stream_writer.h"
#include "metrics/metrics.h"

namespace meshd::http {
namespace {

TEST(ErrorMappingTest, MapsEveryStatusCodeToAnErrorStatus) {
  struct Case {
    StatusCode code;
    unsigned http;
    const char* symbol;
  } cases[] = {
      {StatusCode::kInvalidArgument, 400, "INVALID_ARGUMENT"},
      {StatusCode::kNotFound, 404, "NOT_FOUND"},
      {StatusCode::kAlreadyExists, 409, "ALREADY_EXISTS"},
      {StatusCode::kOutOfRange, 416, "OFFSET_OUT_OF_RANGE"},
      {StatusCode::kTooLarge, 413, "PAYLOAD_TOO_LARGE"},
      {StatusCode::kUnavailable, 503, "UNAVAILABLE"},
      {StatusCode::kPermissionDenied, 403, "PERMISSION_DENIED"},
      {StatusCode::kConflict, 409, "CONFLICT"},
      {StatusCode::kTimeout, 504, "TIMEOUT"},
      {StatusCode::kUnsupported, 501, "UNSUPPORTED"},
      {StatusCode::kCorruption, 500, "CORRUPTION"},
      {StatusCode::kIOError, 500, "IO_ERROR"},
      {StatusCode::kInternal, 500, "INTERNAL"},
      {StatusCode::kOutOfOrderSequence, 409, "OUT_OF_ORDER_SEQUENCE"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(static_cast<unsigned>(HttpStatusFor(c.code)), c.http) << c.symbol;
    EXPECT_EQ(DefaultErrorSymbol(c.code), c.symbol);
  }
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), bhttp::status::ok);
}

TEST(ErrorMappingTest, BodyHasErrorCodeAndMessage) {
  Response res = ErrorResponse(Status::NotFound("topic 'x' does not exist"), "TOPIC_NOT_FOUND");
  EXPECT_EQ(res.result(), bhttp::status::not_found);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  auto body = boost::json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("error_code").as_string(), "TOPIC_NOT_FOUND");
  EXPECT_EQ(body.at("message").as_string(), "topic 'x' does not exist");
  EXPECT_EQ(body.size(), 2u);
}

TEST(ErrorMappingTest, DefaultSymbolWhenNoneGiven) {
  Response res = ErrorResponse(Status::TooLarge("event 3 is 2000000 bytes"));
  EXPECT_EQ(res.result(), bhttp::status::payload_too_large);
  EXPECT_EQ(boost::json::parse(res.body()).at("error_code").as_string(), "PAYLOAD_TOO_LARGE");
}

TEST(ErrorMappingTest, ErrorsAreCountedByCode) {
  (void)ErrorResponse(Status::Conflict("x"), "SOME_TEST_CODE");
  std::string text = metrics::Registry::Default().Render();
  EXPECT_NE(text.find("meshd_http_errors_total{error_code=\"SOME_TEST_CODE\"} 1"),
            std::string::npos)
      << text;
}

TEST(SseFormatTest, SplitsMultilineData) {
  EXPECT_EQ(FormatSseEvent("0-1", "cloudevent", "a\nb"),
            "id: 0-1\nevent: cloudevent\ndata: a\ndata: b\n\n");
  EXPECT_EQ(FormatSseEvent("", "", ""), "data: \n\n");
}

}  // namespace
}  // namespace meshd::http
