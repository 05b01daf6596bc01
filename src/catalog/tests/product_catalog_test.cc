#include "catalog/product_catalog.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "catalog/exports.h"
#include "schema/schema_registry.h"
#include "storage/local_log.h"

namespace meshd::catalog {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const char* kAvroV1 = R"({"type":"record","name":"E","fields":[{"name":"user_id","type":"string"}]})";
const char* kAvroV2 = R"({"type":"record","name":"E","fields":[{"name":"user_id","type":"string"},
  {"name":"score","type":["null","double"],"default":null}]})";
const char* kAvroBad = R"({"type":"record","name":"E","fields":[{"name":"user_id","type":"string"},
  {"name":"store","type":"string"}]})";

DescriptorBundle Bundle(const std::string& schema, const std::string& extra = "") {
  DescriptorBundle b;
  b.file = "user_engagement_metrics.yaml";
  b.content = "data_product:\n  name: user_engagement_metrics\n  domain: digital_workplace\n"
              "  input_ports:\n    - user_activity_stream\n  output_port:\n"
              "    name: enriched_engagement_data\n    schema: engagement_schema.avsc\n" + extra;
  b.files["engagement_schema.avsc"] = schema;
  return b;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("meshd-catalog-test-" + std::to_string(std::random_device{}()));
    OpenAll();
  }
  void TearDown() override {
    CloseAll();
    fs::remove_all(dir_);
  }
  void OpenAll(CatalogOptions options = {}) {
    storage::LocalLogOptions lo;
    lo.data_dir = dir_.string();
    lo.maintenance_interval_ms = 0;
    auto log = storage::LocalLog::Open(lo);
    ASSERT_TRUE(log.ok()) << log.error().message();
    log_ = std::move(*log);
    auto reg = schema::SchemaRegistry::Open(log_.get());
    ASSERT_TRUE(reg.ok());
    registry_ = std::move(*reg);
    auto cat = ProductCatalog::Open(log_.get(), registry_.get(), std::move(options));
    ASSERT_TRUE(cat.ok()) << cat.error().message();
    catalog_ = std::move(*cat);
  }
  void CloseAll() {
    catalog_.reset();
    registry_.reset();
    if (log_) log_->Close();
    log_.reset();
  }
  bool TopicExists(const std::string& t) { return log_->DescribeTopic(t).ok(); }
  std::vector<int32_t> Versions(const std::string& subject) {
    auto v = registry_->ListVersions(subject, false, false);
    return v.ok() ? v.value() : std::vector<int32_t>{};
  }

  fs::path dir_;
  std::unique_ptr<storage::LocalLog> log_;
  std::unique_ptr<schema::SchemaRegistry> registry_;
  std::unique_ptr<ProductCatalog> catalog_;
};

TEST_F(CatalogTest, ApplyProvisionsTopicSchemaEntryAndLineage) {
  int changes = 0;
  catalog_->OnChange([&] { ++changes; });
  ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroV1), false);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.outcome.action, "created");
  EXPECT_EQ(changes, 1);
  EXPECT_TRUE(TopicExists("enriched_engagement_data"));
  EXPECT_EQ(Versions("enriched_engagement_data-value"), std::vector<int32_t>{1});
  auto p = catalog_->Find("user_engagement_metrics");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->outputs[0].schema_version, 1);
  auto owner = catalog_->FindByTopic("enriched_engagement_data");
  ASSERT_TRUE(owner.product);
  EXPECT_EQ(owner.port->name, "enriched_engagement_data");
  EXPECT_FALSE(catalog_->FindByTopic("user_activity_stream").product);
  bool edge = false;
  for (const auto& e : catalog_->LineageEdges()) {
    edge = edge || (e.from == "topic:user_activity_stream" && e.to == "topic:enriched_engagement_data");
  }
  EXPECT_TRUE(edge);
  // Replayed from `_catalog` after a restart.
  CloseAll();
  OpenAll();
  p = catalog_->Find("user_engagement_metrics");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->outputs[0].schema_version, 1);
  EXPECT_EQ(p->inputs[0].name, "user_activity_stream");
}

