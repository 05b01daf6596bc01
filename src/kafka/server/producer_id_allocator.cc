#include "kafka/server/producer_id_allocator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>

#include "base/clock.h"

namespace meshd::kafka {

Result<std::unique_ptr<ProducerIdAllocator>> ProducerIdAllocator::Open(const std::string& dir) {
  if (dir.empty()) {
    auto a = std::unique_ptr<ProducerIdAllocator>(
        new ProducerIdAllocator("", WallMillis() * 1000));
    a->reserved_until_ = INT64_MAX;
    return a;
  }
  std::string path = dir + "/kafka_producer_ids";
  int64_t next = 0;
  std::ifstream in(path);
  if (in) {
    if (!(in >> next) || next < 0) {
      return Status::Corruption("producer id file " + path + " does not hold a number");
    }
  }
  auto a = std::unique_ptr<ProducerIdAllocator>(new ProducerIdAllocator(path, next));
  a->reserved_until_ = next;
  return a;
}

Status ProducerIdAllocator::Reserve(int64_t up_to) {
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + tmp, errno);
  std::string text = std::to_string(up_to) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return Status::FromErrno("write " + tmp, err);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return Status::FromErrno("rename " + tmp, errno);
  reserved_until_ = up_to;
  return Status::Ok();
}

Result<int64_t> ProducerIdAllocator::Next() {
  std::lock_guard lock(mu_);
  if (next_ >= reserved_until_) MESHD_TRY(Reserve(next_ + kBlock));
  return next_++;
}

}  // namespace meshd::kafka
