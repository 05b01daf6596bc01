#pragma once
// ProductCatalog: provisions data products and is the mesh's ProductDirectory.
//
// Apply(descriptor) runs, in order:
//   1. resolve input ports against the catalog (upstream products, topics);
//   2. the global governance policy: a refusal lists every violated rule and
//      nothing is created;
//   3. checks that need no change: topic ownership, partitions never shrink,
//      topic config valid, schemas valid and compatible with the subject's
//      live versions (the registry's reasons are returned verbatim);
//   4. the diff against the current entry (a dry run stops here);
//   5. provisioning with an undo log: topics created / reconfigured, schemas
//      registered, partitions added, then the catalog entry written to the
//      compacted `_catalog` topic. A failing step undoes the earlier ones
//      (created topics deleted, config restored, the schema version it
//      registered soft- then hard-deleted), so nothing is half-provisioned.
//      Only a partition increase cannot be undone; it runs after the schema
//      step, just before the catalog write.
// `_catalog` (key "product:<name>" -> ProductToJson, tombstone on delete;
// key "policy" -> the governance policy) is replayed at Open.
//
// Thread-safety: all methods may be called from any thread; applies and
// deletes are serialised; reads take a shared lock.

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/result.h"
#include "catalog/descriptor.h"
#include "catalog/policy.h"
#include "catalog/product_model.h"
#include "storage/event_log.h"

namespace meshd::schema {
class SchemaRegistry;
}

namespace meshd::catalog {

struct CatalogOptions {
  // Test hook: called before each provisioning step ("topics", "schemas",
  // "partitions", "catalog"); a non-OK status fails the apply at that step.
  std::function<Status(std::string_view step)> fail_before_step;
  // Clock for contract-status timestamps and throughput samples.
  std::function<int64_t()> now_ms;
};

// How the catalog reaches pipelines (src/stream sits above the catalog, so
// src/app wires these to PipelineService). `apply` gets the transform's
// definition (JSON text, valid YAML): with `dry_run` it only validates (the
// error names the field: "pipeline 'x': operators[0].filter: ..."), else it
// creates the pipeline, or with `replace` replaces it (an identical
// definition keeps its state). `remove` deletes the pipeline by name.
struct PipelineHooks {
  std::function<Status(const std::string& definition, bool dry_run, bool replace)> apply;
  std::function<Status(const std::string& name)> remove;
};

// One line of an update's diff.
struct DiffEntry {
  std::string op;    // "add" | "remove" | "change"
  std::string path;  // "outputs.pos_transactions.partitions"
  std::string from;  // "" for add
  std::string to;    // "" for remove
  std::string ToText() const;  // "~ outputs.x.partitions: 1 -> 3"
  boost::json::object ToJson() const;
};

std::vector<DiffEntry> DiffProducts(const DataProduct* before, const DataProduct& after);

// Field names and types of a schema document (Avro record fields or JSON
// Schema properties; nested ones dotted), for search and lineage facets.
std::vector<std::pair<std::string, std::string>> SchemaFields(const std::string& schema_text);

struct ApplyOutcome {
  std::string action;  // "created" | "updated" | "unchanged"
  bool dry_run = false;
  std::vector<DiffEntry> diff;
  std::vector<std::string> steps;  // what provisioning did, in order
  std::shared_ptr<const DataProduct> product;
};

struct ApplyError {
  // INVALID_DESCRIPTOR (400) | POLICY_VIOLATION (422) | SCHEMA_INCOMPATIBLE (409) |
  // INVALID_SCHEMA (422) | TOPIC_OWNED (409) | PRODUCT_NOT_FOUND (404) |
  // PROVISIONING_FAILED (500) | CONFLICT (409)
  std::string error_code;
  std::string message;
  std::vector<std::string> details;          // every parse error / compatibility reason
  std::vector<PolicyViolation> violations;   // POLICY_VIOLATION
  std::vector<std::string> undone;           // rollback steps taken
  int http_status() const;
  boost::json::object ToJson() const;
};

struct ApplyResult {
  bool ok = false;
  ApplyOutcome outcome;
  ApplyError error;
};

struct ContractStatus {
  std::string status;  // e.g. "ok", "violated", "unmonitored"
  std::string reason;
  int64_t updated_ms = 0;
};

struct LineageEdge {
  std::string from;  // node ids: "product:<name>", "topic:<name>", "bus-rule:<bus>/<rule>", ...
  std::string to;
  std::string kind;  // "input" | "output" | "derives" | whatever the registrant says
  bool operator<(const LineageEdge& o) const {
    return std::tie(from, to, kind) < std::tie(o.from, o.to, o.kind);
  }
};

class ProductCatalog final : public ProductDirectory {
 public:
  static constexpr const char* kTopic = "_catalog";

