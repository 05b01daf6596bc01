#include "cli/bench_kafka.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sstream>
#include <string>
#include <thread>

#include "cli/commands.h"

namespace meshd::cli {
namespace {

KafkaBenchOptions Small(const std::string& mode) {
  KafkaBenchOptions o;
  o.embedded = true;
  o.mode = mode;
  o.messages = 500;
  o.size = 100;
  o.linger_ms = 1;
  o.json = true;
  return o;
}

boost::json::object ParseOutput(const std::string& out) {
  boost::system::error_code ec;
  auto v = boost::json::parse(out, ec);
  EXPECT_FALSE(ec) << out;
  return ec || !v.is_object() ? boost::json::object() : v.as_object();
}

TEST(KafkaBenchTest, RejectsBadOptionsWithUsageExit) {
  std::ostringstream out;
  KafkaBenchOptions o = Small("sideways");
  EXPECT_EQ(RunKafkaBench(o, out), kExitUsage);
  o = Small("produce");
  o.acks = "2";
  EXPECT_EQ(RunKafkaBench(o, out), kExitUsage);
  o = Small("produce");
  o.fsync = "sometimes";
  EXPECT_EQ(RunKafkaBench(o, out), kExitUsage);
  EXPECT_TRUE(out.str().empty());
}

TEST(KafkaBenchTest, EmbeddedProduceReportsEveryMessage) {
  std::ostringstream out;
  KafkaBenchOptions o = Small("produce");
  o.acks = "all";
  o.fsync = "always";
  ASSERT_EQ(RunKafkaBench(o, out), kExitOk);
  auto j = ParseOutput(out.str());
  EXPECT_EQ(j["messages"].as_int64(), 500);
  EXPECT_GT(j["msgs_per_sec"].to_number<double>(), 0);
  auto& lat = j["latency_ms"].as_object();
  EXPECT_GT(lat.at("p50").to_number<double>(), 0);
  EXPECT_GE(lat.at("p99").to_number<double>(), lat.at("p50").to_number<double>());
  // The process's CPU over the timed run: some, and no more than every core
  // busy for the whole run (plus the accounting's rounding).
  const double cpu = j["cpu_seconds"].to_number<double>();
  EXPECT_GT(cpu, 0);
  EXPECT_LE(cpu, std::thread::hardware_concurrency() * j["seconds"].to_number<double>() + 0.05);
}

TEST(KafkaBenchTest, EmbeddedLatencyModeUsesLingerZero) {
  std::ostringstream out;
  KafkaBenchOptions o = Small("latency");
  o.messages = 50;
  ASSERT_EQ(RunKafkaBench(o, out), kExitOk);
  auto j = ParseOutput(out.str());
  EXPECT_EQ(j["linger_ms"].as_int64(), 0);
  EXPECT_EQ(j["messages"].as_int64(), 50);
}

TEST(KafkaBenchTest, EmbeddedConsumeReadsBackWhatWasProduced) {
  std::ostringstream out;
  KafkaBenchOptions o = Small("consume");
  o.partitions = 3;
  ASSERT_EQ(RunKafkaBench(o, out), kExitOk);
  auto j = ParseOutput(out.str());
  // The first message starts the clock and is not counted.
  EXPECT_EQ(j["messages"].as_int64(), 499);
  EXPECT_GT(j["mb_per_sec"].to_number<double>(), 0);
  EXPECT_GE(j["first_message_ms"].to_number<double>(), 0);
}

// --value-schema: every framed payload passes strict validation (a failed
// delivery would make the run fail), and the payload has the asked size.
TEST(KafkaBenchTest, EmbeddedProduceWithValueSchemaPassesStrictValidation) {
  for (const char* kind : {"json", "avro"}) {
    std::ostringstream out;
    KafkaBenchOptions o = Small("produce");
    o.size = 1024;
    o.value_schema = kind;
    o.schema_validation = "strict";
    ASSERT_EQ(RunKafkaBench(o, out), kExitOk) << kind;
    auto j = ParseOutput(out.str());
    EXPECT_EQ(j["messages"].as_int64(), 500) << kind;
    EXPECT_NEAR(j["bytes_per_sec"].to_number<double>() / j["msgs_per_sec"].to_number<double>(), 1024,
                0.5)
        << kind;
    EXPECT_EQ(j["value_schema"].as_string(), kind);
    EXPECT_EQ(j["schema_validation"].as_string(), "strict");
  }
  std::ostringstream out;
  KafkaBenchOptions o = Small("produce");
  o.value_schema = "xml";
  EXPECT_EQ(RunKafkaBench(o, out), kExitUsage);
  o = Small("produce");
  o.value_schema = "json";
  o.schema_validation = "sometimes";
  EXPECT_EQ(RunKafkaBench(o, out), kExitUsage);
}

TEST(KafkaBenchTest, UnreachableBrokerIsAConnectionError) {
  std::ostringstream out;
  KafkaBenchOptions o = Small("produce");
  o.embedded = false;
  o.bootstrap = "127.0.0.1:1";
  EXPECT_EQ(RunKafkaBench(o, out), kExitConnection);
}

}  // namespace
}  // namespace meshd::cli
