// HTTP publish against a topic with `schema.validation`: an in-process
// MeshServer with the registry component (started first, as `serve` does)
// and the HTTP API, driven by the CLI's HTTP client.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>

#include "app/bus_component.h"
#include "app/mesh_server.h"
#include "app/registry_component.h"
#include "cli/http_client.h"
#include "cloudevents/cloud_event.h"
#include "schema/schema_registry.h"

namespace meshd::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kCustomerSchema = R"({
  "type": "object",
  "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
  "required": ["id", "name"]
})";

class SchemaEnforcementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("meshd-enforce-test-" + cloudevents::NewUuid())).string();
    ServeOptions o;
    o.data_dir = dir_;
    o.http = "127.0.0.1:0";
    o.registry = "127.0.0.1:0";
    o.threads = 2;
    server_ = std::make_unique<MeshServer>(o);
    server_->AddComponentFirst(std::make_unique<RegistryComponent>());
    server_->AddComponent(std::make_unique<BusComponent>());
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_NE(server_->schema_registry(), nullptr);
    client_ = std::make_unique<cli::HttpClient>(*cli::ParseServerUrl(server_->http_url()));
    schema::SchemaInput in;
    in.schema = kCustomerSchema;
    in.type = schema::SchemaType::kJson;
    auto reg = server_->schema_registry()->Register("crm.customers-value", in);
    ASSERT_TRUE(reg.ok()) << reg.error().message;
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  json::value Call(const std::string& method, const std::string& target, int expect_status,
                   const std::string& body = "",
                   const std::string& ct = "application/cloudevents-batch+json") {
    auto r = client_->Send(method, target, body, body.empty() ? "" : ct, {});
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return nullptr;
    EXPECT_EQ(r->status, expect_status) << method << " " << target << " → " << r->body;
    boost::system::error_code ec;
    json::value v = json::parse(r->body, ec);
    return ec ? json::value(r->body) : v;
  }
  void CreateTopic(const std::string& mode) {
    Call("POST", "/v1/topics", 201,
         R"({"name":"crm.customers","partitions":1,"config":{"schema.validation":")" + mode +
             R"("}})",
         "application/json");
  }
  int64_t EndOffset() {
    auto d = Call("GET", "/v1/topics/crm.customers", 200);
    return d.at("partitions").as_array()[0].at("end_offset").as_int64();
  }
  static std::string Ce(const std::string& id, const std::string& data) {
    return R"({"specversion":"1.0","id":")" + id +
           R"(","source":"/crm","type":"customer.updated","datacontenttype":"application/json","data":)" +
           data + "}";
  }

  std::string dir_;
  std::unique_ptr<MeshServer> server_;
  std::unique_ptr<cli::HttpClient> client_;
};

const std::string kGood = R"({"id":1,"name":"Ada"})";
const std::string kBad = R"({"id":"one"})";

TEST_F(SchemaEnforcementTest, StrictRejectsTheWholeBatchAndAcceptsValidEvents) {
  CreateTopic("strict");
  auto rejected = Call("POST", "/v1/topics/crm.customers/events", 422,
                       "[" + Ce("g1", kGood) + "," + Ce("b1", kBad) + "]");
  EXPECT_EQ(rejected.at("error_code").as_string(), "SCHEMA_VALIDATION_FAILED");
  std::string message(rejected.at("message").as_string());
  EXPECT_NE(message.find("event[1] (id 'b1')"), std::string::npos) << message;
  EXPECT_EQ(EndOffset(), 0) << "all-or-nothing: the valid first event was not stored";

  auto not_json = Call("POST", "/v1/topics/crm.customers/events", 422,
                       R"([{"specversion":"1.0","id":"t1","source":"/crm","type":"x","datacontenttype":"text/plain","data":"hello"}])");
  EXPECT_EQ(not_json.at("error_code").as_string(), "SCHEMA_VALIDATION_FAILED");

  auto ok = Call("POST", "/v1/topics/crm.customers/events", 200,
                 "[" + Ce("g1", kGood) + "," + Ce("g2", R"({"id":2,"name":"Grace"})") + "]");
  EXPECT_EQ(ok.at("results").as_array().size(), 2u);
  EXPECT_EQ(EndOffset(), 2);

  // dataschema naming a version that does not exist fails too.
  Call("POST", "/v1/topics/crm.customers/events", 422,
       "[" + Ce("g3", kGood + R"(,"dataschema":"http://r/subjects/crm.customers-value/versions/9")") + "]");
  // ... and naming the registered one passes.
  Call("POST", "/v1/topics/crm.customers/events", 200,
       "[" + Ce("g4", kGood + R"(,"dataschema":"http://r/subjects/crm.customers-value/versions/1")") + "]");
}

TEST_F(SchemaEnforcementTest, WarnAcceptsValidAndInvalidEvents) {
  CreateTopic("warn");
  Call("POST", "/v1/topics/crm.customers/events", 200,
       "[" + Ce("g1", kGood) + "," + Ce("b1", kBad) + "]");
  EXPECT_EQ(EndOffset(), 2);
}

TEST_F(SchemaEnforcementTest, NoneDoesNotValidate) {
  CreateTopic("none");
  Call("POST", "/v1/topics/crm.customers/events", 200, "[" + Ce("b1", kBad) + "]");
  EXPECT_EQ(EndOffset(), 1);
}

TEST_F(SchemaEnforcementTest, BusPutEventsFailsOnlyTheInvalidEntry) {
  schema::SchemaInput in;
  in.schema = kCustomerSchema;
  in.type = schema::SchemaType::kJson;
  ASSERT_TRUE(server_->schema_registry()->Register("_bus.default-value", in).ok());
  Call("PUT", "/v1/topics/_bus.default/config", 200, R"({"schema.validation":"strict"})",
       "application/json");
  auto entry = [](const std::string& detail) {
    json::object e{{"Source", "crm"}, {"DetailType", "CustomerUpdated"}, {"Detail", detail}};
    return e;
  };
  json::array entries{entry(kGood), entry(kBad)};
  auto r = Call("POST", "/v1/buses/default/events", 200,
                json::serialize(json::object{{"Entries", entries}}), "application/json");
  EXPECT_EQ(r.at("FailedEntryCount").as_int64(), 1) << r;
  const auto& out = r.at("Entries").as_array();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].as_object().contains("EventId")) << r;
  EXPECT_EQ(out[1].at("ErrorCode").as_string(), "SchemaValidationFailed") << r;

  Call("PUT", "/v1/topics/_bus.default/config", 200, R"({"schema.validation":"warn"})",
       "application/json");
  r = Call("POST", "/v1/buses/default/events", 200,
           json::serialize(json::object{{"Entries", json::array{entry(kBad)}}}), "application/json");
  EXPECT_EQ(r.at("FailedEntryCount").as_int64(), 0) << r;
}

}  // namespace
}  // namespace meshd::app
