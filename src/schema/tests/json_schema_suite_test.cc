// Runs the official JSON-Schema-Test-Suite draft-7 required cases (every
// tests/draft7/*.json, not optional/) through JsonSchemaValidator, prints
// "passed/927" and every failing case, and fails below 915.
// Every case also goes through the simdjson yes/no pass (IsValidText over the
// case's data serialized to text), which must give the full validator's
// verdict on every case: any mismatch is listed and fails the test.
// Where the schema is Streamable(), the one-pass check alone
// (IsValidTextInOnePass) must never accept what the full validator rejects;
// how often it gives the same verdict is printed.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "schema/json_schema.h"

namespace meshd::schema {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::optional<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path SuiteDir() {
  if (const char* e = std::getenv("MESHD_JSON_SCHEMA_SUITE")) return e;
  return MESHD_JSON_SCHEMA_SUITE_DIR;
}

std::optional<std::string> LoadRemote(const std::string& uri) {
  const std::string local = "http://localhost:1234/";
  if (uri.rfind(local, 0) == 0) return ReadFile(SuiteDir() / "remotes" / uri.substr(local.size()));
  if (uri == "http://json-schema.org/draft-07/schema") {
    // The draft-07 meta-schema, as shipped by Debian's python3-jsonschema.
    return ReadFile("/usr/lib/python3/dist-packages/jsonschema/schemas/draft7.json");
  }
  return std::nullopt;
}

TEST(JsonSchemaSuite, Draft7Required) {
  fs::path dir = SuiteDir() / "draft7";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  int total = 0, passed = 0;
  std::vector<std::string> failures;
  std::vector<std::string> fast_mismatches;
  std::vector<std::string> one_pass_wrong;
  int streamable = 0, one_pass_same = 0;
  JsonSchemaValidator::Options opts;
  opts.loader = LoadRemote;
  for (const auto& f : files) {
    auto text = ReadFile(f);
    ASSERT_TRUE(text.has_value());
    json::value groups = json::parse(*text);
    for (const auto& g : groups.as_array()) {
      const auto& go = g.as_object();
      std::string gdesc(go.at("description").as_string());
      auto compiled = JsonSchemaValidator::Compile(go.at("schema"), opts);
      for (const auto& t : go.at("tests").as_array()) {
        ++total;
        const auto& to = t.as_object();
        bool expected = to.at("valid").as_bool();
        std::string name = f.filename().string() + " | " + gdesc + " | " +
                           std::string(to.at("description").as_string());
        if (!compiled.ok()) {
          failures.push_back(name + "  (schema did not compile: " + compiled.status().message() + ")");
          continue;
        }
        bool got = compiled->IsValid(to.at("data"));
        const std::string text = json::serialize(to.at("data"));
        bool fast = compiled->IsValidText(text);
        if (compiled->Streamable()) {
          ++streamable;
          const bool one = compiled->IsValidTextInOnePass(text);
          if (one && !got) one_pass_wrong.push_back(name + "  (one-pass check accepts what the full validator rejects)");
          one_pass_same += one == got;
        }
        if (fast != got) {
          fast_mismatches.push_back(name + "  (full validator: " + (got ? "valid" : "invalid") +
                                    ", fast path: " + (fast ? "valid" : "invalid") + ")");
        }
        if (got == expected) {
          ++passed;
        } else {
          failures.push_back(name + "  (expected " + (expected ? "valid" : "invalid") + ")");
        }
      }
    }
  }
  for (const auto& fl : failures) std::cout << "FAIL " << fl << "\n";
  std::cout << "JSON-Schema-Test-Suite draft7 required: " << passed << "/" << total << "\n";
  for (const auto& m : fast_mismatches) std::cout << "FAST-PATH MISMATCH " << m << "\n";
  std::cout << "simdjson yes/no pass agrees with the full validator on " << (total - static_cast<int>(fast_mismatches.size()))
            << "/" << total << " cases\n";
  for (const auto& m : one_pass_wrong) std::cout << "ONE-PASS WRONG " << m << "\n";
  std::cout << "one-pass check: " << streamable << " cases have a streamable schema; same verdict on "
            << one_pass_same << ", never accepts what the full validator rejects: "
            << (one_pass_wrong.empty() ? "yes" : "NO") << "\n";
  EXPECT_TRUE(fast_mismatches.empty()) << fast_mismatches.size() << " fast-path mismatches";
  EXPECT_TRUE(one_pass_wrong.empty()) << one_pass_wrong.size() << " one-pass acceptances of invalid data";
  EXPECT_GT(streamable, 300);
  EXPECT_EQ(total, 927);
  EXPECT_GE(passed, 915);
}

}  // namespace
}  // namespace meshd::schema
