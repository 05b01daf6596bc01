#include "bus/config_store.h"

#include <gtest/gtest.h>

#include "bus/tests/memory_event_log.h"

namespace meshd::bus {
namespace {

TEST(ConfigStoreTest, LastValueWinsAndTombstonesDelete) {
  testing::MemoryEventLog log;
  ConfigStore store(log);
  ASSERT_TRUE(store.Open().ok());
  ASSERT_TRUE(store.Put("rule/default/a", json::object{{"v", 1}}).ok());
  ASSERT_TRUE(store.Put("rule/default/b", json::object{{"v", 1}}).ok());
  ASSERT_TRUE(store.Put("rule/default/a", json::object{{"v", 2}}).ok());
  ASSERT_TRUE(store.Delete("rule/default/b").ok());
  auto loaded = store.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ(loaded->at("rule/default/a").at("v").as_int64(), 2);
  // The topic is compacted so old versions can be cleaned.
  auto desc = log.DescribeTopic(ConfigStore::kDefaultTopic);
  ASSERT_TRUE(desc.ok());
  EXPECT_TRUE(desc->config.cleanup_compact);
}

TEST(ConfigStoreTest, PutFailureNamesTheKey) {
  testing::MemoryEventLog log;
  ConfigStore store(log);
  ASSERT_TRUE(store.Open().ok());
  log.FailAppendsTo(ConfigStore::kDefaultTopic);
  Status s = store.Put("bus/x", json::object{});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bus/x"), std::string::npos);
}

}  // namespace
}  // namespace meshd::bus
