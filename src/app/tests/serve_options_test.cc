#include "app/serve_options.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace meshd::app {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(ServeOptionsTest, LoadsKeysMirroringFlags) {
  std::string path = WriteTemp("meshd_serve_cfg_ok.yaml",
                               "data_dir: /tmp/x\nhttp: 127.0.0.1:0\nauto_create_topics: true\n"
                               "max_event_bytes: 2048\ndedup_window_ms: 5000\nthreads: 3\n");
  ServeOptions o;
  ASSERT_TRUE(LoadServeConfig(path, &o).ok());
  EXPECT_EQ(o.data_dir, "/tmp/x");
  EXPECT_EQ(o.http, "127.0.0.1:0");
  EXPECT_TRUE(o.api.auto_create_topics);
  EXPECT_EQ(o.api.max_event_bytes, 2048);
  EXPECT_EQ(o.api.dedup_window_ms, 5000);
  EXPECT_EQ(o.threads, 3);
}

TEST(ServeOptionsTest, UnknownKeyAndBadValueAreNamed) {
  ServeOptions o;
  Status s = LoadServeConfig(WriteTemp("meshd_serve_cfg_bad1.yaml", "nope: 1\n"), &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'nope'"), std::string::npos);
  Status v = LoadServeConfig(WriteTemp("meshd_serve_cfg_bad2.yaml", "max_event_bytes: lots\n"), &o);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.message().find("max_event_bytes"), std::string::npos);
  EXPECT_FALSE(LoadServeConfig("/nonexistent/meshd.yaml", &o).ok());
}

}  // namespace
}  // namespace meshd::app