TEST_F(CatalogTest, ReapplyIsAnUpdateWithDiffAndDryRunChangesNothing) {
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  ApplyResult same = catalog_->ApplyBundle(Bundle(kAvroV1), false);
  ASSERT_TRUE(same.ok);
  EXPECT_EQ(same.outcome.action, "unchanged");
  EXPECT_TRUE(same.outcome.diff.empty());

  DescriptorBundle changed = Bundle(kAvroV2, "    partitions: 3\n");
  ApplyResult dry = catalog_->ApplyBundle(changed, true);
  ASSERT_TRUE(dry.ok) << dry.error.message;
  EXPECT_TRUE(dry.outcome.dry_run);
  EXPECT_EQ(dry.outcome.action, "updated");
  std::string text;
  for (const auto& d : dry.outcome.diff) text += d.ToText() + "\n";
  EXPECT_NE(text.find("~ outputs.enriched_engagement_data.partitions: 1 -> 3"), std::string::npos) << text;
  EXPECT_NE(text.find("outputs.enriched_engagement_data.schema"), std::string::npos) << text;
  EXPECT_EQ(log_->DescribeTopic("enriched_engagement_data")->partitions.size(), 1u);
  EXPECT_EQ(Versions("enriched_engagement_data-value"), std::vector<int32_t>{1});

  ApplyResult real = catalog_->ApplyBundle(changed, false);
  ASSERT_TRUE(real.ok) << real.error.message;
  EXPECT_EQ(real.outcome.action, "updated");
  EXPECT_EQ(log_->DescribeTopic("enriched_engagement_data")->partitions.size(), 3u);
  EXPECT_EQ(Versions("enriched_engagement_data-value"), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(catalog_->Find("user_engagement_metrics")->outputs[0].schema_version, 2);
}

TEST_F(CatalogTest, IncompatibleSchemaIsRefusedWithReasons) {
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroBad, "    partitions: 2\n"), false);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.error_code, "SCHEMA_INCOMPATIBLE");
  EXPECT_EQ(r.error.http_status(), 409);
  ASSERT_FALSE(r.error.details.empty());
  EXPECT_NE(r.error.details[0].find("store"), std::string::npos) << r.error.details[0];
  EXPECT_EQ(log_->DescribeTopic("enriched_engagement_data")->partitions.size(), 1u);
  EXPECT_EQ(Versions("enriched_engagement_data-value"), std::vector<int32_t>{1});
}

TEST_F(CatalogTest, PolicyViolationsAreAllListedAndNothingIsCreated) {
  auto policy = GovernancePolicy::Parse(R"(rules:
  require_owner: true
  require_description: true
  topic_name_pattern: "^[a-z]+\\.[a-z_]+$"
  allowed_domains: [crm, pos]
  max_retention: 30d
)", "policy.yaml");
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  ASSERT_TRUE(catalog_->SetPolicy(*policy).ok());
  ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroV1, "    retention: forever\n"), false);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.error_code, "POLICY_VIOLATION");
  EXPECT_EQ(r.error.http_status(), 422);
  std::set<std::string> rules;
  for (const auto& v : r.error.violations) rules.insert(v.policy);
  EXPECT_EQ(rules, (std::set<std::string>{"require_owner", "require_description", "topic_name_pattern",
                                          "allowed_domains", "max_retention"}));
  EXPECT_FALSE(TopicExists("enriched_engagement_data"));
  EXPECT_TRUE(Versions("enriched_engagement_data-value").empty());
  EXPECT_FALSE(catalog_->Find("user_engagement_metrics"));
  // The policy survives a restart.
  CloseAll();
  OpenAll();
  EXPECT_TRUE(catalog_->policy().require_owner);
}

TEST_F(CatalogTest, FailedApplyLeavesNothingHalfProvisioned) {
  CloseAll();
  OpenAll(CatalogOptions{[](std::string_view step) {
    return step == "catalog" ? Status::IOError("injected failure before the catalog write") : Status::Ok();
  }, nullptr});
  ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroV1), false);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.error_code, "PROVISIONING_FAILED");
  EXPECT_EQ(r.error.undone.size(), 2u);
  EXPECT_FALSE(TopicExists("enriched_engagement_data"));
  EXPECT_TRUE(Versions("enriched_engagement_data-value").empty());
  EXPECT_FALSE(catalog_->Find("user_engagement_metrics"));
}

