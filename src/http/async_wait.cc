#include "http/async_wait.h"

namespace meshd::http {

namespace asio = boost::asio;

asio::awaitable<Result<storage::AppendResult>> AwaitAppend(asio::any_io_executor ex,
                                                           storage::EventLog& log,
                                                           const std::string& topic,
                                                           int32_t partition,
                                                           std::string batches) {
  co_return co_await AwaitCallback<Result<storage::AppendResult>>(
      ex, [&log, topic, partition, batches = std::move(batches)](auto done) mutable {
        log.AppendAsync(topic, partition, std::move(batches),
                        [done = std::move(done)](Result<storage::AppendResult> r) mutable {
                          done(std::move(r));
                        });
      });
}

uint64_t WaiterRegistry::Add(Entry e) {
  std::lock_guard lock(mu_);
  uint64_t id = next_++;
  entries_.emplace(id, std::move(e));
  return id;
}

void WaiterRegistry::Remove(uint64_t id) {
  std::lock_guard lock(mu_);
  entries_.erase(id);
}

void WaiterRegistry::WakeAllAndStop() {
  stopping_.store(true);
  std::lock_guard lock(mu_);
  for (auto& [id, e] : entries_) {
    // Runs on the waiter's strand, where the waiter is also destroyed, so
    // a live weak_ptr means a live waiter.
    asio::post(e.ex, [weak = e.waiter] {
      if (auto w = weak.lock()) (*w)->WakeNow();
    });
  }
}

AppendWaiter::AppendWaiter(asio::any_io_executor ex, storage::EventLog& log,
                           WaiterRegistry* registry)
    : ex_(ex), log_(log), state_(std::make_shared<State>(ex)), registry_(registry) {
  if (registry_) {
    holder_ = std::make_shared<AppendWaiter*>(this);
    registry_id_ = registry_->Add(WaiterRegistry::Entry{ex, holder_});
  }
}

void AppendWaiter::WakeNow() {
  state_->fired = true;
  state_->timer.cancel();
}

AppendWaiter::~AppendWaiter() {
  if (registry_) registry_->Remove(registry_id_);
  if (armed_) log_.CancelWatch(token_);
}

void AppendWaiter::Arm(const std::string& topic) {
  if (armed_) log_.CancelWatch(token_);
  state_ = std::make_shared<State>(ex_);
  std::weak_ptr<State> weak = state_;
  asio::any_io_executor ex = ex_;
  token_ = log_.WatchAppends(topic, [weak, ex] {
    asio::post(ex, [weak] {
      if (auto s = weak.lock()) {
        s->fired = true;
        s->timer.cancel();
      }
    });
  });
  armed_ = true;
}

asio::awaitable<bool> AppendWaiter::Wait(std::chrono::milliseconds timeout) {
  std::shared_ptr<State> s = state_;
  if (s->fired) co_return true;
  if (registry_ && registry_->stopping()) co_return false;
  s->timer.expires_after(timeout);
  auto [ec] = co_await s->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  (void)ec;
  bool fired = s->fired;
  if (armed_) {
    log_.CancelWatch(token_);
    armed_ = false;
  }
  co_return fired;
}

}  // namespace meshd::http
