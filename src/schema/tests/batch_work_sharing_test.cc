#include "schema/batch_work_sharing.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.h"
#include "schema/schema_registry.h"

namespace meshd::schema {
namespace {

using std::chrono::steady_clock;

// Bounded wait for a condition (never a bare sleep).
template <class Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = steady_clock::now() + limit;
  while (!pred()) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// ------------------------------------------------------------ the component

TEST(BatchWorkSharing, EveryChunkRunsExactlyOnce) {
  for (unsigned helpers : {0u, 1u, 3u}) {
    BatchWorkSharing pool(helpers);
    EXPECT_EQ(pool.helpers(), helpers);
    for (size_t chunks : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{1000}}) {
      std::vector<std::atomic<int>> runs(chunks);
      auto fn = [&](size_t c) { runs[c].fetch_add(1); };
      pool.Run(chunks, fn);
      for (size_t c = 0; c < chunks; ++c) {
        ASSERT_EQ(runs[c].load(), 1) << "helpers " << helpers << " chunks " << chunks << " chunk " << c;
      }
    }
  }
}

TEST(BatchWorkSharing, NoHelpersRunsInlineOnTheCaller) {
  BatchWorkSharing pool(0);
  const auto caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  auto fn = [&](size_t) {
    if (std::this_thread::get_id() != caller) elsewhere++;
  };
  pool.Run(100, fn);
  EXPECT_EQ(elsewhere.load(), 0);
}

// The caller's first chunk holds until another thread has run a chunk: the
// helper really takes part (and Run still returns with every chunk done).
TEST(BatchWorkSharing, HelpersTakeChunks) {
  BatchWorkSharing pool(1);
  const auto caller = std::this_thread::get_id();
  std::atomic<int> by_helper{0};
  std::atomic<int> done{0};
  bool helper_seen = true;
  auto fn = [&](size_t) {
    if (std::this_thread::get_id() != caller) {
      by_helper++;
    } else if (done.load() == 0) {
      helper_seen = WaitFor([&] { return by_helper.load() > 0; });
    }
    done++;
  };
  pool.Run(64, fn);
  EXPECT_TRUE(helper_seen) << "no helper ran a chunk within 20 s";
  EXPECT_GT(by_helper.load(), 0);
  EXPECT_EQ(done.load(), 64);
}

// A busy helper does not delay another caller: it runs all of its chunks
// itself instead of waiting for the helper to start.
TEST(BatchWorkSharing, CallerNeverWaitsForABusyHelperToStart) {
  BatchWorkSharing pool(1);
  std::atomic<bool> helper_inside{false};
  std::atomic<bool> release{false};
  std::thread::id first_caller;
  // Job A: its caller's chunk waits until the helper holds the other chunk;
  // the helper then stays inside until released.
  std::thread a([&] {
    first_caller = std::this_thread::get_id();
    auto fn = [&](size_t) {
      if (std::this_thread::get_id() == first_caller) {
        WaitFor([&] { return helper_inside.load(); });
      } else {
        helper_inside = true;
        WaitFor([&] { return release.load(); });
      }
    };
    pool.Run(2, fn);
  });
  ASSERT_TRUE(WaitFor([&] { return helper_inside.load(); })) << "the helper never entered job A";
  // Job B while the only helper is stuck in job A.
  const auto caller = std::this_thread::get_id();
  std::atomic<int> on_caller{0};
  auto fn = [&](size_t) {
    if (std::this_thread::get_id() == caller) on_caller++;
  };
  const auto start = steady_clock::now();
  pool.Run(200, fn);
  const auto took = steady_clock::now() - start;
  EXPECT_EQ(on_caller.load(), 200);
  EXPECT_FALSE(release.load());
  EXPECT_LT(took, std::chrono::seconds(10));
  release = true;
  a.join();
}

TEST(BatchWorkSharing, ConcurrentCallersGetTheirOwnChunks) {
  BatchWorkSharing pool(3);
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        std::vector<std::atomic<int>> runs(97);
        auto fn = [&](size_t c) { runs[c].fetch_add(1); };
        pool.Run(runs.size(), fn);
        for (auto& r : runs) {
          if (r.load() != 1) wrong++;
        }
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(BatchWorkSharing, HelperCountFromEnvironment) {
  const char* saved = std::getenv("MESHD_VALIDATION_HELPERS");
  const std::string saved_value = saved ? saved : "";
  const unsigned cores = std::thread::hardware_concurrency();
  const unsigned hardware = cores > 1 ? cores - 1 : 0;
  ::setenv("MESHD_VALIDATION_HELPERS", "0", 1);
  EXPECT_EQ(BatchWorkSharing::DefaultHelperCount(), 0u);
  ::setenv("MESHD_VALIDATION_HELPERS", "3", 1);
  EXPECT_EQ(BatchWorkSharing::DefaultHelperCount(), 3u);
  ::setenv("MESHD_VALIDATION_HELPERS", "two", 1);
  EXPECT_EQ(BatchWorkSharing::DefaultHelperCount(), hardware);
  ::unsetenv("MESHD_VALIDATION_HELPERS");
  EXPECT_EQ(BatchWorkSharing::DefaultHelperCount(), hardware);
  if (saved) ::setenv("MESHD_VALIDATION_HELPERS", saved_value.c_str(), 1);
}

// ------------------------------------------- SchemaRegistry::ValidateFramedBatch

const char* kIntN = R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})";
const char* kStringN = R"({"type":"object","properties":{"n":{"type":"string"}},"required":["n"]})";
const char* kAvroId = R"({"type":"record","name":"Purchase","fields":[{"name":"id","type":"string"}]})";

