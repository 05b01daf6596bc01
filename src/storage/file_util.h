#pragma once
// Small POSIX file helpers for the storage engine: whole-file read, atomic
// replace (write temp + fsync + rename + fsync dir), and loops that finish
// partial reads and writes.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace meshd::storage {

Result<std::string> ReadWholeFile(const std::string& path);
// Replaces `path` atomically with `contents`; durable when `sync` is set.
Status WriteFileAtomic(const std::string& path, std::string_view contents, bool sync);
Status SyncDir(const std::string& dir);
// pwrite/pread that retry on EINTR and short transfers.
Status PWriteAll(int fd, const char* data, size_t n, int64_t offset, const std::string& what);
// Reads up to n bytes; *got is the count (short only at end of file).
Status PReadUpTo(int fd, char* data, size_t n, int64_t offset, size_t* got,
                 const std::string& what);

}  // namespace meshd::storage
