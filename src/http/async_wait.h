#pragma once
// Helpers that let a handler coroutine await work that completes on another
// thread (a storage callback) without blocking an I/O thread: the completion
// is posted back to the handler's executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "storage/event_log.h"

namespace meshd::http {

// Awaits a callback-style operation: `start(done)` must call `done(T)` exactly
// once, from any thread. The coroutine resumes on `ex`.
template <class T, class Start>
boost::asio::awaitable<T> AwaitCallback(boost::asio::any_io_executor ex, Start start) {
  auto initiation = [ex, start = std::move(start)](auto handler) mutable {
    using H = decltype(handler);
    auto shared = std::make_shared<H>(std::move(handler));
    start([ex, shared](T value) mutable {
      boost::asio::post(ex, [shared, value = std::move(value)]() mutable {
        (*shared)(std::move(value));
      });
    });
  };
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(T)>(
      std::move(initiation), boost::asio::use_awaitable);
}

// AppendAsync as an awaitable.
boost::asio::awaitable<Result<storage::AppendResult>> AwaitAppend(
    boost::asio::any_io_executor ex, storage::EventLog& log, const std::string& topic,
    int32_t partition, std::string batches);

// Tracks live AppendWaiters so a server shutting down can wake every long
// poll and stream at once (they then answer and close instead of being cut).
class AppendWaiter;

class WaiterRegistry {
 public:
  // Wakes every registered waiter; later waits return at once.
  void WakeAllAndStop();
  bool stopping() const { return stopping_.load(); }

 private:
  friend class AppendWaiter;
  struct Entry {
    boost::asio::any_io_executor ex;      // the waiter's strand
    std::weak_ptr<AppendWaiter*> waiter;  // expires with the waiter
  };
  uint64_t Add(Entry e);
  void Remove(uint64_t id);
  std::mutex mu_;
  uint64_t next_ = 1;
  std::map<uint64_t, Entry> entries_;
  std::atomic<bool> stopping_{false};
};

// A one-shot wake-up for long polls: Arm() registers EventLog::WatchAppends
// for `topic`; Wait() sleeps until an append to the topic, or `timeout`,
// whichever comes first. Register (Arm) before fetching so an append between
// the fetch and the wait is not missed. Cancels its watch on destruction.
class AppendWaiter {
 public:
  AppendWaiter(boost::asio::any_io_executor ex, storage::EventLog& log,
               WaiterRegistry* registry = nullptr);
  ~AppendWaiter();
  AppendWaiter(const AppendWaiter&) = delete;
  AppendWaiter& operator=(const AppendWaiter&) = delete;

  void Arm(const std::string& topic);
  // Returns true if woken by an append, false on timeout.
  boost::asio::awaitable<bool> Wait(std::chrono::milliseconds timeout);
  // Ends a pending Wait now (runs on the waiter's executor).
  void WakeNow();

 private:
  struct State {
    explicit State(boost::asio::any_io_executor ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    bool fired = false;  // guarded by the executor (posted)
  };
  boost::asio::any_io_executor ex_;
  storage::EventLog& log_;
  std::shared_ptr<State> state_;
  uint64_t token_ = 0;
  bool armed_ = false;
  WaiterRegistry* registry_ = nullptr;
  uint64_t registry_id_ = 0;
  std::shared_ptr<AppendWaiter*> holder_;
};

}  // namespace meshd::http
