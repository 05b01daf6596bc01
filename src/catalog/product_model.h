#pragma once
// The data-product model every mesh component shares: what a product is,
// which topics its ports own, what its contract promises and who may read or
// write it. Descriptors (short form, ODPS v1.0.0 + ODCS v3.1.0, short
// contract JSON) are parsed into these structs by src/catalog; governance
// (contract enforcement, access control, PII masking) and stream processing
// read them through ProductDirectory, so they never parse YAML themselves.
//
// Plain values: copy freely. A published DataProduct is immutable; an update
// replaces the whole shared_ptr.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meshd::catalog {

// What a contract breach does (`on_violation` in the descriptor).
enum class ViolationAction {
  kFlag,        // status turns red, metric rises, a governance event is emitted
  kQuarantine,  // failing events go to <topic>.quarantine instead of the topic
};

// How a classified (PII) field reaches a reader without a PII grant.
enum class PiiTreatment {
  kMask,  // "***" (strings keep no characters)
  kHash,  // hex SHA-256 of the value, so joins on it still work
  kDrop,  // field removed
};

// One validity rule on a field of the event payload (ODCS property with
// `required`, `logicalType`, `logicalTypeOptions` and library quality rules).
// `field` is a dotted path into the JSON payload: "amount", "customer.email".
struct FieldRule {
  std::string field;
  bool required = false;               // must be present
  bool not_null = false;               // present values must not be null
  std::string logical_type;            // "" | string|number|integer|boolean|object|array|date|timestamp
  std::optional<double> minimum;       // numbers: inclusive bounds
  std::optional<double> maximum;
  std::optional<int64_t> min_length;   // strings
  std::optional<int64_t> max_length;
  std::optional<std::string> pattern;  // ECMAScript regex a string must match
  std::vector<std::string> allowed;    // enum: allowed values, compared as JSON text of scalars
};

// A field classified as PII (ODCS property `classification` other than
// public/internal, or tagged pii) and how it is protected.
struct ClassifiedField {
  std::string field;           // dotted path
  std::string classification;  // e.g. "restricted", "confidential", "pii"
  PiiTreatment treatment = PiiTreatment::kMask;
  // False when the descriptor gave no treatment (kMask is then the default);
  // the federated policy "PII fields declare a treatment" checks this.
  bool treatment_declared = false;
};

// The contract of one output port (ODCS v3.1.0 or the short quality_spec).
struct ContractSpec {
  std::string id;       // ODCS id ("" for the short form)
  std::string version;  // ODCS version
  std::vector<FieldRule> rules;
  // Completeness: share of valid events over a sliding window must stay at
  // or above this ratio (">99.9%" -> 0.999). Unset = not monitored.
  std::optional<double> completeness_min_ratio;
  int64_t completeness_window_ms = 5 * 60 * 1000;
  // Freshness / latency: age of the newest event must stay under this, even
  // when nothing arrives ("max_5_min_delay" -> 300000). Unset = not monitored.
  std::optional<int64_t> freshness_max_delay_ms;
  ViolationAction on_violation = ViolationAction::kFlag;
  std::vector<ClassifiedField> classified;
  // The short contract JSON's `schema` (e.g. "https://schema.org/PaymentEvent"):
  // a reference kept for discovery, not a registered schema.
  std::string schema_url;
};

// Who may use a port: an ODCS role / descriptor access entry resolved to a
// domain (or a single principal name) and what it may do.
struct Grant {
  std::string domain;     // grantee domain ("" when `principal` is set)
  std::string principal;  // grantee principal name ("" when `domain` is set)
  bool read = false;
  bool write = false;
  bool pii = false;       // may see classified fields in clear
};

struct OutputPort {
  std::string name;
  std::string topic;                               // Kafka topic the port maps to
  int32_t partitions = 1;
  std::map<std::string, std::string> topic_config;  // retention.ms, cleanup.policy, ...
  std::string key_field;                           // payload field used as record key ("" = none)
  std::string schema_subject;                      // registry subject ("<topic>-value")
  std::string schema_type;                         // AVRO | JSON
  std::string schema_text;                         // the schema document as registered
  int32_t schema_version = 0;                      // registry version after provisioning
  ContractSpec contract;
  std::vector<Grant> grants;
  std::vector<std::string> input_ports;  // names of this product's input ports feeding it (lineage)
  std::string description;               // ODPS port / ODCS schema object description
  std::string contract_file;             // ODCS file the contract came from ("" = inline / short form)
};

struct InputPort {
  std::string name;         // as written ("user_activity_stream")
  std::string topic;        // resolved topic ("" when not resolvable yet)
  std::string contract_id;  // ODPS contractId, when given
  std::string product;      // upstream product name, when known
};

struct DataProduct {
  std::string id;    // ODPS id (defaults to "<domain>.<name>")
  std::string name;
  std::string domain;
  std::string owner;        // team name or principal
  std::string description;
  std::string version = "1.0.0";
  std::string status = "active";
  std::vector<std::string> tags;
  std::vector<InputPort> inputs;
  std::vector<OutputPort> outputs;
  std::string source_file;  // descriptor path it was applied from
  std::string descriptor_format;  // "short" | "odps" (how it was written)
  // The short form's `transform:`: the pipeline (src/stream) that computes
  // this product, as JSON text with the product's defaults filled in (name,
  // inputs, topic outputs). "" = no transform. JSON is valid YAML, so it goes
  // to the pipeline parser verbatim; the text is kept byte-stable so that
  // re-applying an unchanged product keeps the pipeline's state.
  std::string transform;
};

// Read side of the catalog, implemented by src/catalog and consumed by the
// publish/read paths (governance) and pipelines. Thread-safe.
class ProductDirectory {
 public:
  virtual ~ProductDirectory() = default;
  virtual std::vector<std::shared_ptr<const DataProduct>> List() const = 0;
  virtual std::shared_ptr<const DataProduct> Find(const std::string& name) const = 0;
  // The product whose output port owns `topic`, and that port; {nullptr,
  // nullptr} when no product owns it. The port pointer lives as long as the
  // returned product.
  struct TopicOwner {
    std::shared_ptr<const DataProduct> product;
    const OutputPort* port = nullptr;
  };
  virtual TopicOwner FindByTopic(const std::string& topic) const = 0;
  // Called (on the applying thread) after every apply/delete, so caches of
  // derived state (validators, grants) can rebuild.
  virtual void OnChange(std::function<void()> listener) = 0;
};

}  // namespace meshd::catalog
