#include "bus/function_pool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bus/python_runtime.h"

namespace meshd::bus {
namespace {

class FunctionPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bus-fn-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    shim_ = (dir_ / "shim.py").string();
    std::ofstream(shim_) << PythonRuntimeSource();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  FunctionSpec Exec(const std::string& script, int64_t timeout_ms = 5000) {
    FunctionSpec f;
    f.name = "fn";
    f.runtime = "exec";
    f.command = {"/bin/sh", "-c", script};
    f.timeout_ms = timeout_ms;
    return f;
  }

  std::filesystem::path dir_;
  std::string shim_;
};

TEST_F(FunctionPoolTest, ExecWorkerAnswersOneLinePerEventAndStaysAlive) {
  FunctionPool pool(Exec("while read l; do echo \"$l\"; done"), shim_, (dir_ / "log").string());
  EXPECT_EQ(*pool.Invoke(R"({"a":1})", "r1"), R"({"a":1})");
  EXPECT_EQ(*pool.Invoke(R"({"a":2})", "r2"), R"({"a":2})");
  EXPECT_EQ(pool.restarts(), 0);
}

TEST_F(FunctionPoolTest, ExecErrorObjectIsAFailure) {
  FunctionPool pool(Exec("while read l; do echo '{\"errorMessage\":\"nope\"}'; done"), shim_, (dir_ / "log").string());
  auto r = pool.Invoke("{}", "r");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInternal);
  EXPECT_NE(r.error().message().find("nope"), std::string::npos);
}

TEST_F(FunctionPoolTest, TimeoutKillsWorkerAndNextCallRestartsIt) {
  // First line: hang; later lines: answer. A fresh worker answers again.
  std::string marker = (dir_ / "seen").string();
  FunctionPool pool(Exec("read l; if [ ! -e " + marker + " ]; then touch " + marker +
                         "; sleep 30; fi; echo ok; while read l; do echo ok; done", 300),
                    shim_, (dir_ / "log").string());
  auto r = pool.Invoke("{}", "r1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kTimeout);
  auto r2 = pool.Invoke("{}", "r2");
  ASSERT_TRUE(r2.ok()) << r2.error().ToString();
  EXPECT_EQ(*r2, "ok");
  EXPECT_EQ(pool.restarts(), 1);
}

TEST_F(FunctionPoolTest, CrashedWorkerIsRestarted) {
  FunctionPool pool(Exec("read l; echo first; exit 3"), shim_, (dir_ / "log").string());
  EXPECT_EQ(*pool.Invoke("{}", "r1"), "first");
  // The worker exited after answering; the next call may see it gone once,
  // then a fresh one answers.
  Result<std::string> r = pool.Invoke("{}", "r2");
  if (!r.ok()) r = pool.Invoke("{}", "r3");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, "first");
}

TEST_F(FunctionPoolTest, PythonShimCallsLambdaHandlerWithEventAndContext) {
  std::string handler = (dir_ / "handler.py").string();
  std::ofstream(handler) << "import json\n"
                            "def lambda_handler(event, context):\n"
                            "    print('noise on stdout must not break the protocol')\n"
                            "    if event.get('fail'):\n"
                            "        raise ValueError('asked to fail')\n"
                            "    return {'customer': event['detail']['customer'], 'fn': context.function_name,\n"
                            "            'rid': context.aws_request_id}\n";
  FunctionSpec f;
  f.name = "py";
  f.runtime = "python3";
  f.handler = handler + ":lambda_handler";
  f.timeout_ms = 10000;
  FunctionPool pool(f, shim_, (dir_ / "log").string());
  auto r = pool.Invoke(R"({"detail":{"customer":"ada"}})", "req-1");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto v = json::parse(*r).as_object();
  EXPECT_EQ(v["customer"].as_string(), "ada");
  EXPECT_EQ(v["fn"].as_string(), "py");
  EXPECT_EQ(v["rid"].as_string(), "req-1");
  auto bad = pool.Invoke(R"({"fail":true})", "req-2");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("ValueError: asked to fail"), std::string::npos);
  EXPECT_EQ(pool.restarts(), 0);  // a raised exception does not kill the worker
}

}  // namespace
}  // namespace meshd::bus
