#include "bus/tests/memory_event_log.h"

#include <sys/mman.h>
#include <unistd.h>

#include "base/clock.h"
#include "record/record_batch.h"

namespace meshd::bus::testing {

MemoryEventLog::~MemoryEventLog() = default;

Result<storage::TopicDescription> MemoryEventLog::CreateTopic(const std::string& name, int32_t partitions,
                                                              const storage::TopicConfig& config) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (topics_.count(name)) return Status::AlreadyExists("topic '" + name + "' exists");
    Topic t;
    t.config = config;
    for (int32_t i = 0; i < partitions; ++i) {
      Partition p;
      int fd = ::memfd_create(("bus-test-" + name).c_str(), 0);
      if (fd < 0) return Status::IOError("memfd_create");
      p.fd = std::shared_ptr<const int>(new int(fd), [](const int* f) {
        ::close(*f);
        delete f;
      });
      t.partitions.push_back(std::move(p));
    }
    topics_[name] = std::move(t);
  }
  return DescribeTopic(name);
}

Status MemoryEventLog::DeleteTopic(const std::string& name) {
  std::vector<std::function<void()>> fire;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!topics_.erase(name)) return Status::NotFound("topic '" + name + "' does not exist");
    for (auto it = watches_.begin(); it != watches_.end();) {
      if (it->second.first == name) {
        fire.push_back(std::move(it->second.second));
        it = watches_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& f : fire) f();
  return Status::Ok();
}

std::vector<std::string> MemoryEventLog::ListTopics() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [n, t] : topics_) out.push_back(n);
  return out;
}

Result<storage::TopicDescription> MemoryEventLog::DescribeTopic(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::NotFound("topic '" + name + "' does not exist");
  storage::TopicDescription d;
  d.name = name;
  d.internal = !name.empty() && name[0] == '_';
  d.config = it->second.config;
  for (size_t i = 0; i < it->second.partitions.size(); ++i) {
    storage::PartitionInfo pi;
    pi.partition = static_cast<int32_t>(i);
    pi.end_offset = it->second.partitions[i].next_offset;
    d.partitions.push_back(pi);
  }
  return d;
}

Status MemoryEventLog::AlterTopicConfig(const std::string& name, const std::map<std::string, std::string>& changes) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::NotFound("topic '" + name + "' does not exist");
  for (const auto& [k, v] : changes) {
    if (k == "retention.ms") it->second.config.retention_ms = std::stoll(v);
    it->second.config.raw[k] = v;
  }
  return Status::Ok();
}

Status MemoryEventLog::CreatePartitions(const std::string&, int32_t) { return Status::Unsupported("test log"); }

Result<storage::AppendResult> MemoryEventLog::Append(const std::string& topic, int32_t partition,
                                                     std::string batches) {
  std::vector<std::function<void()>> fire;
  storage::AppendResult res;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_appends_.count(topic)) return Status::IOError("injected append failure for " + topic);
    auto it = topics_.find(topic);
    if (it == topics_.end()) return Status::NotFound("topic '" + topic + "' does not exist");
    if (partition < 0 || partition >= static_cast<int32_t>(it->second.partitions.size())) {
      return Status::NotFound("partition " + std::to_string(partition) + " of '" + topic + "' does not exist");
    }
    Partition& p = it->second.partitions[static_cast<size_t>(partition)];
    MESHD_ASSIGN_OR_RETURN(auto split, record::SplitBatches(batches));
    res.base_offset = p.next_offset;
    for (auto b : split) {
      std::string copy(b);
      MESHD_ASSIGN_OR_RETURN(auto h, record::ParseHeader(copy));
      record::SetBaseOffset(copy.data(), p.next_offset);
      if (::pwrite(*p.fd, copy.data(), copy.size(), p.size) != static_cast<ssize_t>(copy.size())) {
        return Status::IOError("pwrite memfd");
      }
      p.batches.push_back({p.next_offset, p.next_offset + h.last_offset_delta, h.max_timestamp, p.size,
                           static_cast<int64_t>(copy.size())});
      p.size += static_cast<int64_t>(copy.size());
      p.next_offset += h.last_offset_delta + 1;
    }
    res.last_offset = p.next_offset - 1;
    for (auto w = watches_.begin(); w != watches_.end();) {
      if (w->second.first == topic) {
        fire.push_back(std::move(w->second.second));
        w = watches_.erase(w);
      } else {
        ++w;
      }
    }
  }
  for (auto& f : fire) f();
  return res;
}