TEST_F(CatalogTest, FailedUpdateRestoresConfigAndRemovesNewSchemaVersion) {
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  CloseAll();
  OpenAll(CatalogOptions{[](std::string_view step) {
    return step == "partitions" ? Status::IOError("injected") : Status::Ok();
  }, nullptr});
  ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroV2, "    retention: 2d\n"), false);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(Versions("enriched_engagement_data-value"), std::vector<int32_t>{1});
  EXPECT_EQ(log_->DescribeTopic("enriched_engagement_data")->config.retention_ms, 7LL * 86400000);
  EXPECT_EQ(catalog_->Find("user_engagement_metrics")->outputs[0].schema_version, 1);
}

TEST_F(CatalogTest, TopicOwnedByAnotherProductIsRefused) {
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  DescriptorBundle other = Bundle(kAvroV1);
  other.content.replace(other.content.find("user_engagement_metrics"), 23, "another_product_thing_x");
  ApplyResult r = catalog_->ApplyBundle(other, false);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.error_code, "TOPIC_OWNED");
}

TEST_F(CatalogTest, DeleteKeepsTopicsUnlessAsked) {
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  std::vector<std::string> steps;
  ASSERT_TRUE(catalog_->Delete("user_engagement_metrics", false, &steps).ok());
  EXPECT_FALSE(catalog_->Find("user_engagement_metrics"));
  EXPECT_TRUE(TopicExists("enriched_engagement_data"));
  EXPECT_TRUE(catalog_->Delete("user_engagement_metrics", false, &steps).IsNotFound());
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  ASSERT_TRUE(catalog_->Delete("user_engagement_metrics", true, &steps).ok());
  EXPECT_FALSE(TopicExists("enriched_engagement_data"));
  CloseAll();
  OpenAll();
  EXPECT_FALSE(catalog_->Find("user_engagement_metrics"));
}

TEST_F(CatalogTest, ContractJsonPatchesAnExistingProduct) {
  DescriptorBundle patch;
  patch.file = "contract.json";
  patch.content = R"({"data_product": "user_engagement_metrics",
    "quality_spec": {"freshness": "max_5_min_delay", "completeness": ">99.9%"}})";
  ApplyResult missing = catalog_->ApplyBundle(patch, false);
  ASSERT_FALSE(missing.ok);
  EXPECT_EQ(missing.error.error_code, "PRODUCT_NOT_FOUND");
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  ApplyResult r = catalog_->ApplyBundle(patch, false);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.outcome.action, "updated");
  auto p = catalog_->Find("user_engagement_metrics");
  EXPECT_EQ(p->outputs[0].contract.freshness_max_delay_ms, 300000);
  EXPECT_EQ(p->outputs[0].schema_version, 1);
}

TEST_F(CatalogTest, SearchStatusAndDescribe) {
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  auto hits = catalog_->Search("ENGAGEMENT");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].product->name, "user_engagement_metrics");
  EXPECT_EQ(catalog_->Search("user_id").size(), 1u);  // a schema field
  EXPECT_EQ(catalog_->Search("digital_work").size(), 1u);
  EXPECT_TRUE(catalog_->Search("nothing-like-this").empty());
  catalog_->SetContractStatus("user_engagement_metrics", "enriched_engagement_data", "violated", "stale");
  json::object d = catalog_->DescribeJson(*catalog_->Find("user_engagement_metrics"));
  const auto& rt = d["outputs"].as_array()[0].as_object().at("runtime").as_object();
  EXPECT_EQ(rt.at("contract_status").as_object().at("status").as_string(), "violated");
  EXPECT_EQ(rt.at("topic_exists").as_bool(), true);
  EXPECT_EQ(rt.at("events_total").as_int64(), 0);
  EXPECT_EQ(rt.at("schema_versions").as_array().size(), 1u);
}

