// StringTable: the open-addressing map behind the exact-value indexes.

#include "pattern/string_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace meshd::pattern {
namespace {

TEST(StringTableTest, InsertFindErase) {
  StringTable<int> t;
  EXPECT_EQ(t.Find("a"), nullptr);
  t["a"] = 1;
  t[""] = 2;  // the empty string is a valid key
  ASSERT_NE(t.Find("a"), nullptr);
  EXPECT_EQ(*t.Find("a"), 1);
  ASSERT_NE(t.Find(""), nullptr);
  EXPECT_EQ(*t.Find(""), 2);
  EXPECT_EQ(t.size(), 2u);
  t.Erase("a");
  EXPECT_EQ(t.Find("a"), nullptr);
  EXPECT_EQ(*t.Find(""), 2);
  t.Erase("missing");
  EXPECT_EQ(t.size(), 1u);
}

// Random inserts and erases against std::map, through several growths, so
// that probe runs wrap and backward-shift deletion is exercised.
TEST(StringTableTest, AgreesWithStdMapUnderChurn) {
  StringTable<int> t;
  std::map<std::string, int> ref;
  std::mt19937 rng(99);
  for (int step = 0; step < 200000; ++step) {
    const std::string key = "k" + std::to_string(rng() % 5000);
    if (rng() % 3 == 0) {
      t.Erase(key);
      ref.erase(key);
    } else {
      t[key] = step;
      ref[key] = step;
    }
    if (step % 10007 == 0) {
      for (int k = 0; k < 5000; ++k) {
        const std::string probe = "k" + std::to_string(k);
        const int* got = t.Find(probe);
        auto it = ref.find(probe);
        ASSERT_EQ(got != nullptr, it != ref.end()) << probe << " at step " << step;
        if (got != nullptr) {
          ASSERT_EQ(*got, it->second);
        }
      }
    }
  }
  EXPECT_EQ(t.size(), ref.size());
  // Empty it entirely and reuse.
  for (const auto& [k, v] : ref) t.Erase(k);
  EXPECT_TRUE(t.empty());
  t["again"] = 7;
  EXPECT_EQ(*t.Find("again"), 7);
}

}  // namespace
}  // namespace meshd::pattern
