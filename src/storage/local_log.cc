#include "storage/local_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <climits>
#include <deque>
#include <filesystem>
#include <future>
#include <set>

#include "base/endian.h"
#include "base/logging.h"
#include "base/thread_name.h"
#include "metrics/metrics.h"
#include "record/record_batch.h"
#include "storage/file_util.h"
#include "storage/producer_state.h"
#include "storage/segment.h"

namespace meshd::storage {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTopicMetaFile = "topic.json";
constexpr const char* kLogStartFile = "log-start-offset";
constexpr int32_t kMaxPartitions = 10000;
// fdatasyncs the flusher runs at once when several partitions are due.
constexpr size_t kMaxParallelSyncs = 8;

metrics::Histogram& AppendLatency() {
  static metrics::Histogram& h = metrics::Registry::Default().GetHistogram(
      "meshd_storage_append_latency_seconds", "Time from Append to acknowledgement (durable per policy)");
  return h;
}

metrics::Histogram& FsyncLatency() {
  static metrics::Histogram& h = metrics::Registry::Default().GetHistogram(
      "meshd_storage_fsync_latency_seconds", "fdatasync latency of segment files");
  return h;
}

metrics::Counter& CorruptionCounter() {
  static metrics::Counter& c = metrics::Registry::Default().GetCounter(
      "meshd_storage_corruptions_total", "Corrupt batches found in the middle of a log (fenced)");
  return c;
}

metrics::Counter& TruncationCounter() {
  static metrics::Counter& c = metrics::Registry::Default().GetCounter(
      "meshd_storage_truncated_tails_total", "Torn or corrupt log tails truncated at open");
  return c;
}

std::string PartitionName(const std::string& topic, int32_t partition) {
  return topic + "-" + std::to_string(partition);
}

Status WithContext(const Status& s, const std::string& context) {
  return Status(s.code(), context + ": " + s.message());
}

// __consumer_offsets record layouts (docs/formats/record_batch.md):
//   key   = int16 version(0) | int16 len | group | int16 len | topic | int32 partition
//   value = int16 version(0) | int64 offset | int64 commit_time_ms | int32 len | metadata
void PutStr16(std::string* out, const std::string& s) {
  char b[2];
  StoreBE<int16_t>(b, static_cast<int16_t>(s.size()));
  out->append(b, 2);
  out->append(s);
}

std::string EncodeOffsetKey(const std::string& group, const std::string& topic, int32_t partition) {
  std::string k(2, '\0');
  PutStr16(&k, group);
  PutStr16(&k, topic);
  char b[4];
  StoreBE<int32_t>(b, partition);
  k.append(b, 4);
  return k;
}

bool DecodeOffsetKey(std::string_view k, std::string* group, std::string* topic,
                     int32_t* partition) {
  auto str16 = [&k](std::string* out) {
    if (k.size() < 2) return false;
    int16_t n = LoadBE<int16_t>(k.data());
    k.remove_prefix(2);
    if (n < 0 || static_cast<size_t>(n) > k.size()) return false;
    out->assign(k.substr(0, static_cast<size_t>(n)));
    k.remove_prefix(static_cast<size_t>(n));
    return true;
  };
  if (k.size() < 2 || LoadBE<int16_t>(k.data()) != 0) return false;
  k.remove_prefix(2);
  if (!str16(group) || !str16(topic) || k.size() != 4) return false;
  *partition = LoadBE<int32_t>(k.data());
  return true;
}

std::string EncodeOffsetValue(const CommittedOffset& o) {
  std::string v(2 + 8 + 8 + 4, '\0');
  StoreBE<int16_t>(v.data(), 0);
  StoreBE<int64_t>(v.data() + 2, o.offset);
  StoreBE<int64_t>(v.data() + 10, o.commit_time_ms);
  StoreBE<int32_t>(v.data() + 18, static_cast<int32_t>(o.metadata.size()));
  v.append(o.metadata);
  return v;
}

bool DecodeOffsetValue(std::string_view v, CommittedOffset* o) {
  if (v.size() < 22 || LoadBE<int16_t>(v.data()) != 0) return false;
  o->offset = LoadBE<int64_t>(v.data() + 2);
  o->commit_time_ms = LoadBE<int64_t>(v.data() + 10);
  int32_t n = LoadBE<int32_t>(v.data() + 18);
  if (n < 0 || static_cast<size_t>(n) != v.size() - 22) return false;
  o->metadata.assign(v.substr(22));
  return true;
}

}  // namespace

// A waiting fsync=always append: completed once the high watermark reaches
// end_offset (or the sync fails).
struct SyncWaiter {
  int64_t end_offset;
  std::function<void(Status)> done;
};

struct LocalLog::Partition {
  std::string topic;
  int32_t id = 0;
  std::string dir;

  // Guards everything below. Appends and maintenance take it exclusively,
  // readers shared.
  mutable std::shared_mutex mu;
  std::vector<std::shared_ptr<Segment>> segments;  // by base offset; back() is active
  int64_t log_start = 0;
  int64_t log_end = 0;  // next offset to assign
  int64_t hw = 0;       // high watermark: end of what readers may see
  ProducerStateMap producers;
  std::vector<std::shared_ptr<Segment>> unsynced;  // written since the last fdatasync
  bool dir_dirty = false;                          // a segment file was created since then
  std::deque<SyncWaiter> waiters;
  bool deleted = false;
};

struct LocalLog::Topic {
  std::string name;
  std::string dir;
  metrics::Counter* bytes_in = nullptr;
  metrics::Counter* records_in = nullptr;

  mutable std::mutex mu;  // guards config and partitions
  std::shared_ptr<const TopicConfig> config;
  std::vector<std::shared_ptr<Partition>> partitions;

  std::shared_ptr<const TopicConfig> Config() const {
    std::lock_guard lk(mu);
    return config;
  }
};

// ---------------------------------------------------------------- open/close

LocalLog::LocalLog(LocalLogOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &SystemClock::Instance()) {}

LocalLog::~LocalLog() { Close(); }

Result<std::unique_ptr<LocalLog>> LocalLog::Open(const LocalLogOptions& options) {
  if (options.data_dir.empty()) return Status::InvalidArgument("storage: data_dir is empty");
  std::unique_ptr<LocalLog> log(new LocalLog(options));
  Status st = log->OpenAll();
  if (!st.ok()) {
    log->Close();
    return st;
  }
  return log;
}

Status LocalLog::ValidateTopicName(const std::string& name) {
  if (name.empty() || name.size() > 249) {
    return Status::InvalidArgument("topic name '" + name + "' must be 1 to 249 characters");
  }
  if (name == "." || name == "..") {
    return Status::InvalidArgument("topic name '" + name + "' is not allowed");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("topic name '" + name +
                                     "' may contain only [a-zA-Z0-9._-]");
    }
  }
  return Status::Ok();
}

