#include "storage/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace meshd::storage {

Result<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("file " + path + " does not exist");
    return Status::FromErrno("open " + path, errno);
  }
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno("read " + path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open dir " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno("fsync dir " + dir, err);
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, std::string_view contents, bool sync) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("create " + tmp, errno);
  Status st = PWriteAll(fd, contents.data(), contents.size(), 0, tmp);
  if (st.ok() && sync && ::fdatasync(fd) != 0) st = Status::FromErrno("fdatasync " + tmp, errno);
  ::close(fd);
  if (!st.ok()) return st;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::FromErrno("rename " + tmp + " to " + path, errno);
  }
  if (sync) {
    size_t slash = path.rfind('/');
    MESHD_TRY(SyncDir(slash == std::string::npos ? "." : path.substr(0, slash)));
  }
  return Status::Ok();
}

Status PWriteAll(int fd, const char* data, size_t n, int64_t offset, const std::string& what) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::pwrite(fd, data + done, n - done, offset + static_cast<int64_t>(done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::FromErrno("write " + what, errno);
    done += static_cast<size_t>(w);
  }
  return Status::Ok();
}

Status PReadUpTo(int fd, char* data, size_t n, int64_t offset, size_t* got,
                 const std::string& what) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, data + done, n - done, offset + static_cast<int64_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::FromErrno("read " + what, errno);
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  *got = done;
  return Status::Ok();
}

}  // namespace meshd::storage
