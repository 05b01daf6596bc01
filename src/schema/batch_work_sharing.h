#pragma once
// BatchWorkSharing: lets the thread that owns a large batch of independent
// work items (the Kafka connection's I/O thread validating a produce batch)
// share the batch with a few helper threads.
//
// WHY: one producer connection is served by one I/O thread, which both reads
// the socket and validates every record of a produce request. Validation
// made that thread the serial bottleneck while the machine's other core(s)
// sat partly idle (docs/benchmarks.md, "Issue 5"). Sharing a big batch with
// helper threads shortens the time the I/O thread spends per request.
//
// Work sharing, not fixed halves: the batch is cut into chunks and the
// caller and helpers claim chunks through one atomic counter. The caller
// never waits for a helper to start (if the helpers are busy or slow to wake,
// the caller simply runs every chunk itself); it waits only for the chunks
// a helper already claimed, so its wait is bounded by one chunk's work.
//
// Helpers: std::thread::hardware_concurrency() - 1 (0 on a 1-core machine:
// everything runs inline on the caller). The environment variable
// MESHD_VALIDATION_HELPERS=N, read once when the shared instance is first
// used, overrides the count (0 disables helpers, e.g. to measure the
// difference).
//
// Thread-safety: Run may be called from any number of threads at once; each
// call is an independent job and helpers serve the posted jobs in turn.

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace meshd::schema {

class BatchWorkSharing {
 public:
  // `helpers` threads are started now (0: Run executes everything inline).
  explicit BatchWorkSharing(unsigned helpers);
  // Stops and joins the helpers. No Run may be in progress.
  ~BatchWorkSharing();
  BatchWorkSharing(const BatchWorkSharing&) = delete;
  BatchWorkSharing& operator=(const BatchWorkSharing&) = delete;

  // The process-wide instance (created on first use, joined at exit).
  static BatchWorkSharing& Shared();
  // hardware_concurrency() - 1, or MESHD_VALIDATION_HELPERS when set.
  static unsigned DefaultHelperCount();

  unsigned helpers() const { return static_cast<unsigned>(threads_.size()); }

  // Calls fn(chunk) once for every chunk in [0, chunks), on this thread and
  // on whichever helpers are free, and returns when all calls have returned.
  // Chunks are claimed in increasing order. `fn` must be safe to call
  // concurrently and must not throw (a throw on a helper terminates).
  template <class Fn>
  void Run(size_t chunks, Fn& fn) {
    RunChunks(chunks, [](void* ctx, size_t chunk) { (*static_cast<Fn*>(ctx))(chunk); }, &fn);
  }

 private:
  using ChunkFn = void (*)(void* ctx, size_t chunk);
  struct Job;

  void RunChunks(size_t chunks, ChunkFn fn, void* ctx);
  void HelperLoop();

  std::mutex mu_;
  std::condition_variable work_cv_;      // helpers: a job was posted, or stop
  std::condition_variable helpers_cv_;   // callers: a helper left a job
  std::vector<Job*> jobs_;               // posted jobs that may have chunks left
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace meshd::schema