Status LocalLog::OpenAll() {
  const std::string& root = options_.data_dir;
  std::error_code ec;
  for (const char* sub : {"topics", "trash", "tmp"}) {
    fs::create_directories(root + "/" + sub, ec);
    if (ec) return Status::IOError("create " + root + "/" + sub + ": " + ec.message());
  }
  std::string lock_path = root + "/.lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return Status::FromErrno("open " + lock_path, errno);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::Unavailable("data dir " + root + " is in use by another process");
  }
  // Leftovers of interrupted deletes and creates.
  for (const char* sub : {"trash", "tmp"}) {
    for (const auto& e : fs::directory_iterator(root + "/" + sub, ec)) fs::remove_all(e.path(), ec);
  }
  auto log = logging::Get("storage");
  for (const auto& e : fs::directory_iterator(root + "/topics", ec)) {
    if (!e.is_directory()) continue;
    std::string dir = e.path().string();
    Result<std::string> meta = ReadWholeFile(dir + "/" + kTopicMetaFile);
    if (!meta.ok()) {
      log->warn("skipping topic dir {} without readable {}: {}", dir, kTopicMetaFile,
                meta.error().ToString());
      continue;
    }
    boost::system::error_code jec;
    boost::json::value v = boost::json::parse(*meta, jec);
    if (jec || !v.is_object()) {
      return Status::Corruption(dir + "/" + kTopicMetaFile + ": invalid JSON");
    }
    const auto& o = v.as_object();
    const auto* jname = o.if_contains("name");
    const auto* jparts = o.if_contains("partitions");
    const auto* jconfig = o.if_contains("config");
    if (!jname || !jname->is_string() || !jparts || !jparts->is_int64() ||
        !jconfig || !jconfig->is_object()) {
      return Status::Corruption(dir + "/" + kTopicMetaFile + ": missing name/partitions/config");
    }
    std::map<std::string, std::string> raw;
    for (const auto& kv : jconfig->as_object()) {
      if (!kv.value().is_string()) {
        return Status::Corruption(dir + "/" + kTopicMetaFile + ": config values must be strings");
      }
      raw[std::string(kv.key())] = std::string(kv.value().as_string());
    }
    Result<TopicConfig> config = TopicConfig::FromMap(raw);
    if (!config.ok()) return WithContext(config.error(), dir + "/" + kTopicMetaFile);
    auto t = std::make_shared<Topic>();
    t->name = std::string(jname->as_string());
    t->dir = dir;
    t->config = std::make_shared<const TopicConfig>(std::move(config).value());
    t->bytes_in = &metrics::Registry::Default().GetCounter(
        "meshd_storage_appended_bytes_total", "Bytes appended", {{"topic", t->name}});
    t->records_in = &metrics::Registry::Default().GetCounter(
        "meshd_storage_appended_records_total", "Records appended", {{"topic", t->name}});
    int64_t n = jparts->as_int64();
    for (int32_t i = 0; i < n; ++i) {
      MESHD_ASSIGN_OR_RETURN(auto p, LoadPartition(t, i, false));
      t->partitions.push_back(std::move(p));
    }
    topics_[t->name] = t;
  }
  if (ec) return Status::IOError("list " + root + "/topics: " + ec.message());
  MESHD_TRY(EnsureOffsetsTopic());
  MESHD_TRY(ReplayGroupOffsets());
  flusher_ = std::thread([this] { FlusherLoop(); });
  if (options_.maintenance_interval_ms > 0) {
    maintenance_ = std::thread([this] { MaintenanceLoop(); });
  }
  return Status::Ok();
}

Result<std::shared_ptr<LocalLog::Partition>> LocalLog::LoadPartition(
    const std::shared_ptr<Topic>& topic, int32_t id, bool create) {
  auto p = std::make_shared<Partition>();
  p->topic = topic->name;
  p->id = id;
  p->dir = topic->dir + "/" + std::to_string(id);
  const std::string where = PartitionName(topic->name, id);
  auto log = logging::Get("storage");
  std::error_code ec;
  // Also at open: a partition dir lost to a crash between CreatePartitions
  // steps comes back empty rather than failing the whole open.
  fs::create_directories(p->dir, ec);
  if (ec) return Status::IOError("create " + p->dir + ": " + ec.message());
  if (!create && fs::is_empty(p->dir, ec)) log->warn("{}: partition directory is empty", where);
  std::vector<int64_t> bases;
  for (const auto& e : fs::directory_iterator(p->dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() == 24 && name.ends_with(".log")) {
      bool digits = std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; });
      if (digits) bases.push_back(std::stoll(name.substr(0, 20)));
    } else if (name.ends_with(".cleaned") || name.ends_with(".tmp")) {
      fs::remove(e.path(), ec);  // interrupted compaction or index write
    }
  }
  if (ec) return Status::IOError("list " + p->dir + ": " + ec.message());
  std::sort(bases.begin(), bases.end());
  int64_t checkpoint = 0;
  if (Result<std::string> cp = ReadWholeFile(p->dir + "/" + kLogStartFile); cp.ok()) {
    try {
      checkpoint = std::stoll(*cp);
    } catch (...) {
      log->warn("{}: ignoring unreadable {}", where, kLogStartFile);
    }
  }
  auto config = topic->Config();
  for (size_t i = 0; i < bases.size(); ++i) {
    bool last = i + 1 == bases.size();
    MESHD_ASSIGN_OR_RETURN(auto seg, Segment::OpenExisting(p->dir, bases[i]));
    MESHD_ASSIGN_OR_RETURN(
        Segment::ScanOutcome scan,
        seg->Scan(last || options_.verify_all_segments, config->index_interval_bytes,
                  [&p](const record::BatchHeader& h) { p->producers.Update(h); }));
    if (scan.bad) {
      if (last) {
        log->warn("{}: truncating log tail of {} at byte {} (of {}): {}", where, seg->log_path(),
                  scan.valid_bytes, seg->size(), scan.error);
        TruncationCounter().Inc();
        MESHD_TRY(seg->Truncate(scan.valid_bytes));
      } else {
        std::string report = where + ": corrupt batch in " + seg->log_path() + " at byte " +
                             std::to_string(scan.valid_bytes) + " (offsets from " +
                             std::to_string(seg->next_offset()) + " to " +
                             std::to_string(bases[i + 1]) + " are not served): " + scan.error;
        log->error("{}", report);
        CorruptionCounter().Inc();
        seg->Fence(scan.valid_bytes, seg->next_offset(), scan.error);
        std::lock_guard lk(corruption_mu_);
        corruption_reports_.push_back(report);
      }
    }
    if (!last && !seg->IndexFilesMatch()) {
      log->info("{}: rebuilt missing or stale index of {}", where, seg->log_path());
      MESHD_TRY(seg->WriteIndexFiles());
    }
    p->segments.push_back(std::move(seg));
  }
  if (p->segments.empty()) {
    MESHD_ASSIGN_OR_RETURN(auto seg, Segment::Create(p->dir, std::max<int64_t>(checkpoint, 0)));
    p->segments.push_back(std::move(seg));
    p->dir_dirty = true;
  }
  p->segments.back()->set_created_ms(Now());
  p->log_end = p->segments.back()->next_offset();
  p->hw = p->log_end;
  p->log_start = std::min(std::max(checkpoint, p->segments.front()->base_offset()), p->log_end);
  return p;
}

void LocalLog::Close() {
  if (closed_.exchange(true)) return;
  {
    std::lock_guard lk(maint_wait_mu_);
    stop_maint_ = true;
  }
  maint_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  {
    std::lock_guard lk(flush_mu_);
    stop_flusher_ = true;
  }
  flush_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  // Final sync of everything (completes any waiter registered before closed_).
  std::vector<std::shared_ptr<Partition>> all;
  {
    std::shared_lock lk(topics_mu_);
    for (const auto& [name, t] : topics_) {
      std::lock_guard tl(t->mu);
      all.insert(all.end(), t->partitions.begin(), t->partitions.end());
    }
  }
  auto log = logging::Get("storage");
  for (const auto& p : all) {
    SyncPartition(p);
    std::deque<SyncWaiter> left;  // only if the final sync failed
    {
      std::unique_lock lk(p->mu);
      if (!p->deleted) {
        Status st = p->segments.back()->WriteIndexFiles();
        if (!st.ok()) log->warn("close: {}", st.ToString());
      }
      left.swap(p->waiters);
    }
    for (auto& w : left) w.done(Status::Unavailable("storage closed before the append was synced"));
  }
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
}

