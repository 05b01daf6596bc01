#include "storage/event_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace meshd::storage {

int64_t FetchResult::total_bytes() const {
  int64_t n = 0;
  for (const FileSlice& s : slices) n += s.size;
  return n;
}

Status FetchResult::ReadInto(std::string* out) const {
  for (const FileSlice& s : slices) {
    if (!s.fd || s.size <= 0) continue;
    size_t at = out->size();
    out->resize(at + static_cast<size_t>(s.size));
    int64_t done = 0;
    while (done < s.size) {
      ssize_t n = ::pread(*s.fd, out->data() + at + done, static_cast<size_t>(s.size - done),
                          s.position + done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        out->resize(at);
        if (n == 0) {
          return Status::IOError("fetch slice at position " + std::to_string(s.position) +
                                 ": file shorter than expected");
        }
        return Status::FromErrno("pread fetch slice", errno);
      }
      done += n;
    }
    if (s.drop_cache_below > s.position) {
      // Advice only; a failure just leaves the pages cached.
      (void)::posix_fadvise(*s.fd, s.position, std::min(s.size, s.drop_cache_below - s.position),
                            POSIX_FADV_DONTNEED);
    }
  }
  return Status::Ok();
}

}  // namespace meshd::storage
