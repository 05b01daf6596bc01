// The REST layer end to end over loopback: Confluent bodies, content type,
// error codes of the brief's 1.4 table, and the `meshd schema` CLI functions.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <sstream>
#include <thread>

#include "cli/http_client.h"
#include "http/server.h"
#include "schema/cli.h"
#include "schema/registry_http.h"

namespace meshd::schema {
namespace {

namespace json = boost::json;

class RegistryHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::move(*SchemaRegistry::Open(nullptr));
    auto router = std::make_shared<http::Router>();
    RegisterRegistryRoutes(*router, *registry_);
    server_ = std::make_unique<http::HttpServer>(ioc_, router);
    auto ep = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(ep.ok()) << ep.status().ToString();
    port_ = ep->port();
    server_->Start();
    thread_ = std::thread([this] { ioc_.run(); });
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    client_ = std::make_unique<meshd::cli::HttpClient>(*meshd::cli::ParseServerUrl(url_));
  }
  void TearDown() override {
    client_.reset();
    server_->Stop();
    ioc_.stop();
    thread_.join();
  }
  // Returns {status, body}; checks the Confluent content type.
  std::pair<int, json::value> Do(const std::string& method, const std::string& target,
                                 const std::string& body = "") {
    auto r = client_->Send(method, target, body, body.empty() ? "" : "application/vnd.schemaregistry.v1+json");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {0, nullptr};
    EXPECT_EQ(r->headers["content-type"], "application/vnd.schemaregistry.v1+json") << target;
    boost::system::error_code ec;
    json::value v = json::parse(r->body, ec);
    if (ec) v = json::string(r->body);
    if (r->status >= 300) {
      EXPECT_TRUE(v.is_object() && v.as_object().contains("error_code") && v.as_object().contains("message"))
          << target << " -> " << r->body;
    }
    return {r->status, v};
  }
  int Code(const json::value& v) { return static_cast<int>(v.at("error_code").as_int64()); }
  static std::string Body(const std::string& schema, const std::string& type = "") {
    json::object o{{"schema", schema}};
    if (!type.empty()) o["schemaType"] = type;
    return json::serialize(o);
  }

  boost::asio::io_context ioc_;
  std::unique_ptr<SchemaRegistry> registry_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::string url_;
  std::unique_ptr<meshd::cli::HttpClient> client_;
};

const char* kV1 = R"({"type":"record","name":"CustomerPurchase","fields":[{"name":"id","type":"string"}]})";
const char* kBad = R"({"type":"record","name":"CustomerPurchase","fields":[{"name":"id","type":"string"},{"name":"store","type":"string"}]})";

