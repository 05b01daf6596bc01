#pragma once
// Allocates idempotent-producer ids for InitProducerId so that an id is never
// handed out twice, even across restarts.
//
// Persistence: `<dir>/kafka_producer_ids` holds one decimal number, the first
// id NOT yet reserved. Ids are reserved in blocks of kBlock: the file is
// advanced (write temp + fsync + rename) before any id of a new block is
// returned, so a crash can only skip ids, never reuse them. Without a
// directory, ids start at the wall-clock millisecond times 1000 (monotonic
// across restarts as long as the clock does not go backwards).
//
// Thread-safety: Next() may be called from any thread.

#include <cstdint>
#include <mutex>
#include <string>

#include "base/result.h"

namespace meshd::kafka {

class ProducerIdAllocator {
 public:
  static constexpr int64_t kBlock = 1000;

  // `dir` may be empty (no persistence).
  static Result<std::unique_ptr<ProducerIdAllocator>> Open(const std::string& dir);

  Result<int64_t> Next();

 private:
  ProducerIdAllocator(std::string path, int64_t next) : path_(std::move(path)), next_(next) {}
  Status Reserve(int64_t up_to);

  std::string path_;
  std::mutex mu_;
  int64_t next_;
  int64_t reserved_until_ = 0;  // exclusive
};

}  // namespace meshd::kafka
