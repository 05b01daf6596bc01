#include "base/result.h"
#include "base/status.h"

#include <gtest/gtest.h>

namespace meshd {
namespace {

TEST(StatusTest, OkIsCheapAndCopyable) {
  Status s;
  EXPECT_TRUE(s.ok());
  Status copy = s;
  EXPECT_TRUE(copy.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::NotFound("topic 'x' does not exist");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.ToString(), "NotFound: topic 'x' does not exist");
  Status copy = s;
  EXPECT_EQ(copy.message(), "topic 'x' does not exist");
}

Result<int> Half(int v) {
  if (v % 2) return Status::InvalidArgument("odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  MESHD_ASSIGN_OR_RETURN(int h, Half(v));
  return Half(h);
}

TEST(ResultTest, ValueOrError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_FALSE(Quarter(6).ok());
  EXPECT_EQ(Quarter(6).error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace meshd