TEST_F(CatalogTest, RegisteredLineageEdgesAndUpstreamQuery) {
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  catalog_->RegisterLineageEdge("topic:enriched_engagement_data", "bus-rule:default/to-warehouse", "rule");
  json::object down = LineageGraphJson(*catalog_, "user_engagement_metrics", false, true);
  std::string s = json::serialize(down);
  EXPECT_NE(s.find("bus-rule:default/to-warehouse"), std::string::npos) << s;
  EXPECT_EQ(s.find("\"from\":\"topic:user_activity_stream\""), std::string::npos) << s;
  json::object up = LineageGraphJson(*catalog_, "user_engagement_metrics", true, false);
  s = json::serialize(up);
  EXPECT_NE(s.find("topic:user_activity_stream"), std::string::npos) << s;
  EXPECT_EQ(s.find("bus-rule"), std::string::npos) << s;
  EXPECT_NE(s.find(R"({"from":"topic:user_activity_stream","to":"topic:enriched_engagement_data","kind":"derives"})"),
            std::string::npos) << s;
}

TEST_F(CatalogTest, ExportsAsyncApiAndOpenLineage) {
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  ExportContext ctx{"127.0.0.1:9092", "http://127.0.0.1:8081", "http://127.0.0.1:8080"};
  json::object doc = AsyncApiDocument(catalog_->List(), ctx, "mesh");
  EXPECT_EQ(doc["asyncapi"].as_string(), "3.0.0");
  const auto& server = doc["servers"].as_object().at("meshd").as_object();
  EXPECT_EQ(server.at("bindings").at("kafka").at("schemaRegistryVendor").as_string(), "confluent");
  const auto& ch = doc["channels"].as_object().at("enriched_engagement_data").as_object();
  EXPECT_EQ(ch.at("address").as_string(), "enriched_engagement_data");
  const auto& msgs = doc["components"].as_object().at("messages").as_object();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_NE(json::serialize(msgs.begin()->value()).find("application/vnd.apache.avro"), std::string::npos);
  json::array events = OpenLineageEvents(*catalog_, ctx);
  ASSERT_EQ(events.size(), 1u);
  const auto& ev = events[0].as_object();
  EXPECT_EQ(ev.at("job").at("name").as_string(), "user_engagement_metrics");
  EXPECT_EQ(ev.at("inputs").as_array()[0].at("namespace").as_string(), "kafka://127.0.0.1:9092");
  EXPECT_EQ(ev.at("outputs").as_array()[0].at("facets").at("schema").at("fields").as_array()[0].at("name").as_string(),
            "user_id");
}


// A stand-in for the pipeline service: records what the catalog asks.
struct FakePipelines {
  std::map<std::string, std::string> running;  // name -> definition
  std::vector<std::string> calls;
  std::string reject;  // a dry run fails with this message when set
  PipelineHooks Hooks() {
    PipelineHooks h;
    h.apply = [this](const std::string& def, bool dry_run, bool replace) -> Status {
      calls.push_back(std::string(dry_run ? "validate" : (replace ? "replace" : "create")));
      if (dry_run) return reject.empty() ? Status::Ok() : Status::InvalidArgument(reject);
      std::string name(json::parse(def).at("name").as_string());
      if (running.count(name) && !replace && running[name] != def) return Status::AlreadyExists("exists");
      running[name] = def;
      return Status::Ok();
    };
    h.remove = [this](const std::string& name) -> Status {
      calls.push_back("remove");
      return running.erase(name) ? Status::Ok() : Status::NotFound("pipeline '" + name + "' does not exist");
    };
    return h;
  }
};

const char* kTransform = "  transform:\n    operators:\n      - filter: \"score > 1\"\n";

