#include "catalog/descriptor.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

namespace meshd::catalog {
namespace {

const std::string kSrc = MESHD_SOURCE_DIR;

DescriptorBundle ShortBundle() {
  DescriptorBundle b;
  b.file = "user_engagement_metrics.yaml";
  b.content = R"(data_product:
  name: user_engagement_metrics
  domain: digital_workplace
  input_ports:
    - user_activity_stream
  output_port:
    name: enriched_engagement_data
    schema: engagement_schema.avsc
)";
  b.files["engagement_schema.avsc"] =
      R"({"type":"record","name":"E","fields":[{"name":"user_id","type":"string"}]})";
  return b;
}

TEST(Descriptor, ShortFormVerbatim) {
  auto d = ParseDescriptor(ShortBundle());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->format, "short");
  const DataProduct& p = d->product;
  EXPECT_EQ(p.name, "user_engagement_metrics");
  EXPECT_EQ(p.domain, "digital_workplace");
  EXPECT_EQ(p.id, "digital_workplace.user_engagement_metrics");
  ASSERT_EQ(p.inputs.size(), 1u);
  EXPECT_EQ(p.inputs[0].name, "user_activity_stream");
  EXPECT_EQ(p.inputs[0].topic, "user_activity_stream");
  ASSERT_EQ(p.outputs.size(), 1u);
  const OutputPort& port = p.outputs[0];
  EXPECT_EQ(port.topic, "enriched_engagement_data");
  EXPECT_EQ(port.schema_type, "AVRO");
  EXPECT_EQ(port.schema_subject, "enriched_engagement_data-value");
  EXPECT_NE(port.schema_text.find("user_id"), std::string::npos);
  EXPECT_EQ(port.input_ports, std::vector<std::string>{"user_activity_stream"});
}

TEST(Descriptor, ShortFormFromExamplesFolder) {
  auto b = LoadBundle(kSrc + "/examples/user_engagement/user_engagement_metrics.yaml");
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_TRUE(b->files.count("engagement_schema.avsc"));
  auto d = ParseDescriptor(*b);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->product.outputs[0].schema_type, "AVRO");
}

TEST(Descriptor, ShortFormExtensions) {
  DescriptorBundle b = ShortBundle();
  b.content = R"(data_product:
  name: p
  domain: d
  owner: team-a
  description: something
  tags: [a, b]
  output_port:
    name: out
    schema: s.json
    partitions: 4
    retention: 3d
    cleanup_policy: compact
    key: id
    on_violation: quarantine
    quality_spec: {freshness: max_5_min_delay, completeness: ">99.9%"}
    pii: {email: hash, phone: ""}
    access:
      - {domain: analytics, access: read}
      - {principal: alice, access: read-write, pii: true}
)";
  b.files = {{"s.json", R"({"type":"object","properties":{"id":{"type":"string"}}})"}};
  auto d = ParseDescriptor(b);
  ASSERT_TRUE(d.ok()) << d.error().message();
  const OutputPort& port = d->product.outputs[0];
  EXPECT_EQ(port.schema_type, "JSON");
  EXPECT_EQ(port.partitions, 4);
  EXPECT_EQ(port.topic_config.at("retention.ms"), std::to_string(3 * 86400000LL));
  EXPECT_EQ(port.topic_config.at("cleanup.policy"), "compact");
  EXPECT_EQ(port.key_field, "id");
  EXPECT_EQ(port.contract.on_violation, ViolationAction::kQuarantine);
  EXPECT_EQ(port.contract.freshness_max_delay_ms, 300000);
  EXPECT_NEAR(*port.contract.completeness_min_ratio, 0.999, 1e-9);
  ASSERT_EQ(port.contract.classified.size(), 2u);
  EXPECT_EQ(port.contract.classified[0].field, "email");
  EXPECT_EQ(port.contract.classified[0].treatment, PiiTreatment::kHash);
  EXPECT_TRUE(port.contract.classified[0].treatment_declared);
  EXPECT_FALSE(port.contract.classified[1].treatment_declared);
  ASSERT_EQ(port.grants.size(), 2u);
  EXPECT_EQ(port.grants[0].domain, "analytics");
  EXPECT_TRUE(port.grants[0].read);
  EXPECT_FALSE(port.grants[0].write);
  EXPECT_EQ(port.grants[1].principal, "alice");
  EXPECT_TRUE(port.grants[1].write);
  EXPECT_TRUE(port.grants[1].pii);
  EXPECT_EQ(d->product.tags.size(), 2u);
}

