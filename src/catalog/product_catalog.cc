#include "catalog/product_catalog.h"

#include <algorithm>
#include <chrono>
#include <cctype>

#include "base/logging.h"
#include "catalog/model_json.h"
#include "record/record_batch.h"
#include "schema/schema_registry.h"
#include "storage/internal_topic.h"

namespace meshd::catalog {

namespace json = boost::json;

namespace {

constexpr const char* kPolicyKey = "policy";
constexpr const char* kProductPrefix = "product:";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string JoinStrings(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Field names of a registered schema (Avro record fields or JSON Schema
// properties, nested ones as "a.b"), for search and lineage facets.
void CollectFields(const json::value& v, const std::string& prefix, std::vector<std::pair<std::string, std::string>>* out) {
  if (!v.is_object()) return;
  const auto& o = v.get_object();
  if (const json::value* fields = o.if_contains("fields"); fields && fields->is_array()) {  // Avro
    for (const auto& f : fields->get_array()) {
      if (!f.is_object() || !f.get_object().contains("name")) continue;
      std::string name = prefix + std::string(f.at("name").as_string());
      const json::value& t = f.at("type");
      std::string type = t.is_string() ? std::string(t.get_string()) : (t.is_array() ? "union" : "record");
      out->emplace_back(name, type);
      if (t.is_object()) CollectFields(t, name + ".", out);
    }
  }
  if (const json::value* props = o.if_contains("properties"); props && props->is_object()) {  // JSON Schema
    for (const auto& kv : props->get_object()) {
      std::string name = prefix + std::string(kv.key());
      std::string type = "any";
      if (kv.value().is_object()) {
        if (const json::value* t = kv.value().get_object().if_contains("type"); t && t->is_string()) {
          type = std::string(t->get_string());
        }
      }
      out->emplace_back(name, type);
      CollectFields(kv.value(), name + ".", out);
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SchemaFields(const std::string& schema_text) {
  std::vector<std::pair<std::string, std::string>> out;
  boost::system::error_code ec;
  json::value v = json::parse(schema_text, ec);
  if (!ec) CollectFields(v, "", &out);
  return out;
}

// ---------------------------------------------------------------- diff

std::string DiffEntry::ToText() const {
  if (op == "add") return "+ " + path + (to.empty() ? "" : ": " + to);
  if (op == "remove") return "- " + path + (from.empty() ? "" : ": " + from);
  return "~ " + path + ": " + from + " -> " + to;
}

json::object DiffEntry::ToJson() const {
  json::object o{{"op", op}, {"path", path}};
  if (!from.empty()) o["from"] = from;
  if (!to.empty()) o["to"] = to;
  return o;
}

std::vector<DiffEntry> DiffProducts(const DataProduct* before, const DataProduct& after) {
  std::vector<DiffEntry> d;
  auto field = [&](const std::string& path, const std::string& a, const std::string& b) {
    if (a != b) d.push_back({a.empty() ? "add" : (b.empty() ? "remove" : "change"), path, a, b});
  };
  if (!before) {
    d.push_back({"add", "product " + after.name, "", "domain " + after.domain});
    for (const auto& port : after.outputs) {
      d.push_back({"add", "outputs." + port.name, "",
                   "topic " + port.topic + ", " + std::to_string(port.partitions) + " partition(s)" +
                       (port.schema_text.empty() ? "" : ", " + port.schema_type + " schema " + port.schema_subject)});
    }
    for (const auto& in : after.inputs) d.push_back({"add", "inputs." + in.name, "", in.topic});
    if (!after.transform.empty()) d.push_back({"add", "transform", "", "pipeline " + after.name});
    return d;
  }
  field("domain", before->domain, after.domain);
  field("owner", before->owner, after.owner);
  field("description", before->description, after.description);
  field("version", before->version, after.version);
  field("status", before->status, after.status);
  field("tags", JoinStrings(before->tags), JoinStrings(after.tags));
  std::map<std::string, const InputPort*> old_in, new_in;
  for (const auto& i : before->inputs) old_in[i.name] = &i;
  for (const auto& i : after.inputs) new_in[i.name] = &i;
  for (const auto& [n, i] : new_in) {
    if (!old_in.count(n)) d.push_back({"add", "inputs." + n, "", i->topic});
    else field("inputs." + n + ".topic", old_in[n]->topic, i->topic);
  }
  for (const auto& [n, i] : old_in) {
    if (!new_in.count(n)) d.push_back({"remove", "inputs." + n, i->topic, ""});
  }
  std::map<std::string, const OutputPort*> old_out;
  for (const auto& p : before->outputs) old_out[p.name] = &p;
  std::set<std::string> seen;
  for (const auto& p : after.outputs) {
    seen.insert(p.name);
    const std::string base = "outputs." + p.name;
    auto it = old_out.find(p.name);
    if (it == old_out.end()) {
      d.push_back({"add", base, "", "topic " + p.topic + ", " + std::to_string(p.partitions) + " partition(s)"});
      continue;
    }
    const OutputPort& o = *it->second;
    field(base + ".topic", o.topic, p.topic);
    field(base + ".partitions", std::to_string(o.partitions), std::to_string(p.partitions));
    std::set<std::string> keys;
    for (const auto& [k, v] : o.topic_config) keys.insert(k);
    for (const auto& [k, v] : p.topic_config) keys.insert(k);
    for (const auto& k : keys) {
      auto a = o.topic_config.find(k);
      auto b = p.topic_config.find(k);
      field(base + ".config." + k, a == o.topic_config.end() ? "" : a->second,
            b == p.topic_config.end() ? "" : b->second);
    }
    field(base + ".key", o.key_field, p.key_field);
    if (o.schema_text != p.schema_text || o.schema_type != p.schema_type) {
      d.push_back({"change", base + ".schema", o.schema_subject + " v" + std::to_string(o.schema_version),
                   p.schema_subject + " new version (" + p.schema_type + ")"});
    }
    json::object ca = ContractToJson(o.contract), cb = ContractToJson(p.contract);
    for (const auto& kv : cb) {
      const json::value* old = ca.if_contains(kv.key());
      std::string a = old ? json::serialize(*old) : "";
      std::string b = json::serialize(kv.value());
      if (a != b) d.push_back({a.empty() ? "add" : "change", base + ".contract." + std::string(kv.key()), a, b});
    }
    for (const auto& kv : ca) {
      if (!cb.contains(kv.key())) d.push_back({"remove", base + ".contract." + std::string(kv.key()), json::serialize(kv.value()), ""});
    }
    std::set<std::string> ga, gb;
    for (const auto& g : o.grants) ga.insert(json::serialize(GrantToJson(g)));
    for (const auto& g : p.grants) gb.insert(json::serialize(GrantToJson(g)));
    for (const auto& g : gb) if (!ga.count(g)) d.push_back({"add", base + ".grants", "", g});
    for (const auto& g : ga) if (!gb.count(g)) d.push_back({"remove", base + ".grants", g, ""});
  }
  for (const auto& [n, p] : old_out) {
    if (!seen.count(n)) d.push_back({"remove", "outputs." + n, "topic " + p->topic + " (topic kept)", ""});
  }
  // The whole definition would make an unreadable diff line; say what happens to the pipeline.
  if (before->transform != after.transform) {
    if (after.transform.empty()) d.push_back({"remove", "transform", "pipeline " + after.name + " (deleted)", ""});
    else if (before->transform.empty()) d.push_back({"add", "transform", "", "pipeline " + after.name});
    else d.push_back({"change", "transform", "pipeline " + after.name, "new definition (replaces its state)"});
  }
  return d;
}

// ---------------------------------------------------------------- errors

int ApplyError::http_status() const {
  if (error_code == "INVALID_DESCRIPTOR") return 400;
  if (error_code == "POLICY_VIOLATION" || error_code == "INVALID_SCHEMA") return 422;
  if (error_code == "PRODUCT_NOT_FOUND") return 404;
  if (error_code == "SCHEMA_INCOMPATIBLE" || error_code == "TOPIC_OWNED" || error_code == "CONFLICT") return 409;
  return 500;
}

json::object ApplyError::ToJson() const {
  json::object o{{"error_code", error_code}, {"message", message}};
  if (!details.empty()) {
    json::array a;
    for (const auto& s : details) a.emplace_back(s);
    o[error_code == "SCHEMA_INCOMPATIBLE" ? "reasons" : "errors"] = std::move(a);
  }
  if (!violations.empty()) {
    json::array a;
    for (const auto& v : violations) a.push_back(json::object{{"policy", v.policy}, {"message", v.message}});
    o["violations"] = std::move(a);
  }
  if (!undone.empty()) {
    json::array a;
    for (const auto& s : undone) a.emplace_back(s);
    o["undone"] = std::move(a);
  }
  return o;
}

namespace {

ApplyResult Fail(std::string code, std::string message, std::vector<std::string> details = {}) {
  ApplyResult r;
  r.error.error_code = std::move(code);
  r.error.message = std::move(message);
  r.error.details = std::move(details);
  return r;
}

}  // namespace

// ---------------------------------------------------------------- open / replay

ProductCatalog::ProductCatalog(storage::EventLog* log, schema::SchemaRegistry* registry, CatalogOptions options)
    : log_(log), registry_(registry), options_(std::move(options)) {}

int64_t ProductCatalog::Now() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<std::unique_ptr<ProductCatalog>> ProductCatalog::Open(storage::EventLog* log, schema::SchemaRegistry* registry,
                                                             CatalogOptions options) {
  std::unique_ptr<ProductCatalog> c(new ProductCatalog(log, registry, std::move(options)));
  if (log) {
    MESHD_TRY(storage::EnsureInternalTopic(*log, kTopic));
    MESHD_TRY(c->Replay());
  }
  return c;
}

Status ProductCatalog::Replay() {
  return storage::ReplayTopic(*log_, kTopic, 0, [this](const record::Record& rec) {
    if (!rec.key) return;
    if (!rec.value) {
      ApplyRecord(*rec.key, nullptr);
      return;
    }
    boost::system::error_code ec;
    json::value v = json::parse(*rec.value, ec);
    if (ec) {
      logging::Get("catalog")->warn("skipping unreadable _catalog record offset={}", rec.offset);
      return;
    }
    ApplyRecord(*rec.key, &v);
  });
}

void ProductCatalog::ApplyRecord(const std::string& key, const json::value* value) {
  std::unique_lock lock(mu_);
  if (key == kPolicyKey) {
    if (!value) {
      policy_ = GovernancePolicy{};
      return;
    }
    auto p = GovernancePolicy::Parse(json::serialize(*value), "_catalog policy");
    if (p.ok()) policy_ = *p;
    return;
  }
  if (key.rfind(kProductPrefix, 0) != 0) return;
  std::string name = key.substr(std::char_traits<char>::length(kProductPrefix));
  if (auto old = products_.find(name); old != products_.end()) {
    for (const auto& port : old->second->outputs) topic_owner_.erase(port.topic);
    products_.erase(old);
  }
  if (!value) return;
  auto p = ProductFromJson(*value);
  if (!p.ok()) {
    logging::Get("catalog")->warn("skipping unreadable catalog entry {}: {}", name, p.error().message());
    return;
  }
  auto sp = std::make_shared<const DataProduct>(std::move(*p));
  for (size_t i = 0; i < sp->outputs.size(); ++i) topic_owner_[sp->outputs[i].topic] = {name, i};
  products_[name] = std::move(sp);
}

Status ProductCatalog::Persist(const std::string& key, const json::value* value) {
  if (log_) {
    record::RecordBatchBuilder b;
    std::optional<std::string> v;
    if (value) v = json::serialize(*value);
    b.Add(Now(), key, v ? std::optional<std::string_view>(*v) : std::nullopt);
    auto r = log_->Append(kTopic, 0, b.Build());
    if (!r.ok()) return r.error();
  }
  ApplyRecord(key, value);
  return Status::Ok();
}

void ProductCatalog::Notify() {
  std::vector<std::function<void()>> ls;
  {
    std::shared_lock lock(mu_);
    ls = listeners_;
  }
  for (auto& l : ls) l();
}

// ---------------------------------------------------------------- directory

std::vector<std::shared_ptr<const DataProduct>> ProductCatalog::List() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<const DataProduct>> out;
  for (const auto& [n, p] : products_) out.push_back(p);
  return out;
}

std::shared_ptr<const DataProduct> ProductCatalog::Find(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = products_.find(name);
  return it == products_.end() ? nullptr : it->second;
}

ProductDirectory::TopicOwner ProductCatalog::FindByTopic(const std::string& topic) const {
  std::shared_lock lock(mu_);
  auto it = topic_owner_.find(topic);
  if (it == topic_owner_.end()) return {};
  auto p = products_.find(it->second.first);
  if (p == products_.end() || it->second.second >= p->second->outputs.size()) return {};
  return {p->second, &p->second->outputs[it->second.second]};
}

void ProductCatalog::OnChange(std::function<void()> listener) {
  std::unique_lock lock(mu_);
  listeners_.push_back(std::move(listener));
}

// ---------------------------------------------------------------- policy, status, lineage

void ProductCatalog::SetPipelineHooks(PipelineHooks hooks) {
  std::lock_guard<std::mutex> serial(apply_mu_);
  pipelines_ = std::move(hooks);
}

Status ProductCatalog::SetPolicy(const GovernancePolicy& policy) {
  std::lock_guard<std::mutex> apply(apply_mu_);
  json::value v = policy.ToJson();
  return Persist(kPolicyKey, &v);
}

GovernancePolicy ProductCatalog::policy() const {
  std::shared_lock lock(mu_);
  return policy_;
}

void ProductCatalog::SetContractStatus(const std::string& product, const std::string& port, const std::string& status,
                                       const std::string& reason) {
  std::unique_lock lock(mu_);
  contract_status_[{product, port}] = ContractStatus{status, reason, Now()};
}

std::optional<ContractStatus> ProductCatalog::GetContractStatus(const std::string& product,
                                                                const std::string& port) const {
  std::shared_lock lock(mu_);
  auto it = contract_status_.find({product, port});
  if (it == contract_status_.end()) return std::nullopt;
  return it->second;
}

void ProductCatalog::RegisterLineageEdge(const std::string& from, const std::string& to, const std::string& kind) {
  std::unique_lock lock(mu_);
  extra_edges_.insert(LineageEdge{from, to, kind});
}

void ProductCatalog::RemoveLineageEdge(const std::string& from, const std::string& to, const std::string& kind) {
  std::unique_lock lock(mu_);
  extra_edges_.erase(LineageEdge{from, to, kind});
}

std::vector<LineageEdge> ProductCatalog::LineageEdges() const {
  std::set<LineageEdge> edges;
  std::shared_lock lock(mu_);
  for (const auto& [name, p] : products_) {
    const std::string pn = "product:" + name;
    std::map<std::string, std::string> in_topic;
    for (const auto& in : p->inputs) {
      std::string t = in.topic.empty() ? in.name : in.topic;
      in_topic[in.name] = t;
      edges.insert({"topic:" + t, pn, "input"});
    }
    // The transform's own edges (inputs -> pipeline -> outputs) come from
    // the pipeline service's lineage hook while it runs.
    if (!p->transform.empty()) edges.insert({pn, "pipeline:" + name, "transform"});
    for (const auto& port : p->outputs) {
      edges.insert({pn, "topic:" + port.topic, "output"});
      for (const auto& in : port.input_ports) {
        auto it = in_topic.find(in);
        if (it != in_topic.end()) edges.insert({"topic:" + it->second, "topic:" + port.topic, "derives"});
      }
    }
  }
  edges.insert(extra_edges_.begin(), extra_edges_.end());
  return {edges.begin(), edges.end()};
}

// ---------------------------------------------------------------- apply

void ProductCatalog::ResolveInputs(DataProduct* p) const {
  std::shared_lock lock(mu_);
  for (auto& in : p->inputs) {
    if (in.topic.empty() && !in.contract_id.empty()) {
      for (const auto& [n, other] : products_) {
        for (const auto& port : other->outputs) {
          if (port.contract.id == in.contract_id) {
            in.topic = port.topic;
            if (in.product.empty()) in.product = n;
          }
        }
      }
    }
    if (in.topic.empty()) in.topic = in.name;
    if (in.product.empty()) {
      if (auto it = topic_owner_.find(in.topic); it != topic_owner_.end() && it->second.first != p->name) {
        in.product = it->second.first;
      }
    }
  }
}

ApplyResult ProductCatalog::ApplyBundle(const DescriptorBundle& bundle, bool dry_run) {
  std::vector<std::string> errors;
  auto d = ParseDescriptor(bundle, &errors);
  if (!d.ok()) return Fail("INVALID_DESCRIPTOR", d.error().message(), errors);
  return Apply(*d, dry_run);
}

ApplyResult ProductCatalog::Apply(const Descriptor& descriptor, bool dry_run) {
  if (descriptor.kind == Descriptor::Kind::kProduct) return ApplyProduct(descriptor.product, dry_run);
  const ContractPatch& patch = descriptor.patch;
  auto current = Find(patch.product);
  if (!current) {
    return Fail("PRODUCT_NOT_FOUND", "data product '" + patch.product +
                                         "' does not exist; apply its descriptor before its contract");
  }
  DataProduct p = *current;
  bool any = false;
  for (auto& port : p.outputs) {
    if (!patch.port.empty() && port.name != patch.port) continue;
    any = true;
    if (!patch.schema_url.empty()) port.contract.schema_url = patch.schema_url;
    if (patch.completeness_min_ratio) port.contract.completeness_min_ratio = patch.completeness_min_ratio;
    if (patch.freshness_max_delay_ms) port.contract.freshness_max_delay_ms = patch.freshness_max_delay_ms;
    if (patch.on_violation) port.contract.on_violation = *patch.on_violation;
  }
  if (!any) return Fail("INVALID_DESCRIPTOR", "data product '" + patch.product + "' has no output port '" + patch.port + "'");
  return ApplyProduct(std::move(p), dry_run);
}

ApplyResult ProductCatalog::ApplyProduct(DataProduct product, bool dry_run) {
  std::lock_guard<std::mutex> serial(apply_mu_);
  ResolveInputs(&product);
  auto before = Find(product.name);

  // 2. governance policy: every violation at once, nothing created.
  auto violations = policy().Check(product);
  if (!violations.empty()) {
    ApplyResult r = Fail("POLICY_VIOLATION", "data product '" + product.name + "' violates " +
                                                 std::to_string(violations.size()) + " governance polic" +
                                                 (violations.size() == 1 ? "y" : "ies") + "; nothing was created");
    r.error.violations = std::move(violations);
    return r;
  }

  // 3. checks that change nothing.
  std::vector<std::string> problems;
  std::vector<storage::TopicConfig> configs(product.outputs.size());
  for (size_t i = 0; i < product.outputs.size(); ++i) {
    auto& port = product.outputs[i];
    auto owner = FindByTopic(port.topic);
    if (owner.product && owner.product->name != product.name) {
      return Fail("TOPIC_OWNED", "topic '" + port.topic + "' of port '" + port.name +
                                     "' already belongs to data product '" + owner.product->name + "'");
    }
    auto cfg = storage::TopicConfig::FromMap(port.topic_config);
    if (!cfg.ok()) {
      problems.push_back("output port '" + port.name + "': topic config: " + cfg.error().message());
      continue;
    }
    configs[i] = *cfg;
    if (log_) {
      auto existing = log_->DescribeTopic(port.topic);
      if (existing.ok() && static_cast<int32_t>(existing->partitions.size()) > port.partitions) {
        problems.push_back("output port '" + port.name + "': topic '" + port.topic + "' has " +
                           std::to_string(existing->partitions.size()) + " partitions; partitions can only grow (asked " +
                           std::to_string(port.partitions) + ")");
      }
    }
  }
  if (!problems.empty()) return Fail("INVALID_DESCRIPTOR", problems[0], problems);
  if (!product.transform.empty()) {
    if (!pipelines_.apply) {
      return Fail("INVALID_DESCRIPTOR", "data_product.transform: stream pipelines are not running in this process");
    }
    if (Status s = pipelines_.apply(product.transform, /*dry_run=*/true, /*replace=*/true); !s.ok()) {
      // The pipeline parser says "pipeline 'x': operators[0].filter: ...";
      // in a descriptor that field lives under data_product.transform.
      std::string m = s.message();
      const std::string prefix = "pipeline '" + product.name + "': ";
      if (m.rfind(prefix, 0) == 0) m = m.substr(prefix.size());
      m = "data_product.transform" + std::string(m.empty() || m[0] == '[' ? "" : ".") + m;
      return Fail("INVALID_DESCRIPTOR", m, {m});
    }
  }
  if (registry_) {
    for (const auto& port : product.outputs) {
      if (port.schema_text.empty()) continue;
      schema::SchemaInput input;
      input.schema = port.schema_text;
      input.type = schema::ParseSchemaType(port.schema_type).value_or(schema::SchemaType::kAvro);
      auto valid = registry_->ValidateSchema(input);
      if (!valid.ok()) {
        return Fail("INVALID_SCHEMA", "output port '" + port.name + "': schema for " + port.schema_subject +
                                          " is invalid: " + valid.error().message);
      }
      auto compat = registry_->TestCompatibility(port.schema_subject, "", input);
      if (compat.ok() && !compat.value().empty()) {
        return Fail("SCHEMA_INCOMPATIBLE",
                    "output port '" + port.name + "': the new schema is incompatible with subject " +
                        port.schema_subject + "; nothing was changed",
                    compat.value());
      }
    }
  }
  // Carry registered versions over for unchanged schemas.
  if (before) {
    for (auto& port : product.outputs) {
      for (const auto& old : before->outputs) {
        if (old.name == port.name && old.schema_text == port.schema_text && old.schema_type == port.schema_type) {
          port.schema_version = old.schema_version;
        }
      }
    }
  }

  // 4. diff.
  ApplyResult result;
  result.outcome.dry_run = dry_run;
  result.outcome.diff = DiffProducts(before.get(), product);
  result.outcome.action = !before ? "created" : (result.outcome.diff.empty() ? "unchanged" : "updated");
  if (dry_run || result.outcome.action == "unchanged") {
    result.ok = true;
    result.outcome.product = (before && result.outcome.action == "unchanged")
                                 ? before
                                 : std::make_shared<const DataProduct>(product);
    return result;
  }

  // 5. provisioning with an undo log.
  std::vector<std::pair<std::string, std::function<Status()>>> undo;
  auto& steps = result.outcome.steps;
  auto rollback = [&](ApplyResult failed) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      Status s = it->second();
      failed.error.undone.push_back(it->first + (s.ok() ? "" : " (failed: " + s.message() + ")"));
    }
    failed.ok = false;
    return failed;
  };
  auto injected = [&](std::string_view step) -> Status {
    return options_.fail_before_step ? options_.fail_before_step(step) : Status::Ok();
  };
  if (Status s = injected("topics"); !s.ok()) return rollback(Fail("PROVISIONING_FAILED", s.message()));
  for (size_t i = 0; i < product.outputs.size() && log_; ++i) {
    const auto& port = product.outputs[i];
    auto existing = log_->DescribeTopic(port.topic);
    if (!existing.ok()) {
      auto created = log_->CreateTopic(port.topic, port.partitions, configs[i]);
      if (!created.ok()) {
        return rollback(Fail("PROVISIONING_FAILED", "creating topic '" + port.topic + "': " + created.error().message()));
      }
      steps.push_back("created topic " + port.topic + " (" + std::to_string(port.partitions) + " partitions)");
      std::string topic = port.topic;
      undo.emplace_back("deleted topic " + topic, [this, topic] { return log_->DeleteTopic(topic); });
      continue;
    }
    std::map<std::string, std::string> changes, restore;
    auto current = existing->config.ToMap();
    for (const auto& [k, v] : port.topic_config) {
      auto cur = current.find(k);
      if (cur == current.end() || cur->second != v) {
        changes[k] = v;
        if (cur != current.end()) restore[k] = cur->second;
      }
    }
    if (!changes.empty()) {
      Status s = log_->AlterTopicConfig(port.topic, changes);
      if (!s.ok()) return rollback(Fail("PROVISIONING_FAILED", "configuring topic '" + port.topic + "': " + s.message()));
      steps.push_back("configured topic " + port.topic);
      std::string topic = port.topic;
      undo.emplace_back("restored config of topic " + topic,
                        [this, topic, restore] { return log_->AlterTopicConfig(topic, restore); });
    }
  }
  if (Status s = injected("schemas"); !s.ok()) return rollback(Fail("PROVISIONING_FAILED", s.message()));
  for (auto& port : product.outputs) {
    if (port.schema_text.empty() || !registry_) continue;
    schema::SchemaInput input;
    input.schema = port.schema_text;
    input.type = schema::ParseSchemaType(port.schema_type).value_or(schema::SchemaType::kAvro);
    std::vector<int32_t> before_versions;
    if (auto v = registry_->ListVersions(port.schema_subject, true, false); v.ok()) before_versions = v.value();
    auto reg = registry_->Register(port.schema_subject, input);
    if (!reg.ok()) {
      ApplyResult f = Fail(reg.error().error_code == 409 ? "SCHEMA_INCOMPATIBLE" : "PROVISIONING_FAILED",
                           "registering the schema of port '" + port.name + "' under " + port.schema_subject +
                               ": " + reg.error().message);
      return rollback(std::move(f));
    }
    port.schema_version = reg.value().second;
    bool is_new = std::find(before_versions.begin(), before_versions.end(), port.schema_version) == before_versions.end();
    if (is_new) {
      steps.push_back("registered schema " + port.schema_subject + " version " + std::to_string(port.schema_version) +
                      " (id " + std::to_string(reg.value().first) + ")");
      std::string subject = port.schema_subject;
      std::string version = std::to_string(port.schema_version);
      undo.emplace_back("deleted schema " + subject + " version " + version, [this, subject, version]() -> Status {
        auto soft = registry_->DeleteVersion(subject, version, false);
        if (!soft.ok()) return Status::Internal(soft.error().message);
        auto hard = registry_->DeleteVersion(subject, version, true);
        if (!hard.ok()) return Status::Internal(hard.error().message);
        return Status::Ok();
      });
    }
  }
  if (Status s = injected("pipeline"); !s.ok()) return rollback(Fail("PROVISIONING_FAILED", s.message()));
  const std::string old_transform = before ? before->transform : "";
  if (product.transform != old_transform) {
    const std::string name = product.name;
    auto restore = [this, name, old_transform]() -> Status {
      if (old_transform.empty()) return pipelines_.remove ? pipelines_.remove(name) : Status::Ok();
      return pipelines_.apply(old_transform, false, true);
    };
    if (!product.transform.empty()) {
      // replace only our own pipeline: a standalone pipeline of the same name is a conflict.
      Status s = pipelines_.apply(product.transform, /*dry_run=*/false, /*replace=*/!old_transform.empty());
      if (!s.ok()) {
        return rollback(Fail(s.code() == StatusCode::kAlreadyExists ? "CONFLICT" : "PROVISIONING_FAILED",
                             "data_product.transform: " + s.message()));
      }
      steps.push_back(std::string(old_transform.empty() ? "created" : "replaced") + " pipeline " + name);
      undo.emplace_back(old_transform.empty() ? "deleted pipeline " + name : "restored pipeline " + name, restore);
    } else if (pipelines_.remove) {
      Status s = pipelines_.remove(name);
      if (!s.ok() && !s.IsNotFound()) {
        return rollback(Fail("PROVISIONING_FAILED", "deleting pipeline '" + name + "': " + s.message()));
      }
      steps.push_back("deleted pipeline " + name);
      if (pipelines_.apply) undo.emplace_back("restored pipeline " + name, restore);
    }
  }
  if (Status s = injected("partitions"); !s.ok()) return rollback(Fail("PROVISIONING_FAILED", s.message()));
  for (const auto& port : product.outputs) {
    if (!log_) break;
    auto existing = log_->DescribeTopic(port.topic);
    if (existing.ok() && static_cast<int32_t>(existing->partitions.size()) < port.partitions) {
      Status s = log_->CreatePartitions(port.topic, port.partitions);
      if (!s.ok()) return rollback(Fail("PROVISIONING_FAILED", "adding partitions to '" + port.topic + "': " + s.message()));
      steps.push_back("topic " + port.topic + " now has " + std::to_string(port.partitions) + " partitions");
    }
  }
  if (Status s = injected("catalog"); !s.ok()) return rollback(Fail("PROVISIONING_FAILED", s.message()));
  json::value entry = ProductToJson(product);
  if (Status s = Persist(kProductPrefix + product.name, &entry); !s.ok()) {
    return rollback(Fail("PROVISIONING_FAILED", "writing the catalog entry: " + s.message()));
  }
  steps.push_back(std::string(before ? "updated" : "created") + " catalog entry " + product.name);
  result.ok = true;
  result.outcome.product = Find(product.name);
  logging::Get("catalog")->info("data product {} {} ({} diff lines)", product.name, result.outcome.action,
                                result.outcome.diff.size());
  Notify();
  return result;
}

Status ProductCatalog::Delete(const std::string& name, bool delete_topics, std::vector<std::string>* steps) {
  std::lock_guard<std::mutex> serial(apply_mu_);
  auto p = Find(name);
  if (!p) return Status::NotFound("data product '" + name + "' does not exist");
  // The transform stops first, so nothing writes to the ports of a product
  // that no longer exists; its tables stay (as DELETE /v1/pipelines leaves them).
  if (!p->transform.empty() && pipelines_.remove) {
    Status s = pipelines_.remove(name);
    if (!s.ok() && !s.IsNotFound()) return Status(s.code(), "deleting pipeline '" + name + "': " + s.message());
    if (steps && s.ok()) steps->push_back("deleted pipeline " + name);
  }
  MESHD_TRY(Persist(kProductPrefix + name, nullptr));
  if (steps) steps->push_back("deleted catalog entry " + name);
  {
    std::unique_lock lock(mu_);
    for (auto it = contract_status_.begin(); it != contract_status_.end();) {
      it = it->first.first == name ? contract_status_.erase(it) : std::next(it);
    }
  }
  if (delete_topics && log_) {
    for (const auto& port : p->outputs) {
      Status s = log_->DeleteTopic(port.topic);
      if (steps) steps->push_back(s.ok() ? "deleted topic " + port.topic : "topic " + port.topic + ": " + s.message());
    }
  }
  Notify();
  return Status::Ok();
}

// ---------------------------------------------------------------- describe / search

json::object ProductCatalog::PortRuntimeJson(const DataProduct& p, const OutputPort& port) const {
  json::object rt;
  int64_t now = Now();
  if (registry_ && !port.schema_subject.empty()) {
    auto versions = registry_->ListVersions(port.schema_subject, false, false);
    if (versions.ok()) {
      json::array a;
      for (int32_t v : versions.value()) a.emplace_back(v);
      rt["schema_versions"] = std::move(a);
    }
  }
  auto status = GetContractStatus(p.name, port.name);
  bool monitored = !port.contract.rules.empty() || port.contract.completeness_min_ratio ||
                   port.contract.freshness_max_delay_ms;
  if (status) {
    rt["contract_status"] = json::object{{"status", status->status}, {"reason", status->reason},
                                         {"updated_ms", status->updated_ms}};
  } else {
    rt["contract_status"] = json::object{{"status", monitored ? "pending" : "unmonitored"}, {"reason", ""}};
  }
  if (!log_) return rt;
  auto d = log_->DescribeTopic(port.topic);
  if (!d.ok()) {
    rt["topic_exists"] = false;
    return rt;
  }
  rt["topic_exists"] = true;
  rt["partitions"] = static_cast<int64_t>(d->partitions.size());
  int64_t end_sum = 0, retained = 0, last_ts = -1;
  for (const auto& part : d->partitions) {
    end_sum += part.end_offset;
    retained += part.end_offset - part.start_offset;
    if (part.end_offset > part.start_offset) {
      auto f = log_->Fetch(port.topic, part.partition, part.end_offset - 1, 1 << 16);
      std::string bytes;
      if (f.ok() && f->ReadInto(&bytes).ok()) {
        auto batches = record::SplitBatches(bytes, true);
        if (batches.ok()) {
          for (auto b : batches.value()) {
            auto h = record::ParseHeader(b);
            if (h.ok()) last_ts = std::max(last_ts, h->max_timestamp);
          }
        }
      }
    }
  }
  rt["events_total"] = end_sum;
  rt["events_retained"] = retained;
  if (last_ts >= 0) {
    rt["last_event_time_ms"] = last_ts;
    rt["last_event_age_ms"] = std::max<int64_t>(0, now - last_ts);
  } else {
    rt["last_event_time_ms"] = nullptr;
  }
  {
    // Throughput: events per second between the oldest sample of the last
    // five minutes and now (sampled whenever the entry is described).
    std::lock_guard<std::mutex> lock(samples_mu_);
    auto& s = samples_[port.topic];
    s.emplace_back(now, end_sum);
    while (s.size() > 1 && now - s.front().first > 5 * 60 * 1000) s.erase(s.begin());
    if (s.size() > 64) s.erase(s.begin() + 1);
    double dt = (s.back().first - s.front().first) / 1000.0;
    if (dt >= 1.0) rt["events_per_sec"] = (s.back().second - s.front().second) / dt;
    else rt["events_per_sec"] = nullptr;
  }
  json::array consumers;
  for (const auto& group : log_->ListGroupsWithOffsets()) {
    int64_t lag = 0;
    bool reads = false;
    for (const auto& c : log_->ListCommitted(group)) {
      if (c.topic != port.topic) continue;
      reads = true;
      for (const auto& part : d->partitions) {
        if (part.partition == c.partition) lag += std::max<int64_t>(0, part.end_offset - c.offset);
      }
    }
    if (reads) consumers.push_back(json::object{{"group", group}, {"lag", lag}});
  }
  rt["consumers"] = std::move(consumers);
  return rt;
}

json::object ProductCatalog::DescribeJson(const DataProduct& p) const {
  json::object o = ProductToJson(p);
  json::array topics;
  auto& outs = o["outputs"].as_array();
  for (size_t i = 0; i < p.outputs.size() && i < outs.size(); ++i) {
    topics.emplace_back(p.outputs[i].topic);
    outs[i].as_object()["runtime"] = PortRuntimeJson(p, p.outputs[i]);
  }
  o["topics"] = std::move(topics);
  return o;
}

std::vector<ProductCatalog::SearchHit> ProductCatalog::Search(const std::string& query) const {
  std::string q = Lower(query);
  std::vector<std::pair<int, SearchHit>> scored;
  for (const auto& p : List()) {
    SearchHit hit{p, {}};
    int score = 0;
    auto check = [&](const std::string& text, const std::string& label, int weight) {
      if (!q.empty() && Lower(text).find(q) != std::string::npos) {
        hit.matched.push_back(label);
        score += weight;
      }
    };
    check(p->name, "name", 100);
    check(p->domain, "domain", 40);
    check(p->owner, "owner", 20);
    check(p->description, "description", 20);
    for (const auto& t : p->tags) check(t, "tag:" + t, 30);
    for (const auto& in : p->inputs) check(in.name, "input:" + in.name, 10);
    for (const auto& port : p->outputs) {
      check(port.name, "port:" + port.name, 50);
      if (port.topic != port.name) check(port.topic, "topic:" + port.topic, 50);
      check(port.description, "port-description:" + port.name, 15);
      for (const auto& [f, type] : SchemaFields(port.schema_text)) check(f, "field:" + f, 10);
    }
    if (q.empty()) score = 1;
    if (score > 0) scored.emplace_back(score, std::move(hit));
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<SearchHit> out;
  for (auto& [s, h] : scored) out.push_back(std::move(h));
  return out;
}

}  // namespace meshd::catalog
