#include "governance/pii_masker.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace meshd::governance {
namespace {

namespace json = boost::json;
using catalog::PiiTreatment;

json::value Rewritten(const PiiMasker& m, std::string_view in) {
  auto out = m.RewriteValue(in);
  return json::parse(out ? *out : std::string(in));
}

TEST(PiiMasker, MasksHashesAndDropsNestedFields) {
  PiiMasker m({{"email", "pii", PiiTreatment::kMask},
               {"customer.phone", "pii", PiiTreatment::kHash},
               {"customer.address.street", "restricted", PiiTreatment::kDrop}});
  json::value v = Rewritten(m, R"({"email":"ann@example.com","amount":12.5,
      "customer":{"id":7,"phone":"+4912345","address":{"street":"Main 1","city":"Berlin"}}})");
  EXPECT_EQ(v.at("email"), "***");
  EXPECT_EQ(v.at("amount"), 12.5);
  EXPECT_EQ(v.at("customer").at("id"), 7);
  EXPECT_EQ(v.at("customer").at("phone"), json::value(PiiHash(json::value("+4912345"))));
  EXPECT_EQ(v.at("customer").at("phone").as_string().size(), 64u);
  EXPECT_FALSE(v.at("customer").at("address").as_object().contains("street"));
  EXPECT_EQ(v.at("customer").at("address").at("city"), "Berlin");
}

TEST(PiiMasker, HashIsStableSoJoinsStillWork) {
  PiiMasker m({{"email", "pii", PiiTreatment::kHash}});
  auto a = Rewritten(m, R"({"email":"ann@example.com"})");
  auto b = Rewritten(m, R"({"email":"ann@example.com","x":1})");
  EXPECT_EQ(a.at("email"), b.at("email"));
  EXPECT_NE(a.at("email"), "ann@example.com");
}

TEST(PiiMasker, ArraysApplyToEveryElement) {
  PiiMasker m({{"items.card", "pii", PiiTreatment::kMask}});
  auto v = Rewritten(m, R"({"items":[{"card":"4111","sku":"a"},{"card":"5500","sku":"b"},{"sku":"c"}]})");
  EXPECT_EQ(v.at("items").at(0).at("card"), "***");
  EXPECT_EQ(v.at("items").at(1).at("card"), "***");
  EXPECT_EQ(v.at("items").at(1).at("sku"), "b");
  EXPECT_FALSE(v.at("items").at(2).as_object().contains("card"));
}

TEST(PiiMasker, StructuredCloudEventMasksInsideData) {
  PiiMasker m({{"email", "pii", PiiTreatment::kMask}});
  auto v = Rewritten(m, R"({"specversion":"1.0","id":"1","source":"s","type":"t",
                             "data":{"email":"ann@example.com"}})");
  EXPECT_EQ(v.at("data").at("email"), "***");
  EXPECT_EQ(v.at("id"), "1");
}

TEST(PiiMasker, UnchangedValuesAreReportedAsSuch) {
  PiiMasker m({{"email", "pii", PiiTreatment::kMask}});
  EXPECT_FALSE(m.RewriteValue(R"({"amount":1})").has_value());
  EXPECT_FALSE(m.RewriteValue(R"({"email":null})").has_value());
  EXPECT_FALSE(PiiMasker({}).RewriteValue(R"({"email":"x"})").has_value());
}

TEST(PiiMasker, NonJsonValuesAreWithheld) {
  PiiMasker m({{"email", "pii", PiiTreatment::kMask}});
  auto out = m.RewriteValue(std::string("\0\0\0\0\1binary", 11));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, kWithheldValue);
}

}  // namespace
}  // namespace meshd::governance