TEST(Descriptor, EveryErrorNamesFileAndPath) {
  DescriptorBundle b;
  b.file = "bad.yaml";
  b.content = R"(data_product:
  domain: d
  output_port:
    name: out
    schema: missing.avsc
    partitions: 0
    on_violation: explode
)";
  std::vector<std::string> errors;
  auto d = ParseDescriptor(b, &errors);
  ASSERT_FALSE(d.ok());
  ASSERT_GE(errors.size(), 4u);
  auto has = [&](const std::string& s) {
    for (const auto& e : errors) {
      if (e.find(s) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("bad.yaml: data_product.name: required field is missing"));
  EXPECT_TRUE(has("bad.yaml: data_product.output_port.schema: schema file 'missing.avsc' not found"));
  EXPECT_TRUE(has("bad.yaml: data_product.output_port.partitions: partitions must be"));
  EXPECT_TRUE(has("bad.yaml: data_product.output_port.on_violation: on_violation must be flag or quarantine"));
  EXPECT_NE(d.error().message().find("more"), std::string::npos);
}

TEST(Descriptor, YamlSyntaxErrorNamesLine) {
  DescriptorBundle b;
  b.file = "broken.yaml";
  b.content = "data_product:\n  name: [unclosed\n";
  auto d = ParseDescriptor(b);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("broken.yaml: line"), std::string::npos) << d.error().message();
}

TEST(Descriptor, OdpsWithOdcsPos) {
  auto b = LoadBundle(kSrc + "/examples/retail/pos/pos_transactions.odps.yaml");
  ASSERT_TRUE(b.ok()) << b.error().message();
  auto d = ParseDescriptor(*b);
  ASSERT_TRUE(d.ok()) << d.error().message();
  const DataProduct& p = d->product;
  EXPECT_EQ(d->format, "odps");
  EXPECT_EQ(p.id, "pos.pos_transactions");
  EXPECT_EQ(p.domain, "pos");
  EXPECT_EQ(p.owner, "pos-team");
  EXPECT_FALSE(p.description.empty());
  ASSERT_EQ(p.inputs.size(), 1u);
  EXPECT_EQ(p.inputs[0].contract_id, "crm.customer_profiles.v1");
  ASSERT_EQ(p.outputs.size(), 1u);
  const OutputPort& port = p.outputs[0];
  EXPECT_EQ(port.topic, "pos_transactions");
  EXPECT_EQ(port.partitions, 3);
  EXPECT_EQ(port.key_field, "store_id");
  EXPECT_EQ(port.schema_type, "JSON");
  EXPECT_NE(port.schema_text.find("draft-07"), std::string::npos);
  EXPECT_EQ(port.contract.id, "pos.pos_transactions.v1");
  EXPECT_EQ(port.contract.on_violation, ViolationAction::kQuarantine);
  EXPECT_EQ(port.contract.freshness_max_delay_ms, 5 * 60000);
  ASSERT_TRUE(port.contract.completeness_min_ratio);
  EXPECT_NEAR(*port.contract.completeness_min_ratio, 0.999, 1e-9);
  EXPECT_EQ(port.topic_config.at("retention.ms"), std::to_string(30 * 86400000LL));
  bool amount_min = false;
  for (const auto& r : port.contract.rules) {
    if (r.field == "amount") amount_min = r.minimum && *r.minimum == 0 && r.required;
  }
  EXPECT_TRUE(amount_min);
  ASSERT_EQ(port.grants.size(), 2u);
  EXPECT_EQ(port.grants[0].domain, "analytics");
  EXPECT_TRUE(port.grants[0].read);
  EXPECT_EQ(port.input_ports, std::vector<std::string>{"customer_profiles"});
}