// ---------------------------------------------------------------- topic admin

Result<std::shared_ptr<LocalLog::Topic>> LocalLog::FindTopic(const std::string& name) const {
  std::shared_lock lk(topics_mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::NotFound("topic '" + name + "' does not exist");
  return it->second;
}

Result<std::shared_ptr<LocalLog::Partition>> LocalLog::FindPartition(
    const std::string& topic, int32_t partition, std::shared_ptr<Topic>* topic_out) const {
  MESHD_ASSIGN_OR_RETURN(auto t, FindTopic(topic));
  std::lock_guard lk(t->mu);
  if (partition < 0 || static_cast<size_t>(partition) >= t->partitions.size()) {
    return Status::NotFound("partition " + std::to_string(partition) + " of topic '" + topic +
                            "' does not exist (" + std::to_string(t->partitions.size()) +
                            " partitions)");
  }
  if (topic_out) *topic_out = t;
  return t->partitions[static_cast<size_t>(partition)];
}

Status LocalLog::WriteTopicMeta(const Topic& topic, int32_t partitions,
                                const TopicConfig& config) const {
  boost::json::object cfg;
  for (const auto& [k, v] : config.raw) cfg[k] = v;
  boost::json::object o;
  o["name"] = topic.name;
  o["partitions"] = partitions;
  o["config"] = std::move(cfg);
  return WriteFileAtomic(topic.dir + "/" + kTopicMetaFile, boost::json::serialize(o), true);
}

Result<TopicDescription> LocalLog::CreateTopic(const std::string& name, int32_t partitions,
                                               const TopicConfig& config) {
  if (closed_) return Status::Unavailable("storage is closed");
  MESHD_TRY(ValidateTopicName(name));
  if (partitions < 1 || partitions > kMaxPartitions) {
    return Status::InvalidArgument("topic '" + name + "': partitions must be in [1, " +
                                   std::to_string(kMaxPartitions) + "], got " +
                                   std::to_string(partitions));
  }
  std::unique_lock lk(topics_mu_);
  if (topics_.count(name)) return Status::AlreadyExists("topic '" + name + "' already exists");
  // Build the directory under tmp/ and rename it into place, so a crash never
  // leaves a half-created topic.
  const std::string final_dir = options_.data_dir + "/topics/" + name;
  // (Not named after the topic: a 249-character name plus a suffix would
  // exceed the 255-byte file name limit.)
  const std::string staging = options_.data_dir + "/tmp/create-" + std::to_string(MonoMicros());
  auto t = std::make_shared<Topic>();
  t->name = name;
  t->dir = staging;
  t->config = std::make_shared<const TopicConfig>(config);
  std::error_code ec;
  fs::create_directories(staging, ec);
  if (ec) return Status::IOError("create " + staging + ": " + ec.message());
  Status st = WriteTopicMeta(*t, partitions, config);
  for (int32_t i = 0; st.ok() && i < partitions; ++i) {
    fs::create_directories(staging + "/" + std::to_string(i), ec);
    if (ec) st = Status::IOError("create partition dir in " + staging + ": " + ec.message());
  }
  if (st.ok() && ::rename(staging.c_str(), final_dir.c_str()) != 0) {
    st = Status::FromErrno("rename " + staging + " to " + final_dir, errno);
  }
  if (!st.ok()) {
    fs::remove_all(staging, ec);
    return WithContext(st, "create topic '" + name + "'");
  }
  MESHD_TRY(SyncDir(options_.data_dir + "/topics"));
  t->dir = final_dir;
  t->bytes_in = &metrics::Registry::Default().GetCounter(
      "meshd_storage_appended_bytes_total", "Bytes appended", {{"topic", name}});
  t->records_in = &metrics::Registry::Default().GetCounter(
      "meshd_storage_appended_records_total", "Records appended", {{"topic", name}});
  for (int32_t i = 0; i < partitions; ++i) {
    MESHD_ASSIGN_OR_RETURN(auto p, LoadPartition(t, i, true));
    t->partitions.push_back(std::move(p));
  }
  topics_[name] = t;
  lk.unlock();
  return Describe(*t);
}

Status LocalLog::DeleteTopic(const std::string& name) {
  if (closed_) return Status::Unavailable("storage is closed");
  if (name == kOffsetsTopic) {
    return Status::InvalidArgument("internal topic '" + name + "' cannot be deleted");
  }
  std::shared_ptr<Topic> t;
  {
    std::unique_lock lk(topics_mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Status::NotFound("topic '" + name + "' does not exist");
    t = it->second;
    topics_.erase(it);
  }
  std::vector<SyncWaiter> orphans;
  {
    std::lock_guard tl(t->mu);
    for (const auto& p : t->partitions) {
      std::unique_lock pl(p->mu);
      p->deleted = true;
      for (auto& w : p->waiters) orphans.push_back(std::move(w));
      p->waiters.clear();
    }
  }
  // Rename first so the name is free at once and a crash leaves only trash.
  const std::string trash = options_.data_dir + "/trash/delete-" + std::to_string(MonoMicros());
  Status st;
  if (::rename(t->dir.c_str(), trash.c_str()) != 0) {
    st = Status::FromErrno("rename " + t->dir + " to trash", errno);
  } else {
    std::error_code ec;
    fs::remove_all(trash, ec);
    if (ec) logging::Get("storage")->warn("delete topic {}: removing {}: {}", name, trash, ec.message());
  }
  for (auto& w : orphans) w.done(Status::NotFound("topic '" + name + "' was deleted"));
  FireWatches(name);
  return st;
}

std::vector<std::string> LocalLog::ListTopics() const {
  std::shared_lock lk(topics_mu_);
  std::vector<std::string> out;
  out.reserve(topics_.size());
  for (const auto& [name, t] : topics_) out.push_back(name);
  return out;
}

Result<TopicDescription> LocalLog::Describe(const Topic& t) const {
  TopicDescription d;
  d.name = t.name;
  d.internal = !t.name.empty() && t.name[0] == '_';
  std::vector<std::shared_ptr<Partition>> parts;
  {
    std::lock_guard lk(t.mu);
    d.config = *t.config;
    parts = t.partitions;
  }
  for (const auto& p : parts) {
    std::shared_lock pl(p->mu);
    PartitionInfo info;
    info.partition = p->id;
    info.start_offset = p->log_start;
    info.end_offset = p->hw;
    for (const auto& s : p->segments) info.size_bytes += s->size();
    info.segments = static_cast<int32_t>(p->segments.size());
    d.partitions.push_back(info);
  }
  return d;
}

Result<TopicDescription> LocalLog::DescribeTopic(const std::string& name) const {
  MESHD_ASSIGN_OR_RETURN(auto t, FindTopic(name));
  return Describe(*t);
}

Status LocalLog::AlterTopicConfig(const std::string& name,
                                  const std::map<std::string, std::string>& changes) {
  if (closed_) return Status::Unavailable("storage is closed");
  MESHD_ASSIGN_OR_RETURN(auto t, FindTopic(name));
  std::lock_guard lk(t->mu);
  Result<TopicConfig> next = TopicConfig::FromMap(changes, *t->config);
  if (!next.ok()) return WithContext(next.error(), "topic '" + name + "'");
  MESHD_TRY(WriteTopicMeta(*t, static_cast<int32_t>(t->partitions.size()), *next));
  t->config = std::make_shared<const TopicConfig>(std::move(next).value());
  return Status::Ok();
}

Status LocalLog::CreatePartitions(const std::string& name, int32_t new_total) {
  if (closed_) return Status::Unavailable("storage is closed");
  MESHD_ASSIGN_OR_RETURN(auto t, FindTopic(name));
  std::lock_guard lk(t->mu);
  int32_t current = static_cast<int32_t>(t->partitions.size());
  if (new_total <= current || new_total > kMaxPartitions) {
    return Status::InvalidArgument("topic '" + name + "' has " + std::to_string(current) +
                                   " partitions; the new total " + std::to_string(new_total) +
                                   " must be larger (and at most " +
                                   std::to_string(kMaxPartitions) + ")");
  }
  std::vector<std::shared_ptr<Partition>> added;
  for (int32_t i = current; i < new_total; ++i) {
    // LoadPartition reads the config through t->mu, which we hold: pass a
    // temporary topic view with the same dir and config.
    auto view = std::make_shared<Topic>();
    view->name = t->name;
    view->dir = t->dir;
    view->config = t->config;
    MESHD_ASSIGN_OR_RETURN(auto p, LoadPartition(view, i, true));
    added.push_back(std::move(p));
  }
  MESHD_TRY(WriteTopicMeta(*t, new_total, *t->config));
  t->partitions.insert(t->partitions.end(), added.begin(), added.end());
  return Status::Ok();
}

// ---------------------------------------------------------------- append

Result<AppendResult> LocalLog::Append(const std::string& topic, int32_t partition,
                                      std::string batches) {
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  AppendInternal(topic, partition, batches,
                 [&promise](Result<AppendResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

void LocalLog::AppendAsync(const std::string& topic, int32_t partition, std::string batches,
                           AppendCallback done) {
  // AppendInternal is done with the bytes when it returns (the fsync wait
  // keeps only the callback), so the string may die here.
  AppendInternal(topic, partition, batches, std::move(done));
}

void LocalLog::AppendAsyncInPlace(const std::string& topic, int32_t partition,
                                  std::span<char> batches, AppendCallback done) {
  AppendInternal(topic, partition, batches, std::move(done));
}

Status LocalLog::RollLocked(Partition& p, const TopicConfig&) {
  MESHD_TRY(p.segments.back()->WriteIndexFiles());
  MESHD_ASSIGN_OR_RETURN(auto seg, Segment::Create(p.dir, p.log_end));
  seg->set_created_ms(Now());
  p.segments.push_back(std::move(seg));
  p.dir_dirty = true;
  return Status::Ok();
}

void LocalLog::AppendInternal(const std::string& topic, int32_t partition,
                              std::span<char> buffer, AppendCallback done) {
  const std::string_view batches(buffer.data(), buffer.size());
  const int64_t start_us = MonoMicros();
  const std::string where = PartitionName(topic, partition);
  if (closed_) return done(Status::Unavailable("storage is closed"));
  std::shared_ptr<Topic> t;
  auto found = FindPartition(topic, partition, &t);
  if (!found.ok()) return done(found.error());
  std::shared_ptr<Partition> p = *found;
  std::shared_ptr<const TopicConfig> config = t->Config();

  auto split = record::SplitBatches(batches);
  if (!split.ok()) return done(WithContext(split.error(), "append to " + where));
  if (split->empty()) return done(Status::InvalidArgument("append to " + where + ": no record batches"));
  std::vector<record::BatchHeader> headers;
  std::vector<size_t> positions;
  for (std::string_view b : *split) {
    if (b.size() > static_cast<size_t>(config->max_message_bytes)) {
      return done(Status::TooLarge("append to " + where + ": batch of " +
                                   std::to_string(b.size()) + " bytes exceeds max.message.bytes " +
                                   std::to_string(config->max_message_bytes)));
    }
    Status v = record::ValidateBatch(b);
    if (!v.ok()) return done(WithContext(v, "append to " + where));
    auto h = record::ParseHeader(b);
    if (!h.ok()) return done(WithContext(h.error(), "append to " + where));
    headers.push_back(*h);
    positions.push_back(static_cast<size_t>(b.data() - batches.data()));
  }

  const bool always = config->fsync == FsyncMode::kAlways;
  AppendResult res;
  bool wrote = false;
  int64_t written_bytes = 0;
  int64_t written_records = 0;
  bool wait = false;
  Status failed;  // reported after the lock is released: callbacks never run under it
  do {
    std::unique_lock lk(p->mu);
    if (p->deleted || closed_) {
      failed = p->deleted ? Status::NotFound("topic '" + topic + "' was deleted")
                          : Status::Unavailable("storage is closed");
      break;
    }
    std::map<int64_t, std::optional<ProducerEntry>> backup;
    auto restore = [&] {
      for (auto& [pid, e] : backup) p->producers.Restore(pid, std::move(e));
    };
    std::vector<AppendedBatch> metas;
    std::vector<bool> dup(headers.size(), false);
    int64_t next = p->log_end;
    int64_t first = -1, last = -1;
    for (size_t i = 0; i < headers.size(); ++i) {
      record::BatchHeader& h = headers[i];
      if (h.producer_id >= 0) {
        if (!backup.count(h.producer_id)) {
          const ProducerEntry* e = p->producers.Find(h.producer_id);
          backup[h.producer_id] = e ? std::optional<ProducerEntry>(*e) : std::nullopt;
        }
        std::optional<ProducerBatch> d;
        Status s = p->producers.Check(h, &d);
        if (!s.ok()) {
          restore();
          failed = WithContext(s, "append to " + where);
          break;
        }
        if (d) {
          dup[i] = true;
          if (first < 0) first = d->first_offset;
          last = d->last_offset;
          continue;
        }
      }
      h.base_offset = next;
      record::SetBaseOffset(buffer.data() + positions[i], next);
      if (h.producer_id >= 0) p->producers.Update(h);
      metas.push_back({next, h.last_offset(), h.max_timestamp, static_cast<int64_t>(h.total_size())});
      written_records += h.records_count;
      if (first < 0) first = next;
      last = h.last_offset();
      next = h.last_offset() + 1;
    }
    if (!failed.ok()) break;
    if (!metas.empty()) {
      std::string gathered;
      std::string_view buf = batches;
      if (std::find(dup.begin(), dup.end(), true) != dup.end()) {
        for (size_t i = 0; i < headers.size(); ++i) {
          if (!dup[i]) gathered.append((*split)[i]);
        }
        buf = gathered;
      }
      Segment* active = p->segments.back().get();
      bool roll = active->size() > 0 &&
                  (active->size() + static_cast<int64_t>(buf.size()) > config->segment_bytes ||
                   Now() - active->created_ms() >= config->segment_ms ||
                   last - active->base_offset() > static_cast<int64_t>(UINT32_MAX));
      if (roll) {
        Status rs = RollLocked(*p, *config);
        if (!rs.ok()) {
          restore();
          failed = WithContext(rs, "append to " + where + ": roll");
          break;
        }
        active = p->segments.back().get();
      }
      Status ws = active->Append(buf, metas, config->index_interval_bytes);
      if (!ws.ok()) {
        restore();
        failed = WithContext(ws, "append to " + where);
        break;
      }
      p->log_end = next;
      if (p->unsynced.empty() || p->unsynced.back() != p->segments.back()) {
        p->unsynced.push_back(p->segments.back());
      }
      if (!always) {
        active->set_committed(active->size());
        p->hw = p->log_end;
      }
      wrote = true;
      written_bytes = static_cast<int64_t>(buf.size());
    }
    res.base_offset = first;
    res.last_offset = last;
    res.duplicate = metas.empty();
    res.log_start_offset = p->log_start;
    if (always && p->hw <= last) {
      wait = true;
      p->waiters.push_back(SyncWaiter{
          last + 1, [res, start_us, done = std::move(done)](Status s) {
            AppendLatency().Observe(static_cast<double>(MonoMicros() - start_us) / 1e6);
            if (s.ok()) {
              done(res);
            } else {
              done(s);
            }
          }});
    }
  } while (false);
  if (!failed.ok()) return done(std::move(failed));
  if (wrote) {
    t->bytes_in->Inc(static_cast<double>(written_bytes));
    t->records_in->Inc(static_cast<double>(written_records));
  }
  if (wait) {
    ScheduleSync(p, true, 0);
    return;
  }
  if (wrote) {
    if (config->fsync == FsyncMode::kInterval) ScheduleSync(p, false, config->fsync_interval_ms);
    FireWatches(topic);
  }
  AppendLatency().Observe(static_cast<double>(MonoMicros() - start_us) / 1e6);
  done(res);
}

// ---------------------------------------------------------------- flusher

void LocalLog::ScheduleSync(const std::shared_ptr<Partition>& p, bool urgent, int64_t interval_ms) {
  {
    std::lock_guard lk(flush_mu_);
    if (urgent) {
      urgent_.push_back(p);
    } else {
      if (interval_due_.count(p.get())) return;
      interval_due_[p.get()] = {p, MonoMillis() + interval_ms};
    }
  }
  flush_cv_.notify_one();
}

// One partition's sync, in three phases so that the flusher can run the
// fdatasyncs of several partitions in parallel (the file system can then
// share one journal commit among them).
struct LocalLog::SyncJob {
  std::shared_ptr<Partition> p;
  std::vector<std::shared_ptr<Segment>> segs;
  std::vector<int64_t> sizes;
  int64_t target = 0;
  bool dir_dirty = false;
  bool skip = false;
  Status status;
};

void LocalLog::BeginSync(SyncJob& j) {
  Partition& p = *j.p;
  std::unique_lock lk(p.mu);
  if (p.deleted) {
    p.unsynced.clear();
    j.skip = true;
    return;
  }
  j.segs.swap(p.unsynced);
  for (const auto& s : j.segs) j.sizes.push_back(s->size());
  j.target = p.log_end;
  j.dir_dirty = p.dir_dirty;
  p.dir_dirty = false;
}

void LocalLog::RunSync(SyncJob& j) {
  if (j.skip) return;
  for (const auto& s : j.segs) {
    int64_t t0 = MonoMicros();
    j.status = s->Sync();
    FsyncLatency().Observe(static_cast<double>(MonoMicros() - t0) / 1e6);
    if (!j.status.ok()) return;
  }
  if (j.dir_dirty) j.status = SyncDir(j.p->dir);
}

void LocalLog::DropSyncedCache(const SyncJob& j) const {
  // Advise in chunks: one fadvise per few MiB, not one per group commit.
  constexpr int64_t kDropChunk = 8LL << 20;
  if (options_.page_cache_keep_bytes < 0) return;
  int64_t keep = options_.page_cache_keep_bytes;  // newest bytes stay cached
  for (size_t i = j.segs.size(); i-- > 0;) {
    const int64_t to = std::max<int64_t>(0, j.sizes[i] - keep);
    keep = std::max<int64_t>(0, keep - j.sizes[i]);
    const bool older = i + 1 < j.segs.size();  // rolled: its last chance
    if (to - j.segs[i]->cache_dropped() >= kDropChunk || (older && to > j.segs[i]->cache_dropped())) {
      j.segs[i]->DropCacheBefore(to);
    }
  }
}

void LocalLog::FinishSync(SyncJob& j) {
  if (j.skip) return;
  Partition& p = *j.p;
  const Status& st = j.status;
  std::vector<SyncWaiter> ready;
  bool advanced = false;
  {
    std::unique_lock lk(p.mu);
    if (st.ok()) {
      for (size_t i = 0; i < j.segs.size(); ++i) {
        j.segs[i]->set_committed(std::max(j.segs[i]->committed(), j.sizes[i]));
      }
      if (j.target > p.hw) {
        p.hw = j.target;
        advanced = true;
      }
    } else {
      logging::Get("storage")->error("{}: {}", PartitionName(p.topic, p.id), st.ToString());
      p.unsynced.insert(p.unsynced.begin(), j.segs.begin(), j.segs.end());
      p.dir_dirty = p.dir_dirty || j.dir_dirty;
    }
    int64_t limit = st.ok() ? p.hw : j.target;
    std::deque<SyncWaiter> keep;
    for (auto& w : p.waiters) {
      if (w.end_offset <= limit) {
        ready.push_back(std::move(w));
      } else {
        keep.push_back(std::move(w));
      }
    }
    p.waiters.swap(keep);
  }
  for (auto& w : ready) w.done(st);
  if (advanced) FireWatches(p.topic);
  if (st.ok()) DropSyncedCache(j);  // after the acknowledgements: not on their path
}

void LocalLog::SyncPartition(const std::shared_ptr<Partition>& p) {
  SyncJob j;
  j.p = p;
  BeginSync(j);
  RunSync(j);
  FinishSync(j);
}

void LocalLog::FlusherLoop() {
  NameThisThread("meshd-flush");
  std::unique_lock lk(flush_mu_);
  for (;;) {
    if (stop_flusher_ && urgent_.empty()) return;
    if (urgent_.empty()) {
      if (interval_due_.empty()) {
        flush_cv_.wait(lk);
      } else {
        int64_t next = INT64_MAX;
        for (const auto& [k, v] : interval_due_) next = std::min(next, v.second);
        int64_t wait_ms = next - MonoMillis();
        if (wait_ms > 0) flush_cv_.wait_for(lk, std::chrono::milliseconds(wait_ms));
      }
    }
    std::vector<std::shared_ptr<Partition>> work;
    work.swap(urgent_);
    int64_t now = MonoMillis();
    for (auto it = interval_due_.begin(); it != interval_due_.end();) {
      if (it->second.second <= now) {
        work.push_back(it->second.first);
        it = interval_due_.erase(it);
      } else {
        ++it;
      }
    }
    if (work.empty()) continue;
    lk.unlock();
    // One sync per partition however many appends queued it (group commit),
    // and the partitions' syncs in parallel.
    std::set<Partition*> seen;
    std::vector<SyncJob> jobs;
    for (const auto& p : work) {
      if (seen.insert(p.get()).second) {
        jobs.emplace_back();
        jobs.back().p = p;
      }
    }
    for (auto& j : jobs) BeginSync(j);
    std::atomic<size_t> next_job{0};
    auto worker = [this, &jobs, &next_job] {
      for (size_t i; (i = next_job.fetch_add(1)) < jobs.size();) RunSync(jobs[i]);
    };
    std::vector<std::thread> helpers;
    for (size_t i = 1; i < std::min<size_t>(jobs.size(), kMaxParallelSyncs); ++i) {
      helpers.emplace_back(worker);
    }
    worker();
    for (auto& h : helpers) h.join();
    for (auto& j : jobs) FinishSync(j);
    lk.lock();
  }
}

Status LocalLog::Flush() {
  std::vector<std::shared_ptr<Partition>> all;
  {
    std::shared_lock lk(topics_mu_);
    for (const auto& [name, t] : topics_) {
      std::lock_guard tl(t->mu);
      all.insert(all.end(), t->partitions.begin(), t->partitions.end());
    }
  }
  for (const auto& p : all) SyncPartition(p);
  return Status::Ok();
}

// ---------------------------------------------------------------- read path

Result<FetchResult> LocalLog::Fetch(const std::string& topic, int32_t partition, int64_t offset,
                                    int32_t max_bytes) const {
  MESHD_ASSIGN_OR_RETURN(auto p, FindPartition(topic, partition));
  const std::string where = PartitionName(topic, partition);
  std::shared_lock lk(p->mu);
  FetchResult r;
  r.high_watermark = p->hw;
  r.last_stable_offset = p->hw;
  r.log_start_offset = p->log_start;
  if (offset < p->log_start || offset > p->hw) {
    return Status::OutOfRange("fetch " + where + " at offset " + std::to_string(offset) +
                              ": outside [" + std::to_string(p->log_start) + ", " +
                              std::to_string(p->hw) + "]");
  }
  if (offset == p->hw) return r;
  auto it = std::upper_bound(p->segments.begin(), p->segments.end(), offset,
                             [](int64_t o, const std::shared_ptr<Segment>& s) { return o < s->base_offset(); });
  size_t idx = it == p->segments.begin() ? 0 : static_cast<size_t>(it - p->segments.begin()) - 1;
  for (; idx < p->segments.size(); ++idx) {
    const Segment& seg = *p->segments[idx];
    auto corrupt = [&] {
      return Status::Corruption("fetch " + where + " at offset " + std::to_string(offset) + ": " +
                                seg.log_path() + " is corrupt from byte " +
                                std::to_string(seg.fence_position()) + " (offset " +
                                std::to_string(seg.fence_offset()) + "): " + seg.fence_reason());
    };
    if (seg.fenced() && offset >= seg.fence_offset()) return corrupt();
    const int64_t limit = seg.readable_end();
    int64_t pos = seg.LookupPosition(offset);
    int64_t start = -1, first_end = 0;
    while (pos < limit) {
      MESHD_ASSIGN_OR_RETURN(record::BatchHeader h, seg.ReadHeaderAt(pos));
      int64_t total = static_cast<int64_t>(h.total_size());
      if (pos + total > limit || h.base_offset >= p->hw) break;
      if (h.last_offset() >= offset) {
        start = pos;
        first_end = pos + total;
        break;
      }
      pos += total;
    }
    if (start < 0) {
      if (seg.fenced()) return corrupt();
      continue;  // offset fell in a gap (compaction) at the end of this segment
    }
    const int64_t budget_end = start + std::max<int64_t>(max_bytes, 0);
    int64_t end = first_end;  // KIP-74: at least one whole batch
    if (limit <= budget_end) {
      end = limit;
    } else if (budget_end > first_end) {
      int64_t b = std::max(seg.BoundaryAtOrBefore(budget_end), first_end);
      while (b < limit) {
        MESHD_ASSIGN_OR_RETURN(record::BatchHeader h, seg.ReadHeaderAt(b));
        int64_t total = static_cast<int64_t>(h.total_size());
        if (b + total > budget_end) break;
        b += total;
      }
      end = b;
    }
    r.slices.push_back(FileSlice{seg.fd(), start, end - start, seg.cache_dropped()});
    return r;
  }
  return r;
}

Result<int64_t> LocalLog::OffsetForTimestamp(const std::string& topic, int32_t partition,
                                             int64_t ts_ms) const {
  MESHD_ASSIGN_OR_RETURN(auto p, FindPartition(topic, partition));
  std::shared_lock lk(p->mu);
  for (const auto& segp : p->segments) {
    const Segment& seg = *segp;
    if (seg.max_timestamp() < ts_ms) continue;
    int64_t from = std::max(seg.LookupTimestamp(ts_ms), p->log_start);
    int64_t pos = seg.LookupPosition(from);
    const int64_t limit = seg.readable_end();
    while (pos < limit) {
      MESHD_ASSIGN_OR_RETURN(record::BatchHeader h, seg.ReadHeaderAt(pos));
      int64_t total = static_cast<int64_t>(h.total_size());
      if (pos + total > limit || h.base_offset >= p->hw) break;
      if (h.max_timestamp >= ts_ms && h.last_offset() >= p->log_start && !h.control()) {
        std::string bytes;
        MESHD_TRY(seg.ReadAt(pos, static_cast<size_t>(total), &bytes));
        MESHD_ASSIGN_OR_RETURN(auto recs, record::DecodeRecords(bytes));
        for (const auto& rec : recs) {
          if (rec.offset >= p->log_start && rec.timestamp >= ts_ms) return rec.offset;
        }
      }
      pos += total;
    }
  }
  return p->hw;
}

Result<PartitionInfo> LocalLog::GetOffsets(const std::string& topic, int32_t partition) const {
  MESHD_ASSIGN_OR_RETURN(auto p, FindPartition(topic, partition));
  std::shared_lock lk(p->mu);
  PartitionInfo info;
  info.partition = partition;
  info.start_offset = p->log_start;
  info.end_offset = p->hw;
  for (const auto& s : p->segments) info.size_bytes += s->size();
  info.segments = static_cast<int32_t>(p->segments.size());
  return info;
}

bool LocalLog::IsDuplicateBatch(const std::string& topic, int32_t partition,
                                const record::BatchHeader& header) const {
  if (header.producer_id < 0) return false;
  auto p = FindPartition(topic, partition);
  if (!p.ok()) return false;
  std::shared_lock lk((*p)->mu);
  std::optional<ProducerBatch> duplicate;
  return (*p)->producers.Check(header, &duplicate).ok() && duplicate.has_value();
}

// ---------------------------------------------------------------- retention

Status LocalLog::WriteLogStartCheckpoint(const Partition& p) const {
  return WriteFileAtomic(p.dir + "/" + kLogStartFile, std::to_string(p.log_start), true);
}

void LocalLog::DeleteSegmentsBeforeLocked(Partition& p, int64_t offset) {
  while (p.segments.size() > 1 && p.segments[1]->base_offset() <= offset) {
    p.segments.front()->RemoveFiles();
    p.segments.erase(p.segments.begin());
  }
}

Status LocalLog::DeleteRecordsBefore(const std::string& topic, int32_t partition,
                                     int64_t offset) {
  if (closed_) return Status::Unavailable("storage is closed");
  MESHD_ASSIGN_OR_RETURN(auto p, FindPartition(topic, partition));
  std::unique_lock lk(p->mu);
  if (offset < 0) offset = p->hw;  // Kafka: -1 means the high watermark
  if (offset > p->hw) {
    return Status::OutOfRange("delete records of " + PartitionName(topic, partition) +
                              " before " + std::to_string(offset) + ": beyond the end offset " +
                              std::to_string(p->hw));
  }
  if (offset <= p->log_start) return Status::Ok();
  p->log_start = offset;
  DeleteSegmentsBeforeLocked(*p, offset);
  return WriteLogStartCheckpoint(*p);
}

Status LocalLog::RetainPartition(Partition& p, const TopicConfig& config) {
  std::unique_lock lk(p.mu);
  if (p.deleted) return Status::Ok();
  const int64_t now = Now();
  size_t removed = 0;
  if (config.retention_ms >= 0) {
    while (p.segments.size() > 1 && now - p.segments.front()->max_timestamp() > config.retention_ms) {
      p.segments.front()->RemoveFiles();
      p.segments.erase(p.segments.begin());
      ++removed;
    }
  }
  if (config.retention_bytes >= 0) {
    int64_t total = 0;
    for (const auto& s : p.segments) total += s->size();
    while (p.segments.size() > 1 && total - p.segments.front()->size() >= config.retention_bytes) {
      total -= p.segments.front()->size();
      p.segments.front()->RemoveFiles();
      p.segments.erase(p.segments.begin());
      ++removed;
    }
  }
  if (removed == 0) return Status::Ok();
  p.log_start = std::max(p.log_start, p.segments.front()->base_offset());
  logging::Get("storage")->info("{}: retention deleted {} segment(s); log start offset {}",
                                PartitionName(p.topic, p.id), removed, p.log_start);
  return WriteLogStartCheckpoint(p);
}

Status LocalLog::RunRetentionNow() {
  std::lock_guard ml(maintenance_mu_);
  std::vector<std::shared_ptr<Topic>> topics;
  {
    std::shared_lock lk(topics_mu_);
    for (const auto& [n, t] : topics_) topics.push_back(t);
  }
  Status first;
  for (const auto& t : topics) {
    auto config = t->Config();
    if (!config->cleanup_delete) continue;
    std::vector<std::shared_ptr<Partition>> parts;
    {
      std::lock_guard tl(t->mu);
      parts = t->partitions;
    }
    for (const auto& p : parts) {
      Status st = RetainPartition(*p, *config);
      if (!st.ok() && first.ok()) first = st;
    }
  }
  return first;
}

// ---------------------------------------------------------------- compaction

Status LocalLog::CompactPartition(const std::shared_ptr<Partition>& p, const TopicConfig& config) {
  std::vector<std::shared_ptr<Segment>> closed;
  {
    std::shared_lock lk(p->mu);
    if (p->deleted) return Status::Ok();
    for (size_t i = 0; i + 1 < p->segments.size(); ++i) {
      if (p->segments[i]->fenced()) break;  // never rewrite around corruption
      // Not yet synced under fsync=always: part of it is invisible; wait.
      if (p->segments[i]->committed() != p->segments[i]->size()) break;
      closed.push_back(p->segments[i]);
    }
  }
  const int64_t now = Now();
  // min.compaction.lag.ms: leave recent segments (and everything after) alone.
  while (!closed.empty() && closed.back()->max_timestamp() > now - config.min_compaction_lag_ms) {
    closed.pop_back();
  }
  if (closed.empty()) return Status::Ok();
  const std::string where = PartitionName(p->topic, p->id);

  auto read_batches = [](const Segment& seg, std::string* bytes) -> Result<std::vector<std::string_view>> {
    MESHD_TRY(seg.ReadAt(0, static_cast<size_t>(seg.readable_end()), bytes));
    return record::SplitBatches(*bytes);
  };

  // Pass 1: the latest offset of every key in the closed segments.
  std::unordered_map<std::string, int64_t> latest;
  for (const auto& seg : closed) {
    std::string bytes;
    MESHD_ASSIGN_OR_RETURN(auto batches, read_batches(*seg, &bytes));
    for (std::string_view b : batches) {
      MESHD_ASSIGN_OR_RETURN(auto h, record::ParseHeader(b));
      if (h.control()) continue;
      MESHD_ASSIGN_OR_RETURN(auto recs, record::DecodeRecords(b));
      for (const auto& r : recs) {
        if (r.key) latest[*r.key] = r.offset;
      }
    }
  }

  // Pass 2: rewrite each segment keeping only survivors, at their original offsets.
  for (const auto& seg : closed) {
    std::string bytes;
    MESHD_ASSIGN_OR_RETURN(auto batches, read_batches(*seg, &bytes));
    std::string out;
    bool changed = false;
    for (std::string_view b : batches) {
      MESHD_ASSIGN_OR_RETURN(auto h, record::ParseHeader(b));
      if (h.control()) {
        out.append(b);
        continue;
      }
      MESHD_ASSIGN_OR_RETURN(auto recs, record::DecodeRecords(b));
      std::vector<const record::Record*> keep;
      for (const auto& r : recs) {
        if (!r.key) {
          keep.push_back(&r);
          continue;
        }
        if (latest[*r.key] != r.offset) continue;  // superseded
        if (!r.value && now - r.timestamp > config.delete_retention_ms) continue;  // old tombstone
        keep.push_back(&r);
      }
      if (keep.size() == recs.size()) {
        out.append(b);
        continue;
      }
      changed = true;
      if (keep.empty()) continue;
      record::RecordBatchBuilder builder(h.compression(), h.producer_id, h.producer_epoch,
                                         h.base_sequence);
      for (const record::Record* r : keep) {
        builder.AddWithOffsetDelta(static_cast<int32_t>(r->offset - h.base_offset), r->timestamp,
                                   r->key, r->value, r->headers);
      }
      builder.SetLastOffsetDelta(h.last_offset_delta);
      std::string nb = builder.Build();
      record::SetBaseOffset(nb.data(), h.base_offset);
      record::SetPartitionLeaderEpoch(nb.data(), h.partition_leader_epoch);
      out.append(nb);
    }
    if (!changed) continue;
    const std::string cleaned = seg->log_path() + ".cleaned";
    {
      int fd = ::open(cleaned.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) return Status::FromErrno("create " + cleaned, errno);
      Status st = PWriteAll(fd, out.data(), out.size(), 0, cleaned);
      if (st.ok() && ::fdatasync(fd) != 0) st = Status::FromErrno("fdatasync " + cleaned, errno);
      ::close(fd);
      if (!st.ok()) {
        ::unlink(cleaned.c_str());
        return st;
      }
    }
    std::unique_lock lk(p->mu);
    auto it = std::find(p->segments.begin(), p->segments.end(), seg);
    if (p->deleted || it == p->segments.end() || *it == p->segments.back()) {
      ::unlink(cleaned.c_str());  // deleted by retention meanwhile
      continue;
    }
    // Swap atomically: readers holding the old fd keep reading the old inode.
    if (::rename(cleaned.c_str(), seg->log_path().c_str()) != 0) {
      Status st = Status::FromErrno("rename " + cleaned, errno);
      ::unlink(cleaned.c_str());
      return st;
    }
    MESHD_TRY(SyncDir(p->dir));
    MESHD_ASSIGN_OR_RETURN(auto fresh, Segment::OpenExisting(p->dir, seg->base_offset()));
    MESHD_ASSIGN_OR_RETURN(auto scan, fresh->Scan(false, config.index_interval_bytes, nullptr));
    if (scan.bad) {
      return Status::Internal(where + ": compacted segment failed its own scan: " + scan.error);
    }
    fresh->set_created_ms(seg->created_ms());
    MESHD_TRY(fresh->WriteIndexFiles());
    *it = fresh;
    logging::Get("storage")->info("{}: compacted {} from {} to {} bytes", where, seg->log_path(),
                                  bytes.size(), out.size());
  }
  return Status::Ok();
}

Status LocalLog::RunCompactionNow() {
  std::lock_guard ml(maintenance_mu_);
  std::vector<std::shared_ptr<Topic>> topics;
  {
    std::shared_lock lk(topics_mu_);
    for (const auto& [n, t] : topics_) topics.push_back(t);
  }
  Status first;
  for (const auto& t : topics) {
    auto config = t->Config();
    if (!config->cleanup_compact) continue;
    std::vector<std::shared_ptr<Partition>> parts;
    {
      std::lock_guard tl(t->mu);
      parts = t->partitions;
    }
    for (const auto& p : parts) {
      Status st = CompactPartition(p, *config);
      if (!st.ok()) {
        logging::Get("storage")->error("compaction of {}: {}", PartitionName(t->name, p->id),
                                       st.ToString());
        if (first.ok()) first = st;
      }
    }
  }
  return first;
}

void LocalLog::MaintenanceLoop() {
  NameThisThread("meshd-maint");
  auto log = logging::Get("storage");
  std::unique_lock lk(maint_wait_mu_);
  while (!stop_maint_) {
    maint_cv_.wait_for(lk, std::chrono::milliseconds(options_.maintenance_interval_ms),
                       [this] { return stop_maint_; });
    if (stop_maint_) break;
    lk.unlock();
    Status r = RunRetentionNow();
    if (!r.ok()) log->error("retention: {}", r.ToString());
    Status c = RunCompactionNow();
    if (!c.ok()) log->error("compaction: {}", c.ToString());
    lk.lock();
  }
}

std::vector<std::string> LocalLog::CorruptionReports() const {
  std::lock_guard lk(corruption_mu_);
  return corruption_reports_;
}

// ---------------------------------------------------------------- watches

uint64_t LocalLog::WatchAppends(const std::string& topic, std::function<void()> cb) {
  std::lock_guard lk(watch_mu_);
  uint64_t token = next_watch_++;
  watches_[token] = {topic, std::move(cb)};
  return token;
}

void LocalLog::CancelWatch(uint64_t token) {
  std::lock_guard lk(watch_mu_);
  watches_.erase(token);
}

void LocalLog::FireWatches(const std::string& topic) {
  std::vector<std::function<void()>> fire;
  {
    std::lock_guard lk(watch_mu_);
    if (watches_.empty()) return;
    for (auto it = watches_.begin(); it != watches_.end();) {
      if (it->second.first == topic) {
        fire.push_back(std::move(it->second.second));
        it = watches_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& cb : fire) cb();
}

// ---------------------------------------------------------------- group offsets

Status LocalLog::EnsureOffsetsTopic() {
  {
    std::shared_lock lk(topics_mu_);
    if (topics_.count(kOffsetsTopic)) return Status::Ok();
  }
  MESHD_ASSIGN_OR_RETURN(
      TopicConfig config,
      TopicConfig::FromMap({{"cleanup.policy", "compact"},
                            {"fsync", "always"},
                            {"segment.bytes", std::to_string(options_.offsets_segment_bytes)}}));
  auto created = CreateTopic(kOffsetsTopic, 1, config);
  if (!created.ok()) return created.error();
  return Status::Ok();
}

Status LocalLog::ReplayGroupOffsets() {
  MESHD_ASSIGN_OR_RETURN(auto info, GetOffsets(kOffsetsTopic, 0));
  int64_t offset = info.start_offset;
  auto log = logging::Get("storage");
  std::lock_guard gl(groups_mu_);
  while (offset < info.end_offset) {
    auto fr = Fetch(kOffsetsTopic, 0, offset, 1 << 20);
    if (!fr.ok()) {
      log->error("replaying {} at offset {}: {}", kOffsetsTopic, offset, fr.error().ToString());
      break;
    }
    if (fr->slices.empty()) break;
    std::string bytes;
    MESHD_TRY(fr->ReadInto(&bytes));
    MESHD_ASSIGN_OR_RETURN(auto batches, record::SplitBatches(bytes, true));
    if (batches.empty()) break;
    for (std::string_view b : batches) {
      MESHD_ASSIGN_OR_RETURN(auto h, record::ParseHeader(b));
      offset = std::max(offset, h.last_offset() + 1);
      auto recs = record::DecodeRecords(b);
      if (!recs.ok()) {
        log->warn("{}: skipping undecodable batch at {}: {}", kOffsetsTopic, h.base_offset,
                  recs.error().ToString());
        continue;
      }
      for (const auto& r : *recs) {
        std::string group, topic;
        int32_t partition = 0;
        if (!r.key || !DecodeOffsetKey(*r.key, &group, &topic, &partition)) continue;
        if (!r.value) {
          auto g = groups_.find(group);
          if (g != groups_.end()) {
            g->second.erase({topic, partition});
            if (g->second.empty()) groups_.erase(g);
          }
          continue;
        }
        StoredOffset so;
        so.offset.topic = topic;
        so.offset.partition = partition;
        if (!DecodeOffsetValue(*r.value, &so.offset)) continue;
        so.log_offset = r.offset;
        groups_[group][{topic, partition}] = std::move(so);
      }
    }
  }
  return Status::Ok();
}

Status LocalLog::CommitOffsets(const std::string& group,
                               const std::vector<CommittedOffset>& offsets) {
  if (offsets.empty()) return Status::Ok();
  if (group.size() > 32767) return Status::InvalidArgument("group id longer than 32767 bytes");
  const int64_t now = Now();
  record::RecordBatchBuilder builder;
  std::vector<CommittedOffset> stored;
  for (const CommittedOffset& o : offsets) {
    if (o.topic.size() > 32767) return Status::InvalidArgument("topic name too long in commit");
    CommittedOffset c = o;
    if (c.commit_time_ms <= 0) c.commit_time_ms = now;
    builder.Add(now, EncodeOffsetKey(group, c.topic, c.partition), EncodeOffsetValue(c));
    stored.push_back(std::move(c));
  }
  auto res = Append(kOffsetsTopic, 0, builder.Build());
  if (!res.ok()) return WithContext(res.error(), "commit offsets of group '" + group + "'");
  std::lock_guard lk(groups_mu_);
  auto& g = groups_[group];
  for (size_t i = 0; i < stored.size(); ++i) {
    int64_t log_offset = res->base_offset + static_cast<int64_t>(i);
    auto& slot = g[{stored[i].topic, stored[i].partition}];
    if (slot.log_offset < log_offset) slot = StoredOffset{std::move(stored[i]), log_offset};
  }
  return Status::Ok();
}

std::optional<CommittedOffset> LocalLog::FetchCommitted(const std::string& group,
                                                        const std::string& topic,
                                                        int32_t partition) const {
  std::lock_guard lk(groups_mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return std::nullopt;
  auto it = g->second.find({topic, partition});
  if (it == g->second.end()) return std::nullopt;
  return it->second.offset;
}

std::vector<CommittedOffset> LocalLog::ListCommitted(const std::string& group) const {
  std::lock_guard lk(groups_mu_);
  std::vector<CommittedOffset> out;
  auto g = groups_.find(group);
  if (g == groups_.end()) return out;
  for (const auto& [k, v] : g->second) out.push_back(v.offset);
  return out;
}

std::vector<std::string> LocalLog::ListGroupsWithOffsets() const {
  std::lock_guard lk(groups_mu_);
  std::vector<std::string> out;
  for (const auto& [g, m] : groups_) {
    if (!m.empty()) out.push_back(g);
  }
  return out;
}

Status LocalLog::DeleteGroupOffsets(const std::string& group) {
  std::vector<std::pair<std::string, int32_t>> keys;
  {
    std::lock_guard lk(groups_mu_);
    auto g = groups_.find(group);
    if (g == groups_.end() || g->second.empty()) {
      return Status::NotFound("group '" + group + "' has no committed offsets");
    }
    for (const auto& [k, v] : g->second) keys.push_back(k);
  }
  record::RecordBatchBuilder builder;
  const int64_t now = Now();
  for (const auto& [topic, partition] : keys) {
    builder.Add(now, EncodeOffsetKey(group, topic, partition), std::nullopt);
  }
  auto res = Append(kOffsetsTopic, 0, builder.Build());
  if (!res.ok()) return WithContext(res.error(), "delete offsets of group '" + group + "'");
  std::lock_guard lk(groups_mu_);
  auto g = groups_.find(group);
  if (g != groups_.end()) {
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = g->second.find(keys[i]);
      if (it != g->second.end() && it->second.log_offset < res->base_offset + static_cast<int64_t>(i)) {
        g->second.erase(it);
      }
    }
    if (g->second.empty()) groups_.erase(g);
  }
  return Status::Ok();
}

}  // namespace meshd::storage