std::string Frame(int32_t schema_id, const std::string& body) {
  std::string f(1, '\0');
  for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<char>((schema_id >> s) & 0xff));
  return f + body;
}

class FramedBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::move(*SchemaRegistry::Open(nullptr));
    auto id = registry_->Register("big-value", SchemaInput{kIntN, SchemaType::kJson, {}, {}, {}});
    ASSERT_TRUE(id.ok()) << id.error().message;
    id1_ = id->first;
    good_ = Frame(id->first, R"({"n":1})");
    bad_ = Frame(id->first, R"({"n":"x"})");
    unknown_ = Frame(9999, R"({"n":1})");
  }

  // `n` good records with the given replacements.
  std::vector<std::string_view> Batch(size_t n, std::vector<std::pair<size_t, const std::string*>> at = {}) {
    std::vector<std::string_view> b(n, good_);
    for (auto [i, p] : at) b[i] = *p;
    return b;
  }

  std::unique_ptr<SchemaRegistry> registry_;
  int32_t id1_ = 0;
  std::string good_, bad_, unknown_;
  TopicSchemaPolicy strict_{ValidationMode::kStrict, SubjectStrategy::kTopicName};
  TopicSchemaPolicy warn_{ValidationMode::kWarn, SubjectStrategy::kTopicName};
};

