#pragma once
// Partition choice for events published over HTTP. Keyed events use Kafka's
// default partitioner (murmur2 of the key bytes, sign bit cleared, modulo the
// partition count), so an HTTP publisher and a Kafka client agree on where a
// key lives. Keyless events of one request stick to one partition chosen
// round-robin per request (fewer batches and fsyncs than spreading them).
//
// Thread-safety: Partitioner is safe to share; it keeps one atomic counter.

#include <atomic>
#include <cstdint>
#include <string_view>

namespace meshd::api {

// Kafka's Utils.murmur2 (seed 0x9747b28c), returned as Java's signed int.
int32_t Murmur2(std::string_view data);
// Utils.toPositive(murmur2(key)) % partitions.
int32_t PartitionForKey(std::string_view key, int32_t partitions);

class Partitioner {
 public:
  // The partition for keyless events of the next request.
  int32_t NextSticky(int32_t partitions) {
    uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
    return static_cast<int32_t>(n % static_cast<uint64_t>(partitions));
  }

 private:
  std::atomic<uint64_t> next_{0};
};

}  // namespace meshd::api
