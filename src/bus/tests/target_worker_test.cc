#include "bus/target_worker.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

#include "base/clock.h"
#include "bus/log_io.h"
#include "bus/retry_policy.h"
#include "bus/tests/memory_event_log.h"

namespace meshd::bus {
namespace {

constexpr char kTopic[] = "_bus.test";

// What the test sees of its targets' calls.
struct Calls {
  std::mutex mu;
  std::condition_variable cv;
  int count = 0;
  bool holding = false;  // a held call is waiting for the stop
};

// A target whose outcome per call is scripted. A call for which `hold`
// says so does not answer until the worker cancels the target (its stop
// has begun), so the test controls exactly what is in flight when the
// worker stops.
class ScriptedTarget final : public Target {
 public:
  struct Script {
    std::function<DeliveryOutcome(int call)> outcome;
    std::function<bool(int call)> hold = [](int) { return false; };
  };
  ScriptedTarget(Script script, Calls* calls) : script_(std::move(script)), calls_(calls) {}

  DeliveryOutcome Deliver(const DeliveryRequest&) override {
    std::unique_lock<std::mutex> lock(calls_->mu);
    const int call = ++calls_->count;
    if (script_.hold(call)) {
      calls_->holding = true;
      calls_->cv.notify_all();
      // Bounded: a worker that never cancels fails the test instead of hanging it.
      calls_->cv.wait_for(lock, std::chrono::seconds(10), [&] { return cancelled_; });
      calls_->holding = false;
    }
    return script_.outcome(call);
  }
  void Cancel() override {
    std::lock_guard<std::mutex> lock(calls_->mu);
    cancelled_ = true;
    calls_->cv.notify_all();
  }

 private:
  Script script_;
  Calls* calls_;
  bool cancelled_ = false;  // guarded by calls_->mu
};

class TargetWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(EnsureTopic(log_, kTopic, 1).ok()); }

  std::unique_ptr<TargetWorker> MakeWorker(ScriptedTarget::Script script, int32_t max_retries) {
    WorkerConfig config;
    config.bus = "test";
    config.rule = "r";
    config.topic = kTopic;
    config.partitions = 1;
    config.target.id = "t";
    config.target.arn = "arn:meshd:webhook:test";
    config.target.retry_policy.maximum_retry_attempts = max_retries;
    config.target.dead_letter_arn = "arn:meshd:topic:dlq";
    config.backoff = {1, 2};
    auto w = std::make_unique<TargetWorker>(
        log_, config, std::make_unique<ScriptedTarget>(std::move(script), &calls_));
    EXPECT_TRUE(w->InitPositions({0}, false).ok());
    w->Start();
    DeliveryItem item;
    item.offset = 0;
    item.timestamp_ms = WallMillis();
    item.event_json = R"({"id":"e-1","detail":{}})";
    item.event_id = "e-1";
    EXPECT_TRUE(w->Enqueue(item));
    return w;
  }
  bool WaitUntilHolding() {
    std::unique_lock<std::mutex> lock(calls_.mu);
    return calls_.cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls_.holding; });
  }
  RetryState Persisted() {
    auto c = log_.FetchCommitted(TargetWorker::GroupName("test", "r", "t"), kTopic, 0);
    EXPECT_TRUE(c.has_value());
    if (!c) return {};
    EXPECT_EQ(c->offset, 0);  // the event is not finished
    return DecodeRetryState(c->metadata);
  }
  int calls() {
    std::lock_guard<std::mutex> lock(calls_.mu);
    return calls_.count;
  }

  testing::MemoryEventLog log_;
  Calls calls_;
};

DeliveryOutcome Fails(int) { return DeliveryOutcome::Retryable("HTTP_500", "HTTP 500: {}"); }

// The target answered a failure while the worker was stopping: that attempt
// happened, so the count a restart resumes from includes it (it was dropped
// once, and a restarted worker then made one attempt more than the policy
// allows).
TEST_F(TargetWorkerTest, FailureAnsweredDuringStopIsCounted) {
  auto w = MakeWorker({Fails, [](int call) { return call == 2; }}, /*max_retries=*/3);
  ASSERT_TRUE(WaitUntilHolding());
  w->Stop();  // cancels the target: the held call answers HTTP 500 now
  EXPECT_EQ(calls(), 2);
  EXPECT_EQ(Persisted().attempts, 2);

  // A restarted worker makes the remaining 2 of the 4 attempts, then gives up.
  calls_.count = 0;  // no worker is running
  auto again = MakeWorker({Fails}, /*max_retries=*/3);
  ASSERT_TRUE(again->WaitIdle(10000));
  again->Stop();
  EXPECT_EQ(calls(), 2);
  auto dlq = ReadRecords(log_, "dlq", 0, 0);
  ASSERT_TRUE(dlq.ok());
  ASSERT_EQ(dlq->size(), 1u);
  auto rec = boost::json::parse(*(*dlq)[0].value).as_object();
  EXPECT_EQ(rec["attempts"].as_int64(), 4) << *(*dlq)[0].value;
}

// A call the stop interrupted got no answer: nothing is recorded for it,
// and a restart resumes from the answered attempts.
TEST_F(TargetWorkerTest, InterruptedAttemptIsNotCounted) {
  auto w = MakeWorker({[](int call) {
                         return call == 2 ? DeliveryOutcome::Interrupted("CANCELLED", "target is stopping")
                                          : Fails(call);
                       },
                       [](int call) { return call == 2; }},
                      /*max_retries=*/3);
  ASSERT_TRUE(WaitUntilHolding());
  w->Stop();
  EXPECT_EQ(calls(), 2);
  EXPECT_EQ(Persisted().attempts, 1);
}

}  // namespace
}  // namespace meshd::bus