TEST_F(FramedBatch, FirstFailureWinsAcrossChunks) {
  // Record 5 fails on its value, record 700 on its id: the status must be
  // record 5's even if a helper finishes record 700's chunk first.
  for (int repeat = 0; repeat < 20; ++repeat) {
    auto batch = Batch(1000, {{5, &bad_}, {700, &unknown_}});
    size_t failed = 12345;
    Status s = registry_->ValidateFramedBatch("big", false, strict_, batch, &failed);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(failed, 5u);
    EXPECT_NE(s.message().find("/n"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("unknown schema id"), std::string::npos) << s.message();
  }
  struct Case {
    std::vector<size_t> bad;
    size_t first;
  };
  for (const Case& c : {Case{{999}, 999}, Case{{700}, 700}, Case{{0}, 0}, Case{{31, 32}, 31},
                        Case{{64, 63}, 63}, Case{{990, 500, 64}, 64}}) {
    std::vector<std::pair<size_t, const std::string*>> at;
    for (size_t i : c.bad) at.emplace_back(i, &bad_);
    auto batch = Batch(1000, at);
    size_t failed = 12345;
    Status s = registry_->ValidateFramedBatch("big", false, strict_, batch, &failed);
    ASSERT_FALSE(s.ok()) << c.first;
    EXPECT_EQ(failed, c.first);
  }
  auto all_good = Batch(1000);
  size_t untouched = 12345;
  EXPECT_TRUE(registry_->ValidateFramedBatch("big", false, strict_, all_good, &untouched).ok());
  EXPECT_EQ(untouched, 12345u);
}

// Each chunk resolves its own schema ids: a record valid under id 1 but not
// under id 2 must be judged by its own id wherever its chunk runs.
TEST_F(FramedBatch, EachChunkResolvesItsOwnIds) {
  ASSERT_TRUE(registry_->SetConfig("big-value", "NONE").ok());
  auto id2 = registry_->Register("big-value", SchemaInput{kStringN, SchemaType::kJson, {}, {}, {}});
  ASSERT_TRUE(id2.ok()) << id2.error().message;
  const std::string good2 = Frame(id2->first, R"({"n":"x"})");
  const std::string int_under_2 = Frame(id2->first, R"({"n":1})");
  std::vector<std::string_view> batch;
  for (size_t i = 0; i < 1000; ++i) batch.push_back((i / 100) % 2 ? std::string_view(good2) : good_);
  size_t failed = 12345;
  EXPECT_TRUE(registry_->ValidateFramedBatch("big", false, strict_, batch, &failed).ok());
  batch[650] = int_under_2;  // an id-2 record among id-1 records (600-699)
  EXPECT_FALSE(registry_->ValidateFramedBatch("big", false, strict_, batch, &failed).ok());
  EXPECT_EQ(failed, 650u);
  batch[650] = good_;
  batch[750] = bad_;  // an id-1 record with a string, among id-2 records (700-799)
  Status s = registry_->ValidateFramedBatch("big", false, strict_, batch, &failed);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(failed, 750u);
  EXPECT_NE(s.message().find("does not match schema id " + std::to_string(id1_) + " "), std::string::npos)
      << s.message();
}

TEST_F(FramedBatch, AvroBatch) {
  auto a = registry_->Register("pos-value", SchemaInput{kAvroId, SchemaType::kAvro, {}, {}, {}});
  ASSERT_TRUE(a.ok()) << a.error().message;
  const std::string good = Frame(a->first, std::string(1, static_cast<char>(6)) + "abc");
  const std::string bad = good + "zz";  // trailing bytes
  std::vector<std::string_view> batch(500, good);
  size_t failed = 12345;
  EXPECT_TRUE(registry_->ValidateFramedBatch("pos", false, strict_, batch, &failed).ok());
  batch[450] = bad;
  batch[460] = bad;
  EXPECT_FALSE(registry_->ValidateFramedBatch("pos", false, strict_, batch, &failed).ok());
  EXPECT_EQ(failed, 450u);
}

TEST_F(FramedBatch, WarnModeAcceptsAndCountsEveryFailure) {
  auto& reg = metrics::Registry::Default();
  auto& validations = reg.GetCounter("meshd_schema_validations_total", "", {{"subject", "big-value"}});
  auto& failures = reg.GetCounter("meshd_schema_validation_failures_total", "", {{"subject", "big-value"}});
  const double v0 = validations.value(), f0 = failures.value();
  auto batch = Batch(1000, {{5, &bad_}, {100, &bad_}, {700, &bad_}, {999, &bad_}});
  size_t untouched = 12345;
  EXPECT_TRUE(registry_->ValidateFramedBatch("big", false, warn_, batch, &untouched).ok());
  EXPECT_EQ(untouched, 12345u);
  EXPECT_EQ(validations.value() - v0, 1000);
  EXPECT_EQ(failures.value() - f0, 4);
}

TEST_F(FramedBatch, ConcurrentCallersGetTheirOwnResults) {
  auto fail_at_333 = Batch(1000, {{333, &bad_}});
  auto fail_at_777 = Batch(1200, {{777, &unknown_}, {1100, &bad_}});
  auto all_good = Batch(900);
  std::atomic<int> wrong{0};
  auto caller = [&](int which) {
    for (int i = 0; i < 30; ++i) {
      size_t failed = 12345;
      if (which == 0) {
        Status s = registry_->ValidateFramedBatch("big", false, strict_, fail_at_333, &failed);
        if (s.ok() || failed != 333 || s.message().find("/n") == std::string::npos) wrong++;
      } else if (which == 1) {
        Status s = registry_->ValidateFramedBatch("big", false, strict_, fail_at_777, &failed);
        if (s.ok() || failed != 777 || s.message().find("unknown schema id 9999") == std::string::npos) wrong++;
      } else {
        if (!registry_->ValidateFramedBatch("big", false, strict_, all_good, &failed).ok()) wrong++;
      }
    }
  };
  std::thread a(caller, 0), b(caller, 1), c(caller, 2);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(FramedBatch, SmallBatchesStayCorrect) {
  auto batch = Batch(63, {{40, &bad_}, {50, &unknown_}});
  size_t failed = 12345;
  Status s = registry_->ValidateFramedBatch("big", false, strict_, batch, &failed);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(failed, 40u);
  auto small_good = Batch(10);
  EXPECT_TRUE(registry_->ValidateFramedBatch("big", false, strict_, small_good, &failed).ok());
  std::vector<std::string_view> empty;
  EXPECT_TRUE(registry_->ValidateFramedBatch("big", false, strict_, empty, &failed).ok());
  // Policy none validates nothing, big or small.
  auto bad_big = Batch(1000, {{3, &bad_}});
  EXPECT_TRUE(registry_->ValidateFramedBatch("big", false, TopicSchemaPolicy{}, bad_big, &failed).ok());
}

}  // namespace
}  // namespace meshd::schema
