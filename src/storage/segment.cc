#include "storage/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include "base/endian.h"
#include "storage/file_util.h"

namespace meshd::storage {
namespace {

constexpr size_t kScanChunk = 4u << 20;
constexpr size_t kOffsetEntrySize = 8;
constexpr size_t kTimeEntrySize = 12;

std::shared_ptr<const int> ShareFd(int fd) {
  return std::shared_ptr<const int>(new int(fd), [](const int* p) {
    ::close(*p);
    delete p;
  });
}

}  // namespace

std::string SegmentFileName(int64_t base_offset, const char* suffix) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020" PRId64, base_offset);
  return std::string(buf) + suffix;
}

Segment::Segment(std::string dir, int64_t base_offset, int fd)
    : dir_(std::move(dir)),
      base_offset_(base_offset),
      log_path_(dir_ + "/" + SegmentFileName(base_offset, ".log")),
      fd_(ShareFd(fd)),
      next_offset_(base_offset) {}

Segment::~Segment() = default;

Result<std::shared_ptr<Segment>> Segment::Create(const std::string& dir, int64_t base_offset) {
  std::string path = dir + "/" + SegmentFileName(base_offset, ".log");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("create segment " + path, errno);
  return std::shared_ptr<Segment>(new Segment(dir, base_offset, fd));
}

Result<std::shared_ptr<Segment>> Segment::OpenExisting(const std::string& dir,
                                                       int64_t base_offset) {
  std::string path = dir + "/" + SegmentFileName(base_offset, ".log");
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open segment " + path, errno);
  return std::shared_ptr<Segment>(new Segment(dir, base_offset, fd));
}

void Segment::ResetIndexes() {
  index_.clear();
  time_index_.clear();
  bytes_since_index_ = 0;
  max_timestamp_ = -1;
  next_offset_ = base_offset_;
}

