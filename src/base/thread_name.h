#pragma once
// Names the calling thread, so that `top -H`, `perf sched` and gdb tell
// meshd's threads apart (I/O, validation helpers, flusher, ...). Linux keeps
// 15 bytes of a name; longer names are cut there.

#include <string_view>

namespace meshd {

void NameThisThread(std::string_view name);

}  // namespace meshd
