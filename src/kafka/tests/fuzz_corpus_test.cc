// Replays fuzz/corpus/<target>/* (seeds and kept crashers) through the same
// entry points as the libFuzzer harnesses, so fuzz regressions fail `make
// test` even without clang. Seeds (not named crash-*/timeout-*/oom-*) must
// also decode successfully: they document what valid input looks like.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kafka/protocol/request_decoder.h"
#include "record/record_batch.h"

namespace meshd::kafka {
namespace {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::string>> ReadCorpus(const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  fs::path dir = fs::path(MESHD_FUZZ_CORPUS_DIR) / target;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.emplace_back(e.path().filename().string(), ss.str());
  }
  return out;
}

bool IsRegression(const std::string& name) {
  return name.rfind("crash-", 0) == 0 || name.rfind("timeout-", 0) == 0 ||
         name.rfind("oom-", 0) == 0 || name.rfind("leak-", 0) == 0;
}

TEST(FuzzCorpus, KafkaRequestSeedsDecodeAndCrashersDoNotCrash) {
  auto corpus = ReadCorpus("kafka_request");
  ASSERT_GE(corpus.size(), 20u);
  for (const auto& [name, data] : corpus) {
    auto r = DecodeAnyRequest(data);
    if (!IsRegression(name)) {
      EXPECT_TRUE(r.ok()) << name << ": " << r.error().ToString();
    }
    // Every prefix of every input must be handled without crashing.
    for (size_t cut = 0; cut < data.size(); cut += 1 + data.size() / 64) {
      auto t = DecodeAnyRequest(std::string_view(data).substr(0, cut));
      (void)t;
    }
  }
}

TEST(FuzzCorpus, RecordBatchSeedsValidate) {
  auto corpus = ReadCorpus("record_batch");
  ASSERT_GE(corpus.size(), 5u);
  int valid = 0;
  for (const auto& [name, data] : corpus) {
    const bool single = name.size() > 10 && name.substr(name.size() - 10) == "_batch.bin";
    Status v = record::ValidateBatch(data);
    auto split = record::SplitBatches(data, true);
    if (single) {
      EXPECT_TRUE(v.ok()) << name << ": " << v.ToString();
      auto recs = record::DecodeRecords(data);
      ASSERT_TRUE(recs.ok()) << name << ": " << recs.error().ToString();
      EXPECT_GT(recs->size(), 0u) << name;
      ++valid;
    }
    if (name == "bad_crc.bin") {
      EXPECT_FALSE(v.ok());
    }
    if (name == "two_batches_partial_tail.bin") {
      ASSERT_TRUE(split.ok());
      EXPECT_EQ(split->size(), 2u);
      EXPECT_FALSE(record::SplitBatches(data, false).ok());
    }
  }
  EXPECT_GE(valid, 5) << "one valid batch per codec";
}

}  // namespace
}  // namespace meshd::kafka
