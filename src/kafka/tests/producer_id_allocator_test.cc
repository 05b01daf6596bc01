// Producer ids never repeat across a "restart" (re-opening the directory).

#include "kafka/server/producer_id_allocator.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>

namespace meshd::kafka {
namespace {

TEST(ProducerIdAllocator, IdsAreUniqueAcrossReopen) {
  char tmpl[] = "/tmp/meshd_pid_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::set<int64_t> seen;
  for (int round = 0; round < 3; ++round) {
    auto a = ProducerIdAllocator::Open(dir);
    ASSERT_TRUE(a.ok()) << a.error().ToString();
    for (int i = 0; i < 5; ++i) {
      auto id = (*a)->Next();
      ASSERT_TRUE(id.ok());
      EXPECT_TRUE(seen.insert(*id).second) << "id " << *id << " reused";
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(ProducerIdAllocator, CorruptFileIsAnError) {
  char tmpl[] = "/tmp/meshd_pid_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  FILE* f = fopen((dir + "/kafka_producer_ids").c_str(), "w");
  fputs("not a number", f);
  fclose(f);
  EXPECT_FALSE(ProducerIdAllocator::Open(dir).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace meshd::kafka
