#pragma once
// A reader-writer lock that prefers writers.
//
// std::shared_mutex on glibc prefers readers: with a steady stream of
// MatchesForEvent callers, AddRule could wait forever (measured: minutes).
// glibc's PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP makes new readers wait
// while a writer is queued. Satisfies SharedMutex, so std::shared_lock and
// std::unique_lock work. Not recursive: a thread must not re-lock it.

#include <pthread.h>

#include "base/assert.h"

namespace meshd::pattern {

class WriterPreferringRwLock {
 public:
  WriterPreferringRwLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    MESHD_ASSERT(pthread_rwlock_init(&lock_, &attr) == 0, "pthread_rwlock_init failed");
    pthread_rwlockattr_destroy(&attr);
  }
  ~WriterPreferringRwLock() { pthread_rwlock_destroy(&lock_); }
  WriterPreferringRwLock(const WriterPreferringRwLock&) = delete;
  WriterPreferringRwLock& operator=(const WriterPreferringRwLock&) = delete;

  void lock() { MESHD_ASSERT(pthread_rwlock_wrlock(&lock_) == 0, "wrlock failed"); }
  void unlock() { pthread_rwlock_unlock(&lock_); }
  void lock_shared() { MESHD_ASSERT(pthread_rwlock_rdlock(&lock_) == 0, "rdlock failed"); }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

}  // namespace meshd::pattern