TEST_F(RegistryHttpTest, ConfluentApiAndErrorCodes) {
  EXPECT_EQ(Do("GET", "/").first, 200);
  auto types = Do("GET", "/schemas/types");
  EXPECT_EQ(types.first, 200);
  auto reg = Do("POST", "/subjects/pos-value/versions?normalize=false", Body(kV1));
  ASSERT_EQ(reg.first, 200) << json::serialize(reg.second);
  EXPECT_EQ(reg.second.at("id").as_int64(), 1);
  auto again = Do("POST", "/subjects/pos-value/versions", Body(kV1));
  EXPECT_EQ(again.second.at("id").as_int64(), 1);
  auto byid = Do("GET", "/schemas/ids/1?subject=pos-value");
  EXPECT_EQ(byid.first, 200);
  EXPECT_EQ(byid.second.at("schema").as_string(), kV1);
  auto latest = Do("GET", "/subjects/pos-value/versions/latest");
  EXPECT_EQ(latest.second.at("version").as_int64(), 1);
  EXPECT_EQ(Do("GET", "/subjects/pos-value/versions/-1").first, 200);
  auto lookup = Do("POST", "/subjects/pos-value", Body(kV1));
  EXPECT_EQ(lookup.second.at("subject").as_string(), "pos-value");
  EXPECT_EQ(Do("GET", "/subjects").second, json::parse(R"(["pos-value"])"));
  EXPECT_EQ(Do("GET", "/subjects/pos-value/versions").second, json::parse("[1]"));

  // 409 with what broke and where.
  auto bad = Do("POST", "/subjects/pos-value/versions", Body(kBad));
  EXPECT_EQ(bad.first, 409);
  EXPECT_EQ(Code(bad.second), 409);
  auto compat = Do("POST", "/compatibility/subjects/pos-value/versions/latest?verbose=true", Body(kBad));
  EXPECT_EQ(compat.second.at("is_compatible").as_bool(), false);
  EXPECT_NE(json::serialize(compat.second.at("messages")).find("/fields/1"), std::string::npos);
  auto compat_all = Do("POST", "/compatibility/subjects/pos-value/versions", Body(kV1));
  EXPECT_EQ(compat_all.second.at("is_compatible").as_bool(), true);
  EXPECT_FALSE(compat_all.second.as_object().contains("messages"));

  // The error table.
  auto e = Do("GET", "/subjects/nope/versions");
  EXPECT_EQ(e.first, 404);
  EXPECT_EQ(Code(e.second), 40401);
  EXPECT_EQ(e.second.at("message").as_string(), "Subject 'nope' not found.");
  EXPECT_EQ(Code(Do("GET", "/subjects/pos-value/versions/7").second), 40402);
  EXPECT_EQ(Code(Do("GET", "/schemas/ids/42").second), 40403);
  EXPECT_EQ(Code(Do("POST", "/subjects/pos-value", Body(kBad)).second), 40403);
  EXPECT_EQ(Code(Do("DELETE", "/subjects/pos-value?permanent=true").second), 40405);
  EXPECT_EQ(Code(Do("DELETE", "/subjects/pos-value/versions/1?permanent=true").second), 40407);
  EXPECT_EQ(Code(Do("GET", "/config/pos-value").second), 40408);
  EXPECT_EQ(Code(Do("GET", "/mode/pos-value").second), 40409);
  EXPECT_EQ(Code(Do("POST", "/subjects/x/versions", Body("{\"type\":\"nope\"}")).second), 42201);
  auto proto = Do("POST", "/subjects/x/versions", Body("syntax = \"proto3\";", "PROTOBUF"));
  EXPECT_EQ(proto.first, 422);
  EXPECT_EQ(Code(proto.second), 42201);
  EXPECT_NE(proto.second.at("message").as_string().find("PROTOBUF"), std::string::npos);
  EXPECT_EQ(Code(Do("GET", "/subjects/pos-value/versions/0").second), 42202);
  EXPECT_EQ(Code(Do("PUT", "/config", R"({"compatibility":"SIDEWAYS"})").second), 42203);
  EXPECT_EQ(Code(Do("PUT", "/mode", R"({"mode":"SIDEWAYS"})").second), 42204);
  EXPECT_EQ(Code(Do("POST", "/subjects/y/versions", R"({"schema":"\"int\"","id":5})").second), 42205);
  EXPECT_EQ(Do("GET", "/associations/resources/-/pos?resourceType=topic&associationType=value").first, 404);

  // Config and mode round trips.
  EXPECT_EQ(Do("PUT", "/config/pos-value", R"({"compatibility":"FULL"})").second,
            json::parse(R"({"compatibility":"FULL"})"));
  EXPECT_EQ(Do("GET", "/config/pos-value").second, json::parse(R"({"compatibilityLevel":"FULL"})"));
  EXPECT_EQ(Do("GET", "/config").second, json::parse(R"({"compatibilityLevel":"BACKWARD"})"));
  EXPECT_EQ(Do("PUT", "/mode/pos-value", R"({"mode":"READONLY"})").second, json::parse(R"({"mode":"READONLY"})"));
  EXPECT_EQ(Code(Do("POST", "/subjects/pos-value/versions", Body("\"string\"")).second), 42205);
  EXPECT_EQ(Do("DELETE", "/mode/pos-value").first, 200);

  // Soft, then hard delete.
  EXPECT_EQ(Do("DELETE", "/subjects/pos-value").second, json::parse("[1]"));
  EXPECT_EQ(Code(Do("DELETE", "/subjects/pos-value").second), 40404);
  EXPECT_EQ(Code(Do("GET", "/subjects/pos-value/versions").second), 40401);
  EXPECT_EQ(Do("GET", "/subjects?deleted=true").second, json::parse(R"(["pos-value"])"));
  EXPECT_EQ(Do("DELETE", "/subjects/pos-value?permanent=true").second, json::parse("[1]"));
  EXPECT_EQ(Code(Do("GET", "/schemas/ids/1").second), 40403);
}

TEST_F(RegistryHttpTest, CliRegisterCheckListConfig) {
  cli::SchemaCliArgs a;
  a.registry_url = url_;
  a.subject = "crm-value";
  a.schema = kV1;
  std::ostringstream out;
  EXPECT_EQ(cli::Register(a, out), 0);
  EXPECT_NE(out.str().find("id 1"), std::string::npos) << out.str();
  a.schema = kBad;
  out.str("");
  EXPECT_EQ(cli::Check(a, out), 1);
  EXPECT_NE(out.str().find("incompatible"), std::string::npos);
  EXPECT_NE(out.str().find("READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1"), std::string::npos) << out.str();
  out.str("");
  EXPECT_EQ(cli::List(a, out), 0);
  EXPECT_EQ(out.str(), "1\n");
  a.set_level = "NONE";
  out.str("");
  EXPECT_EQ(cli::Config(a, out), 0);
  out.str("");
  EXPECT_EQ(cli::Check(a, out), 0);
  EXPECT_EQ(out.str(), "compatible\n");
  a.subject = "missing";
  a.set_level.clear();
  EXPECT_EQ(cli::Get(a, out), 1);
  a.registry_url = "http://127.0.0.1:1";
  EXPECT_EQ(cli::List(a, out), 3);
}

}  // namespace
}  // namespace meshd::schema