void Segment::IndexBatch(int64_t position, int64_t base_offset, int64_t last_offset,
                         int64_t max_timestamp, int64_t size, int32_t index_interval) {
  bool index_point = position > 0 && bytes_since_index_ >= index_interval;
  max_timestamp_ = std::max(max_timestamp_, max_timestamp);
  if (index_point) {
    uint32_t rel = static_cast<uint32_t>(base_offset - base_offset_);
    index_.push_back({rel, static_cast<uint32_t>(position)});
    if (time_index_.empty() || max_timestamp_ > time_index_.back().timestamp) {
      time_index_.push_back({max_timestamp_, rel});
    }
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += size;
  next_offset_ = last_offset + 1;
}

Result<Segment::ScanOutcome> Segment::Scan(
    bool verify_crc, int32_t index_interval,
    const std::function<void(const record::BatchHeader&)>& on_batch) {
  struct stat st;
  if (::fstat(*fd_, &st) != 0) return Status::FromErrno("stat " + log_path_, errno);
  const int64_t file_size = st.st_size;
  ResetIndexes();
  ScanOutcome out;
  std::string buf;
  int64_t buf_pos = 0;
  // Ensures [pos, pos+n) is in buf; false at end of file.
  auto ensure = [&](int64_t pos, int64_t n) -> Result<bool> {
    if (pos >= buf_pos && pos + n <= buf_pos + static_cast<int64_t>(buf.size())) return true;
    if (pos + n > file_size) return false;
    size_t want = std::max<size_t>(static_cast<size_t>(n), kScanChunk);
    want = std::min<size_t>(want, static_cast<size_t>(file_size - pos));
    buf.resize(want);
    size_t got = 0;
    MESHD_TRY(PReadUpTo(*fd_, buf.data(), want, pos, &got, log_path_));
    buf.resize(got);
    buf_pos = pos;
    return static_cast<int64_t>(got) >= n;
  };
  int64_t pos = 0;
  int64_t prev_next = base_offset_;
  while (pos < file_size) {
    MESHD_ASSIGN_OR_RETURN(bool have_header,
                           ensure(pos, static_cast<int64_t>(record::kBatchHeaderSize)));
    if (!have_header) {
      out.bad = true;
      out.error = "torn batch header (" + std::to_string(file_size - pos) + " trailing bytes)";
      break;
    }
    std::string_view hv(buf.data() + (pos - buf_pos), record::kBatchHeaderSize);
    Result<record::BatchHeader> h = record::ParseHeader(hv);
    if (!h.ok()) {
      out.bad = true;
      out.error = h.error().message();
      break;
    }
    if (h->batch_length < static_cast<int32_t>(record::kBatchHeaderSize - record::kLogOverhead) ||
        h->base_offset < prev_next || h->last_offset_delta < 0) {
      out.bad = true;
      out.error = "invalid batch header (length " + std::to_string(h->batch_length) +
                  ", base offset " + std::to_string(h->base_offset) + ")";
      break;
    }
    int64_t total = static_cast<int64_t>(h->total_size());
    MESHD_ASSIGN_OR_RETURN(bool have_batch, ensure(pos, total));
    if (!have_batch) {
      out.bad = true;
      out.error = "torn batch: needs " + std::to_string(total) + " bytes, " +
                  std::to_string(file_size - pos) + " present";
      break;
    }
    if (verify_crc) {
      Status v = record::ValidateBatch(
          std::string_view(buf.data() + (pos - buf_pos), static_cast<size_t>(total)));
      if (!v.ok()) {
        out.bad = true;
        out.error = v.message();
        break;
      }
    }
    if (h->last_offset() - base_offset_ > UINT32_MAX) {
      out.bad = true;
      out.error = "offset " + std::to_string(h->last_offset()) + " too far from segment base";
      break;
    }
    IndexBatch(pos, h->base_offset, h->last_offset(), h->max_timestamp, total, index_interval);
    if (on_batch) on_batch(*h);
    prev_next = h->last_offset() + 1;
    pos += total;
  }
  out.valid_bytes = pos;
  size_ = file_size;
  committed_ = file_size;
  return out;
}

Status Segment::Append(std::string_view bytes, const std::vector<AppendedBatch>& batches,
                       int32_t index_interval) {
  Status st = PWriteAll(*fd_, bytes.data(), bytes.size(), size_, log_path_);
  if (!st.ok()) {
    // Cut back whatever part landed so that the file ends at a batch boundary.
    if (::ftruncate(*fd_, size_) != 0) {
      return Status::FromErrno(st.message() + "; and truncating back " + log_path_, errno);
    }
    return st;
  }
  int64_t pos = size_;
  for (const AppendedBatch& b : batches) {
    IndexBatch(pos, b.base_offset, b.last_offset, b.max_timestamp, b.size, index_interval);
    pos += b.size;
  }
  size_ = pos;
  return Status::Ok();
}

Status Segment::Truncate(int64_t size) {
  if (::ftruncate(*fd_, size) != 0) return Status::FromErrno("truncate " + log_path_, errno);
  size_ = std::min(size_, size);
  committed_ = std::min(committed_, size);
  return Status::Ok();
}

Status Segment::Sync() const {
  if (::fdatasync(*fd_) != 0) return Status::FromErrno("fdatasync " + log_path_, errno);
  return Status::Ok();
}

void Segment::DropCacheBefore(int64_t position) {
  position &= ~int64_t{4095};
  int64_t from = cache_dropped_.load(std::memory_order_relaxed);
  while (position > from) {
    if (cache_dropped_.compare_exchange_weak(from, position, std::memory_order_relaxed)) {
      // Advice only: a failure leaves the pages cached, which is harmless.
      (void)::posix_fadvise(*fd_, from, position - from, POSIX_FADV_DONTNEED);
      return;
    }
  }
}

void Segment::Fence(int64_t position, int64_t from_offset, std::string reason) {
  fenced_ = true;
  fence_position_ = position;
  fence_offset_ = from_offset;
  fence_reason_ = std::move(reason);
}

Status Segment::WriteIndexFiles() const {
  std::string idx(index_.size() * kOffsetEntrySize, '\0');
  for (size_t i = 0; i < index_.size(); ++i) {
    StoreBE<uint32_t>(idx.data() + i * kOffsetEntrySize, index_[i].relative_offset);
    StoreBE<uint32_t>(idx.data() + i * kOffsetEntrySize + 4, index_[i].position);
  }
  std::string tix(time_index_.size() * kTimeEntrySize, '\0');
  for (size_t i = 0; i < time_index_.size(); ++i) {
    StoreBE<int64_t>(tix.data() + i * kTimeEntrySize, time_index_[i].timestamp);
    StoreBE<uint32_t>(tix.data() + i * kTimeEntrySize + 8, time_index_[i].relative_offset);
  }
  // Not synced: an index is always rebuildable from its log.
  MESHD_TRY(WriteFileAtomic(dir_ + "/" + SegmentFileName(base_offset_, ".index"), idx, false));
  return WriteFileAtomic(dir_ + "/" + SegmentFileName(base_offset_, ".timeindex"), tix, false);
}

bool Segment::IndexFilesMatch() const {
  Result<std::string> idx = ReadWholeFile(dir_ + "/" + SegmentFileName(base_offset_, ".index"));
  Result<std::string> tix =
      ReadWholeFile(dir_ + "/" + SegmentFileName(base_offset_, ".timeindex"));
  if (!idx.ok() || !tix.ok()) return false;
  if (idx->size() != index_.size() * kOffsetEntrySize) return false;
  if (tix->size() != time_index_.size() * kTimeEntrySize) return false;
  for (size_t i = 0; i < index_.size(); ++i) {
    OffsetIndexEntry e{LoadBE<uint32_t>(idx->data() + i * kOffsetEntrySize),
                       LoadBE<uint32_t>(idx->data() + i * kOffsetEntrySize + 4)};
    if (!(e == index_[i])) return false;
  }
  for (size_t i = 0; i < time_index_.size(); ++i) {
    TimeIndexEntry e{LoadBE<int64_t>(tix->data() + i * kTimeEntrySize),
                     LoadBE<uint32_t>(tix->data() + i * kTimeEntrySize + 8)};
    if (!(e == time_index_[i])) return false;
  }
  return true;
}

void Segment::RemoveFiles() const {
  for (const char* suffix : {".log", ".index", ".timeindex"}) {
    ::unlink((dir_ + "/" + SegmentFileName(base_offset_, suffix)).c_str());
  }
}

int64_t Segment::LookupPosition(int64_t offset) const {
  if (offset <= base_offset_ || index_.empty()) return 0;
  uint64_t rel = static_cast<uint64_t>(offset - base_offset_);
  auto it = std::upper_bound(index_.begin(), index_.end(), rel,
                             [](uint64_t r, const OffsetIndexEntry& e) { return r < e.relative_offset; });
  if (it == index_.begin()) return 0;
  return std::prev(it)->position;
}

int64_t Segment::BoundaryAtOrBefore(int64_t position) const {
  auto it = std::upper_bound(index_.begin(), index_.end(), position,
                             [](int64_t p, const OffsetIndexEntry& e) { return p < e.position; });
  if (it == index_.begin()) return 0;
  return std::prev(it)->position;
}

int64_t Segment::LookupTimestamp(int64_t ts) const {
  // Entries hold running maxima: everything up to an entry with timestamp
  // < ts is older than ts, so the scan may start at that entry's batch.
  auto it = std::lower_bound(time_index_.begin(), time_index_.end(), ts,
                             [](const TimeIndexEntry& e, int64_t t) { return e.timestamp < t; });
  if (it == time_index_.begin()) return base_offset_;
  return base_offset_ + std::prev(it)->relative_offset;
}

Result<record::BatchHeader> Segment::ReadHeaderAt(int64_t position) const {
  char buf[record::kBatchHeaderSize];
  size_t got = 0;
  MESHD_TRY(PReadUpTo(*fd_, buf, sizeof(buf), position, &got, log_path_));
  if (got < sizeof(buf)) {
    return Status::Corruption(log_path_ + ": short batch header at position " +
                              std::to_string(position));
  }
  return record::ParseHeader(std::string_view(buf, sizeof(buf)));
}

Status Segment::ReadAt(int64_t position, size_t n, std::string* out) const {
  out->resize(n);
  size_t got = 0;
  MESHD_TRY(PReadUpTo(*fd_, out->data(), n, position, &got, log_path_));
  if (got < n) {
    return Status::Corruption(log_path_ + ": short read at position " + std::to_string(position));
  }
  return Status::Ok();
}

}  // namespace meshd::storage
