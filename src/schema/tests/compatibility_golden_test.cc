// Data-driven compatibility tests: tests/golden/schema/compatibility.json
// (Avro and JSON Schema cases over all seven levels). Every Avro verdict in
// that file is also recomputed by python3-avro (avro_oracle.py, its own ctest).

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "schema/compatibility.h"

namespace meshd::schema {
namespace {

namespace json = boost::json;

ParsedSchema Parse(const std::string& type, const json::value& v) {
  ParsedSchema p;
  p.type = *ParseSchemaType(type);
  if (p.type == SchemaType::kAvro) {
    auto s = AvroSchema::Parse(json::serialize(v));
    EXPECT_TRUE(s.ok()) << s.status().ToString() << " in " << json::serialize(v);
    if (s.ok()) p.avro = std::move(*s);
  } else {
    p.json = v;
  }
  return p;
}

TEST(CompatibilityGolden, AllCases) {
  std::ifstream in(MESHD_SCHEMA_GOLDEN_DIR "/compatibility.json");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  json::value cases = json::parse(ss.str());
  int n = 0, ok = 0;
  std::set<std::string> levels, types;
  for (const auto& c : cases.as_array()) {
    const auto& o = c.as_object();
    std::string id(o.at("id").as_string());
    std::string type(o.at("type").as_string());
    std::string level_name(o.at("level").as_string());
    auto level = ParseCompatibilityLevel(level_name);
    ASSERT_TRUE(level.has_value()) << id;
    levels.insert(level_name);
    types.insert(type);
    std::vector<ParsedSchema> prev;
    for (const auto& p : o.at("previous").as_array()) prev.push_back(Parse(type, p));
    std::vector<const ParsedSchema*> ptrs;
    for (const auto& p : prev) ptrs.push_back(&p);
    ParsedSchema cand = Parse(type, o.at("candidate"));
    if (::testing::Test::HasFailure()) return;
    auto msgs = CheckCompatibility(*level, cand, ptrs);
    bool expected = o.at("compatible").as_bool();
    ++n;
    if (msgs.empty() == expected) {
      ++ok;
      // An incompatible verdict must say what broke and where.
      for (const auto& m : msgs) EXPECT_NE(m.find(" at /"), std::string::npos) << id << ": " << m;
    } else {
      ADD_FAILURE() << id << " (" << level_name << "): expected "
                    << (expected ? "compatible" : "incompatible") << ", got "
                    << (msgs.empty() ? "compatible" : "incompatible: " + msgs.front());
    }
  }
  std::cout << "compatibility cases: " << ok << "/" << n << " agree\n";
  EXPECT_GE(n, 60);
  EXPECT_EQ(levels.size(), 7u);
  EXPECT_EQ(types.size(), 2u);
}

}  // namespace
}  // namespace meshd::schema