TEST(Descriptor, OdpsCrmClassifiesEmail) {
  auto b = LoadBundle(kSrc + "/examples/retail/crm/customer_profiles.odps.yaml");
  ASSERT_TRUE(b.ok());
  auto d = ParseDescriptor(*b);
  ASSERT_TRUE(d.ok()) << d.error().message();
  const OutputPort& port = d->product.outputs[0];
  EXPECT_EQ(port.topic_config.at("cleanup.policy"), "compact");
  EXPECT_EQ(port.key_field, "customer_id");
  ASSERT_EQ(port.contract.classified.size(), 1u);
  EXPECT_EQ(port.contract.classified[0].field, "email");
  EXPECT_EQ(port.contract.classified[0].treatment, PiiTreatment::kMask);
  EXPECT_TRUE(port.contract.classified[0].treatment_declared);
  bool pii_grant = false;
  for (const auto& g : port.grants) pii_grant = pii_grant || (g.domain == "digital_workplace" && g.pii);
  EXPECT_TRUE(pii_grant);
}

TEST(Descriptor, OdpsPortsPickTheirSchemaObject) {
  auto b = LoadBundle(kSrc + "/examples/retail/digital_workplace/workplace_events.odps.yaml");
  ASSERT_TRUE(b.ok());
  auto d = ParseDescriptor(*b);
  ASSERT_TRUE(d.ok()) << d.error().message();
  ASSERT_EQ(d->product.outputs.size(), 3u);
  EXPECT_EQ(d->product.outputs[0].topic, "employee_hired");
  EXPECT_NE(d->product.outputs[0].schema_text.find("start_date"), std::string::npos);
  EXPECT_EQ(d->product.outputs[2].topic, "employee_presence");
  EXPECT_NE(d->product.outputs[2].schema_text.find("offline"), std::string::npos);
  // The freshness SLA names `element: employee_presence.at`: only that port
  // is monitored (a heartbeat stream); hires and profile updates are not.
  EXPECT_EQ(d->product.outputs[2].contract.freshness_max_delay_ms, 15'000);
  EXPECT_FALSE(d->product.outputs[0].contract.freshness_max_delay_ms.has_value());
  EXPECT_FALSE(d->product.outputs[1].contract.freshness_max_delay_ms.has_value());
}

TEST(Descriptor, OdpsMissingContractIsNamed) {
  DescriptorBundle b;
  b.file = "p.odps.yaml";
  b.content = R"(apiVersion: v1.0.0
kind: DataProduct
id: x
status: active
outputPorts:
  - name: out
    version: 1.0.0
    contractId: nope
)";
  auto d = ParseDescriptor(b);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("p.odps.yaml: outputPorts[0].contractId: contract 'nope' not found"),
            std::string::npos)
      << d.error().message();
}

TEST(Descriptor, OdcsErrorsNameTheContractFile) {
  DescriptorBundle b;
  b.file = "p.odps.yaml";
  b.content = "apiVersion: v1.0.0\nkind: DataProduct\nid: x\nstatus: active\noutputPorts:\n"
              "  - {name: out, version: 1.0.0, contractId: c1}\n";
  b.files["c1.odcs.yaml"] = R"(apiVersion: v3.1.0
kind: DataContract
id: c1
version: 1.0.0
status: active
schema:
  - name: out
    physicalType: topic
    properties:
      - name: a
        logicalType: str
slaProperties:
  - property: freshness
    value: soon
)";
  std::vector<std::string> errors;
  auto d = ParseDescriptor(b, &errors);
  ASSERT_FALSE(d.ok());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("c1.odcs.yaml: schema[0].properties[0].logicalType: 'str' is not an ODCS logical type"),
            std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("c1.odcs.yaml: slaProperties[0]: freshness 'soon"), std::string::npos) << errors[1];
}

TEST(Descriptor, ContractJsonIsAPatch) {
  DescriptorBundle b;
  b.file = "contract.json";
  b.content = R"({"data_product": "pos_transactions", "schema": "https://schema.org/PaymentEvent",
   "quality_spec": {"freshness": "max_5_min_delay", "completeness": ">99.9%"}})";
  auto d = ParseDescriptor(b);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->kind, Descriptor::Kind::kContractPatch);
  EXPECT_EQ(d->patch.product, "pos_transactions");
  EXPECT_EQ(d->patch.schema_url, "https://schema.org/PaymentEvent");
  EXPECT_EQ(d->patch.freshness_max_delay_ms, 300000);
  EXPECT_NEAR(*d->patch.completeness_min_ratio, 0.999, 1e-9);
}

