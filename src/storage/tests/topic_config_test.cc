#include "storage/topic_config.h"

#include <gtest/gtest.h>

namespace meshd::storage {
namespace {

TEST(TopicConfigTest, DefaultsRoundTripThroughToMap) {
  TopicConfig c;
  auto m = c.ToMap();
  EXPECT_EQ(m["fsync"], "interval:1000");
  EXPECT_EQ(m["cleanup.policy"], "delete");
  EXPECT_EQ(m["index.interval.bytes"], "4096");
  auto back = TopicConfig::FromMap(m);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->ToMap(), m);
}

TEST(TopicConfigTest, ParsesFsyncModes) {
  TopicConfig c;
  ASSERT_TRUE(c.Set("fsync", "always").ok());
  EXPECT_EQ(c.fsync, FsyncMode::kAlways);
  ASSERT_TRUE(c.Set("fsync", "never").ok());
  EXPECT_EQ(c.fsync, FsyncMode::kNever);
  ASSERT_TRUE(c.Set("fsync", "interval:250").ok());
  EXPECT_EQ(c.fsync, FsyncMode::kInterval);
  EXPECT_EQ(c.fsync_interval_ms, 250);
  EXPECT_EQ(c.raw["fsync"], "interval:250");
  for (const char* bad : {"sometimes", "interval:", "interval:0", "interval:x", ""}) {
    Status s = c.Set("fsync", bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("'fsync'"), std::string::npos) << s.message();
  }
}

TEST(TopicConfigTest, ErrorsNameTheKeyAndValue) {
  TopicConfig c;
  Status s = c.Set("retention.ms", "soon");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("retention.ms"), std::string::npos);
  EXPECT_NE(s.message().find("soon"), std::string::npos);
  s = c.Set("segment.bytes", "10");
  EXPECT_NE(s.message().find("segment.bytes"), std::string::npos);
  s = c.Set("no.such.key", "1");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no.such.key"), std::string::npos);
  s = c.Set("cleanup.policy", "compact,forever");
  EXPECT_NE(s.message().find("cleanup.policy"), std::string::npos);
}

TEST(TopicConfigTest, CleanupPolicyCombinations) {
  TopicConfig c;
  ASSERT_TRUE(c.Set("cleanup.policy", "compact").ok());
  EXPECT_TRUE(c.cleanup_compact);
  EXPECT_FALSE(c.cleanup_delete);
  ASSERT_TRUE(c.Set("cleanup.policy", "compact, delete").ok());
  EXPECT_TRUE(c.cleanup_compact);
  EXPECT_TRUE(c.cleanup_delete);
  EXPECT_EQ(c.ToMap()["cleanup.policy"], "compact,delete");
}

TEST(TopicConfigTest, FromMapIsAllOrNothing) {
  TopicConfig base;
  auto r = TopicConfig::FromMap({{"retention.ms", "5"}, {"zzz.unknown", "1"}}, base);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("zzz.unknown"), std::string::npos);
  auto ok = TopicConfig::FromMap({{"retention.ms", "5"}, {"schema.validation", "strict"}}, base);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->retention_ms, 5);
  EXPECT_EQ(ok->ToMap()["schema.validation"], "strict");
}

TEST(TopicConfigTest, SchemaValidationModesForValuesAndKeys) {
  for (const char* key : {"schema.validation", "schema.key.validation"}) {
    TopicConfig c;
    for (const char* mode : {"none", "warn", "strict"}) {
      ASSERT_TRUE(c.Set(key, mode).ok()) << key << "=" << mode;
      EXPECT_EQ(c.ToMap()[key], mode);
    }
    Status bad = c.Set(key, "lenient");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find(key), std::string::npos) << bad.message();
    EXPECT_NE(bad.message().find("none, warn or strict"), std::string::npos) << bad.message();
    EXPECT_EQ(c.ToMap()[key], "strict") << "a rejected value leaves the config as it was";
  }
}

}  // namespace
}  // namespace meshd::storage
