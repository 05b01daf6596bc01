#include "schema/batch_work_sharing.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "base/thread_name.h"

namespace meshd::schema {

// One Run call. Lives on the caller's stack: the caller removes it from
// jobs_ and waits until no helper is inside before returning, so a helper
// never touches a finished job.
struct BatchWorkSharing::Job {
  ChunkFn fn;
  void* ctx;
  size_t chunks;
  std::atomic<size_t> next{0};  // the next chunk to claim
  // Written under mu_; read without it only by the caller's short spin.
  std::atomic<int> helpers_inside{0};

  // Claims and runs chunks until none is left.
  void Work() {
    for (size_t c = next.fetch_add(1, std::memory_order_relaxed); c < chunks;
         c = next.fetch_add(1, std::memory_order_relaxed)) {
      fn(ctx, c);
    }
  }
};

BatchWorkSharing::BatchWorkSharing(unsigned helpers) {
  jobs_.reserve(16);  // one per concurrent caller; no allocation per Run
  threads_.reserve(helpers);
  for (unsigned i = 0; i < helpers; ++i) threads_.emplace_back([this] { HelperLoop(); });
}

BatchWorkSharing::~BatchWorkSharing() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

unsigned BatchWorkSharing::DefaultHelperCount() {
  if (const char* env = std::getenv("MESHD_VALIDATION_HELPERS"); env != nullptr && *env != '\0') {
    unsigned n = 0;
    auto [end, ec] = std::from_chars(env, env + std::strlen(env), n);
    if (ec == std::errc() && *end == '\0') return std::min(n, 64u);
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 1 ? cores - 1 : 0;
}

BatchWorkSharing& BatchWorkSharing::Shared() {
  static BatchWorkSharing shared(DefaultHelperCount());
  return shared;
}

// How long a caller spins for a helper's last chunk before it sleeps.
constexpr int kSpinMicros = 50;

void BatchWorkSharing::RunChunks(size_t chunks, ChunkFn fn, void* ctx) {
  if (threads_.empty() || chunks <= 1) {
    for (size_t c = 0; c < chunks; ++c) fn(ctx, c);
    return;
  }
  Job job{fn, ctx, chunks};
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(&job);
  }
  // Wake at most as many helpers as there are chunks beyond the caller's.
  if (chunks - 1 >= threads_.size()) {
    work_cv_.notify_all();
  } else {
    for (size_t i = 0; i + 1 < chunks; ++i) work_cv_.notify_one();
  }
  // The caller starts at once: it never waits for a helper to wake up.
  job.Work();
  std::unique_lock<std::mutex> lock(mu_);
  if (auto it = std::find(jobs_.begin(), jobs_.end(), &job); it != jobs_.end()) jobs_.erase(it);
  // Only helpers that already entered the job are waited for; each runs at
  // most the one chunk it claimed before it finds none left.
  if (job.helpers_inside.load(std::memory_order_relaxed) == 0) return;
  // That chunk usually ends within tens of microseconds: spin for it
  // before sleeping. A futex sleep and wake-up cost each side a context
  // switch, several microseconds of CPU on a VM, and the wake-up's latency
  // on the I/O thread's path to the next request.
  lock.unlock();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  for (int i = 0; job.helpers_inside.load(std::memory_order_acquire) != 0; ++i) {
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > give_up) break;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  // Seen 0: the helper's release decrement was its last access to the job,
  // so there is nothing to wait for and no need to take the mutex, which
  // the helper still holds while it notifies.
  if (job.helpers_inside.load(std::memory_order_acquire) == 0) return;
  lock.lock();
  helpers_cv_.wait(lock, [&] { return job.helpers_inside.load(std::memory_order_relaxed) == 0; });
}

void BatchWorkSharing::HelperLoop() {
  NameThisThread("meshd-validate");
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    Job* job = jobs_.front();
    ++job->helpers_inside;
    lock.unlock();
    job->Work();
    lock.lock();
    // Every chunk is claimed: no helper needs to enter this job again.
    if (auto it = std::find(jobs_.begin(), jobs_.end(), job); it != jobs_.end()) jobs_.erase(it);
    // The last access to *job: the caller may return as soon as it sees 0.
    if (job->helpers_inside.fetch_sub(1, std::memory_order_release) == 1) helpers_cv_.notify_all();
  }
}

}  // namespace meshd::schema