TEST(Descriptor, Durations) {
  EXPECT_EQ(ParseDurationMs("max_5_min_delay"), 300000);
  EXPECT_EQ(ParseDurationMs("max_30_sec_delay"), 30000);
  EXPECT_EQ(ParseDurationMs("5m"), 300000);
  EXPECT_EQ(ParseDurationMs("2h"), 7200000);
  EXPECT_EQ(ParseDurationMs("7d"), 7 * 86400000LL);
  EXPECT_EQ(ParseDurationMs("5", "min"), 300000);
  EXPECT_EQ(ParseDurationMs("PT5M"), 300000);
  EXPECT_EQ(ParseDurationMs("1500"), 1500);
  EXPECT_FALSE(ParseDurationMs("soon"));
  EXPECT_FALSE(ParseDurationMs("5", "parsecs"));
  EXPECT_NEAR(*ParseRatio(">99.9%"), 0.999, 1e-12);
  EXPECT_NEAR(*ParseRatio(">= 95 %"), 0.95, 1e-12);
  EXPECT_NEAR(*ParseRatio("0.5"), 0.5, 1e-12);
  EXPECT_FALSE(ParseRatio("150%"));
  EXPECT_FALSE(ParseRatio("most"));
}

TEST(Descriptor, BundleJsonRoundTrip) {
  DescriptorBundle b = ShortBundle();
  auto back = DescriptorBundle::FromJson(b.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->file, b.file);
  EXPECT_EQ(back->content, b.content);
  EXPECT_EQ(back->files, b.files);
}


TEST(Descriptor, TransformGetsTheProductsDefaults) {
  DescriptorBundle b = ShortBundle();
  b.content += R"(  transform:
    checkpoint_interval: 200ms
    operators:
      - filter: "score > 1"
    outputs:
      - {table: engagement, key: [user_id]}
)";
  auto d = ParseDescriptor(b);
  ASSERT_TRUE(d.ok()) << d.error().message();
  boost::json::value t = boost::json::parse(d->product.transform);
  EXPECT_EQ(t.at("name").as_string(), "user_engagement_metrics");
  EXPECT_EQ(boost::json::serialize(t.at("inputs")), R"(["user_activity_stream"])");
  EXPECT_EQ(t.at("checkpoint_interval").as_string(), "200ms");
  // The table stays; the output port's topic is appended.
  EXPECT_EQ(boost::json::serialize(t.at("outputs")),
            R"([{"table":"engagement","key":["user_id"]},{"topic":"enriched_engagement_data"}])");
  // Deterministic text: parsing twice gives the same definition (the
  // pipeline service keeps state only for an identical definition).
  EXPECT_EQ(ParseDescriptor(b)->product.transform, d->product.transform);
}

TEST(Descriptor, TransformListingThePortTopicIsNotDuplicated) {
  DescriptorBundle b = ShortBundle();
  b.content += R"(  transform:
    inputs: [other_topic]
    outputs:
      - {topic: enriched_engagement_data, type: Engaged}
)";
  auto d = ParseDescriptor(b);
  ASSERT_TRUE(d.ok()) << d.error().message();
  boost::json::value t = boost::json::parse(d->product.transform);
  EXPECT_EQ(boost::json::serialize(t.at("inputs")), R"(["other_topic"])");
  EXPECT_EQ(boost::json::serialize(t.at("outputs")), R"([{"topic":"enriched_engagement_data","type":"Engaged"}])");
}

TEST(Descriptor, NoTransformLeavesItEmpty) {
  auto d = ParseDescriptor(ShortBundle());
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->product.transform.empty());
}

TEST(Descriptor, TransformShapeErrorsNameTheField) {
  auto errors_of = [](const std::string& transform) {
    DescriptorBundle b = ShortBundle();
    b.content += transform;
    std::vector<std::string> errors;
    auto d = ParseDescriptor(b, &errors);
    EXPECT_FALSE(d.ok());
    return errors.empty() ? std::string() : errors[0];
  };
  EXPECT_NE(errors_of("  transform: [filter]\n").find("data_product.transform: expected a mapping"),
            std::string::npos);
  EXPECT_NE(errors_of("  transform: {name: other}\n").find("data_product.transform.name: "), std::string::npos);
  EXPECT_NE(errors_of("  transform: {outputs: {topic: x}}\n").find("data_product.transform.outputs: expected a list"),
            std::string::npos);
}

}  // namespace
}  // namespace meshd::catalog