TEST_F(CatalogTest, TransformIsValidatedProvisionedPersistedAndDeleted) {
  FakePipelines fake;
  catalog_->SetPipelineHooks(fake.Hooks());
  ApplyResult dry = catalog_->ApplyBundle(Bundle(kAvroV1, kTransform), true);
  ASSERT_TRUE(dry.ok) << dry.error.message;
  EXPECT_TRUE(fake.running.empty());
  ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroV1, kTransform), false);
  ASSERT_TRUE(r.ok) << r.error.message;
  ASSERT_EQ(fake.running.count("user_engagement_metrics"), 1u);
  EXPECT_EQ(fake.running["user_engagement_metrics"], r.outcome.product->transform);
  EXPECT_NE(std::find(r.outcome.steps.begin(), r.outcome.steps.end(), "created pipeline user_engagement_metrics"),
            r.outcome.steps.end());
  bool edge = false;
  for (const auto& e : catalog_->LineageEdges()) {
    edge |= e.from == "product:user_engagement_metrics" && e.to == "pipeline:user_engagement_metrics";
  }
  EXPECT_TRUE(edge);
  // Unchanged: the pipeline is not touched (it keeps its state).
  fake.calls.clear();
  EXPECT_EQ(catalog_->ApplyBundle(Bundle(kAvroV1, kTransform), false).outcome.action, "unchanged");
  EXPECT_EQ(fake.calls, std::vector<std::string>{"validate"});
  // Changed: replaced, and the diff says so.
  ApplyResult changed = catalog_->ApplyBundle(
      Bundle(kAvroV1, "  transform:\n    operators:\n      - filter: \"score > 2\"\n"), false);
  ASSERT_TRUE(changed.ok) << changed.error.message;
  EXPECT_EQ(fake.calls.back(), "replace");
  bool diffed = false;
  for (const auto& d : changed.outcome.diff) diffed |= d.path == "transform" && d.op == "change";
  EXPECT_TRUE(diffed);
  // Survives a restart (`_catalog`).
  std::string def = catalog_->Find("user_engagement_metrics")->transform;
  CloseAll();
  OpenAll();
  catalog_->SetPipelineHooks(fake.Hooks());
  EXPECT_EQ(catalog_->Find("user_engagement_metrics")->transform, def);
  // Dropping the transform deletes the pipeline; deleting the product too.
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1, kTransform), false).ok);
  ASSERT_TRUE(catalog_->Delete("user_engagement_metrics", false, nullptr).ok());
  EXPECT_TRUE(fake.running.empty());
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1, kTransform), false).ok);
  ASSERT_TRUE(catalog_->ApplyBundle(Bundle(kAvroV1), false).ok);
  EXPECT_TRUE(fake.running.empty());
}

TEST_F(CatalogTest, BadTransformIsRefusedBeforeAnythingIsCreated) {
  FakePipelines fake;
  fake.reject = "pipeline 'user_engagement_metrics': operators[0].filter: unknown field 'scor'";
  catalog_->SetPipelineHooks(fake.Hooks());
  for (bool dry_run : {true, false}) {
    ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroV1, kTransform), dry_run);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.error.error_code, "INVALID_DESCRIPTOR");
    EXPECT_EQ(r.error.http_status(), 400);
    EXPECT_EQ(r.error.message, "data_product.transform.operators[0].filter: unknown field 'scor'");
  }
  EXPECT_FALSE(TopicExists("enriched_engagement_data"));
  EXPECT_TRUE(Versions("enriched_engagement_data-value").empty());
  EXPECT_FALSE(catalog_->Find("user_engagement_metrics"));
  EXPECT_TRUE(fake.running.empty());
}

TEST_F(CatalogTest, TransformWithoutPipelinesIsRefused) {
  ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroV1, kTransform), false);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.error_code, "INVALID_DESCRIPTOR");
  EXPECT_FALSE(TopicExists("enriched_engagement_data"));
}

TEST_F(CatalogTest, FailedApplyDeletesTheNewPipeline) {
  CloseAll();
  OpenAll(CatalogOptions{[](std::string_view step) {
    return step == "catalog" ? Status::IOError("injected failure before the catalog write") : Status::Ok();
  }, nullptr});
  FakePipelines fake;
  catalog_->SetPipelineHooks(fake.Hooks());
  ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroV1, kTransform), false);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.undone.size(), 3u);
  EXPECT_EQ(r.error.undone.front(), "deleted pipeline user_engagement_metrics");
  EXPECT_TRUE(fake.running.empty());
  EXPECT_FALSE(TopicExists("enriched_engagement_data"));
  EXPECT_FALSE(catalog_->Find("user_engagement_metrics"));
}

TEST_F(CatalogTest, StandalonePipelineOfTheSameNameIsAConflict) {
  FakePipelines fake;
  fake.running["user_engagement_metrics"] = "{\"name\":\"user_engagement_metrics\"}";
  catalog_->SetPipelineHooks(fake.Hooks());
  ApplyResult r = catalog_->ApplyBundle(Bundle(kAvroV1, kTransform), false);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.error_code, "CONFLICT");
  EXPECT_FALSE(TopicExists("enriched_engagement_data"));
  EXPECT_EQ(fake.running["user_engagement_metrics"], "{\"name\":\"user_engagement_metrics\"}");
}

}  // namespace
}  // namespace meshd::catalog
