#include "storage/event_log.h"

#include <unistd.h>

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
  }
  return Status::Ok();
}

}  // namespace meshd::storage
