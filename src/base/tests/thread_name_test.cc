#include "base/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <future>
#include <string>
#include <thread>

namespace meshd {
namespace {

std::string NameOf(std::thread& t) {
  char buf[32] = {};
  EXPECT_EQ(pthread_getname_np(t.native_handle(), buf, sizeof(buf)), 0);
  return buf;
}

// What `top -H` and perf show: the name as given, and a long one cut at
// Linux's 15 bytes (pthread_setname_np refuses it whole and would leave the
// inherited name).
TEST(NameThisThread, NamesTheCallingThreadAndCutsLongNames) {
  for (const std::string name : {"meshd-io-0", "meshd-validate-helper-7"}) {
    std::promise<void> named, done;
    std::thread t([&] {
      NameThisThread(name);
      named.set_value();
      done.get_future().wait();
    });
    named.get_future().wait();
    EXPECT_EQ(NameOf(t), name.substr(0, 15));
    done.set_value();
    t.join();
  }
}

}  // namespace
}  // namespace meshd
