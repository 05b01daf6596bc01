#include "base/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <string>

namespace meshd {

void NameThisThread(std::string_view name) {
  // pthread_setname_np fails with ERANGE past 15 bytes instead of cutting.
  std::string cut(name.substr(0, std::min<size_t>(name.size(), 15)));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace meshd