  // Opens over `log` (creating the compacted `_catalog` topic) and replays
  // it. `registry` may be null (--registry off): schemas are then recorded
  // in the entry but not registered.
  static Result<std::unique_ptr<ProductCatalog>> Open(storage::EventLog* log,
                                                      schema::SchemaRegistry* registry,
                                                      CatalogOptions options = {});

  ApplyResult Apply(const Descriptor& descriptor, bool dry_run);
  ApplyResult ApplyBundle(const DescriptorBundle& bundle, bool dry_run);
  // Removes the catalog entry; topics stay unless `delete_topics`.
  Status Delete(const std::string& name, bool delete_topics, std::vector<std::string>* steps);

  // Wires transforms to pipelines (set by src/app once pipelines start;
  // without hooks a product with a transform is refused).
  void SetPipelineHooks(PipelineHooks hooks);

  // The governance policy (persisted in `_catalog`).
  Status SetPolicy(const GovernancePolicy& policy);
  GovernancePolicy policy() const;

  // Contract status of one port, set by the contract monitors (src/governance).
  void SetContractStatus(const std::string& product, const std::string& port, const std::string& status,
                         const std::string& reason);
  std::optional<ContractStatus> GetContractStatus(const std::string& product, const std::string& port) const;

  // Lineage edges other components add (bus rules, pipelines). Idempotent.
  void RegisterLineageEdge(const std::string& from, const std::string& to, const std::string& kind);
  void RemoveLineageEdge(const std::string& from, const std::string& to, const std::string& kind);
  // Products' own edges plus registered ones.
  std::vector<LineageEdge> LineageEdges() const;

  // The entry as GET /v1/products/{name} shows it: the model plus runtime
  // status per port (topic, schema versions, contract status, throughput,
  // last event time, consumers).
  boost::json::object DescribeJson(const DataProduct& p) const;

  struct SearchHit {
    std::shared_ptr<const DataProduct> product;
    std::vector<std::string> matched;  // "name", "domain", "tag:x", "field:y", ...
  };
  // Case-insensitive substring search over name, domain, tags, descriptions,
  // ports, topics and schema field names; best matches first.
  std::vector<SearchHit> Search(const std::string& query) const;

  // ProductDirectory
  std::vector<std::shared_ptr<const DataProduct>> List() const override;
  std::shared_ptr<const DataProduct> Find(const std::string& name) const override;
  TopicOwner FindByTopic(const std::string& topic) const override;
  void OnChange(std::function<void()> listener) override;

  storage::EventLog* log() const { return log_; }
  schema::SchemaRegistry* registry() const { return registry_; }

 private:
  ProductCatalog(storage::EventLog* log, schema::SchemaRegistry* registry, CatalogOptions options);
  Status Replay();
  Status Persist(const std::string& key, const boost::json::value* value);
  void ApplyRecord(const std::string& key, const boost::json::value* value);
  void Notify();
  int64_t Now() const;
  ApplyResult ApplyProduct(DataProduct product, bool dry_run);
  void ResolveInputs(DataProduct* p) const;
  struct PortRuntime;
  boost::json::object PortRuntimeJson(const DataProduct& p, const OutputPort& port) const;

  storage::EventLog* log_;
  schema::SchemaRegistry* registry_;
  CatalogOptions options_;
  PipelineHooks pipelines_;  // guarded by apply_mu_

  std::mutex apply_mu_;  // one apply/delete at a time
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const DataProduct>> products_;
  std::map<std::string, std::pair<std::string, size_t>> topic_owner_;  // topic -> (product, port index)
  GovernancePolicy policy_;
  std::map<std::pair<std::string, std::string>, ContractStatus> contract_status_;
  std::set<LineageEdge> extra_edges_;
  std::vector<std::function<void()>> listeners_;
  // Throughput samples per topic: (time ms, sum of end offsets).
  mutable std::mutex samples_mu_;
  mutable std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> samples_;
};

}  // namespace meshd::catalog