void MemoryEventLog::AppendAsync(const std::string& topic, int32_t partition, std::string batches,
                                 AppendCallback done) {
  done(Append(topic, partition, std::move(batches)));
}

Result<storage::FetchResult> MemoryEventLog::Fetch(const std::string& topic, int32_t partition, int64_t offset,
                                                   int32_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return Status::NotFound("topic '" + topic + "' does not exist");
  if (partition < 0 || partition >= static_cast<int32_t>(it->second.partitions.size())) {
    return Status::NotFound("no such partition");
  }
  const Partition& p = it->second.partitions[static_cast<size_t>(partition)];
  if (offset > p.next_offset || offset < 0) return Status::OutOfRange("offset out of range");
  storage::FetchResult r;
  r.high_watermark = p.next_offset;
  r.last_stable_offset = p.next_offset;
  int64_t bytes = 0;
  for (const auto& b : p.batches) {
    if (b.last_offset < offset) continue;
    if (!r.slices.empty() && bytes + b.size > max_bytes) break;
    r.slices.push_back({p.fd, b.position, b.size});
    bytes += b.size;
  }
  return r;
}

Result<int64_t> MemoryEventLog::OffsetForTimestamp(const std::string& topic, int32_t partition,
                                                   int64_t ts_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return Status::NotFound("topic '" + topic + "' does not exist");
  const Partition& p = it->second.partitions.at(static_cast<size_t>(partition));
  for (const auto& b : p.batches) {
    if (b.max_timestamp >= ts_ms) return b.base_offset;
  }
  return p.next_offset;
}

Result<storage::PartitionInfo> MemoryEventLog::GetOffsets(const std::string& topic, int32_t partition) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return Status::NotFound("topic '" + topic + "' does not exist");
  if (partition < 0 || partition >= static_cast<int32_t>(it->second.partitions.size())) {
    return Status::NotFound("no such partition");
  }
  storage::PartitionInfo pi;
  pi.partition = partition;
  pi.end_offset = it->second.partitions[static_cast<size_t>(partition)].next_offset;
  return pi;
}

Status MemoryEventLog::DeleteRecordsBefore(const std::string&, int32_t, int64_t) {
  return Status::Unsupported("test log");
}

uint64_t MemoryEventLog::WatchAppends(const std::string& topic, std::function<void()> cb) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t id = next_watch_++;
  watches_[id] = {topic, std::move(cb)};
  return id;
}

void MemoryEventLog::CancelWatch(uint64_t token) {
  std::lock_guard<std::mutex> lock(mu_);
  watches_.erase(token);
}

Status MemoryEventLog::CommitOffsets(const std::string& group, const std::vector<storage::CommittedOffset>& offsets) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& o : offsets) groups_[group][{o.topic, o.partition}] = o;
  ++commits_;
  return Status::Ok();
}

std::optional<storage::CommittedOffset> MemoryEventLog::FetchCommitted(const std::string& group,
                                                                       const std::string& topic,
                                                                       int32_t partition) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return std::nullopt;
  auto it = g->second.find({topic, partition});
  if (it == g->second.end()) return std::nullopt;
  return it->second;
}

std::vector<storage::CommittedOffset> MemoryEventLog::ListCommitted(const std::string& group) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<storage::CommittedOffset> out;
  auto g = groups_.find(group);
  if (g != groups_.end()) {
    for (const auto& [k, v] : g->second) out.push_back(v);
  }
  return out;
}

std::vector<std::string> MemoryEventLog::ListGroupsWithOffsets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : groups_) out.push_back(k);
  return out;
}

Status MemoryEventLog::DeleteGroupOffsets(const std::string& group) {
  std::lock_guard<std::mutex> lock(mu_);
  groups_.erase(group);
  return Status::Ok();
}

}  // namespace meshd::bus::testing
