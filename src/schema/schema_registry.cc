#include "schema/schema_registry.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <set>

#include "base/logging.h"
#include "metrics/metrics.h"
#include "record/record_batch.h"
#include "schema/batch_work_sharing.h"
#include "storage/internal_topic.h"

namespace meshd::schema {

namespace json = boost::json;

struct SchemaRegistry::Compiled {
  ParsedSchema parsed;
  std::optional<JsonSchemaValidator> validator;  // JSON type
  std::string record_name;  // Avro root full name, or JSON "title"
};

namespace {

RegistryError Err(int code, std::string msg) { return RegistryError{code, std::move(msg)}; }

// Confluent's rule (QualifiedSubject.isValidSubject): no ISO control
// characters (C0, DEL, C1), and not one of the reserved context names.
bool ValidSubjectName(const std::string& s) {
  if (s.empty() || s == "__GLOBAL" || s == "__EMPTY") return false;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    // U+0080..U+009F are C2 80..C2 9F in UTF-8.
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      return false;
    }
  }
  return true;
}

RegistryError SubjectNotFound(const std::string& s) {
  return Err(40401, "Subject '" + s + "' not found.");
}
RegistryError VersionNotFound(const std::string& s, const std::string& v) {
  return Err(40402, "Version " + v + " not found.");
  (void)s;
}

std::optional<int32_t> ParseInt32(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < INT32_MIN || v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(v);
}

json::value RefsToJson(const std::vector<SchemaReference>& refs) {
  json::array a;
  for (const auto& r : refs) {
    a.push_back(json::object{{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  }
  return a;
}

std::vector<SchemaReference> RefsFromJson(const json::value* v) {
  std::vector<SchemaReference> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& e : v->get_array()) {
    if (!e.is_object()) continue;
    SchemaReference r;
    const auto& o = e.get_object();
    if (const auto* x = o.if_contains("name"); x && x->is_string()) r.name = std::string(x->get_string());
    if (const auto* x = o.if_contains("subject"); x && x->is_string()) r.subject = std::string(x->get_string());
    if (const auto* x = o.if_contains("version"); x && x->is_int64()) r.version = static_cast<int32_t>(x->get_int64());
    out.push_back(std::move(r));
  }
  return out;
}

metrics::Counter& Counter(const char* name, const char* help, const std::string& subject) {
  return metrics::Registry::Default().GetCounter(name, help, {{"subject", subject}});
}

}  // namespace

std::optional<RegistryMode> ParseRegistryMode(std::string_view s) {
  if (s == "READWRITE") return RegistryMode::kReadWrite;
  if (s == "READONLY") return RegistryMode::kReadOnly;
  if (s == "READONLY_OVERRIDE") return RegistryMode::kReadOnlyOverride;
  if (s == "IMPORT") return RegistryMode::kImport;
  return std::nullopt;
}

std::string_view RegistryModeName(RegistryMode m) {
  switch (m) {
    case RegistryMode::kReadWrite: return "READWRITE";
    case RegistryMode::kReadOnly: return "READONLY";
    case RegistryMode::kReadOnlyOverride: return "READONLY_OVERRIDE";
    case RegistryMode::kImport: return "IMPORT";
  }
  return "READWRITE";
}

// meshd's own configs win; Confluent Server's names (validated by storage)
// stand in when they are absent: confluent.<side>.schema.validation=true is
// strict, and confluent.<side>.subject.name.strategy names a strategy class.
// Read for every produced batch (RecordValidator::Enabled): the keys are
// built once, so a lookup allocates nothing.
TopicSchemaPolicy TopicSchemaPolicy::FromConfig(const storage::TopicConfig& config, bool is_key) {
  static const std::string kMode[2] = {"schema.validation", "schema.key.validation"};
  static const std::string kConfluentMode[2] = {"confluent.value.schema.validation",
                                                "confluent.key.schema.validation"};
  static const std::string kStrategy = "schema.subject.strategy";
  static const std::string kConfluentStrategy[2] = {"confluent.value.subject.name.strategy",
                                                    "confluent.key.subject.name.strategy"};
  const int side = is_key ? 1 : 0;
  TopicSchemaPolicy p;
  if (auto it = config.raw.find(kMode[side]); it != config.raw.end()) {
    if (it->second == "warn") p.mode = ValidationMode::kWarn;
    if (it->second == "strict") p.mode = ValidationMode::kStrict;
  } else if (auto c = config.raw.find(kConfluentMode[side]); c != config.raw.end() && c->second == "true") {
    p.mode = ValidationMode::kStrict;
  }
  std::string_view strategy;
  if (auto it = config.raw.find(kStrategy); it != config.raw.end()) {
    strategy = it->second;
  } else if (auto c = config.raw.find(kConfluentStrategy[side]); c != config.raw.end()) {
    strategy = c->second;
    strategy.remove_prefix(strategy.rfind('.') + 1);  // the class name (npos + 1 = 0)
    if (strategy.ends_with("Strategy")) strategy.remove_suffix(8);
  }
  if (strategy == "RecordName") p.strategy = SubjectStrategy::kRecordName;
  if (strategy == "TopicRecordName") p.strategy = SubjectStrategy::kTopicRecordName;
  return p;
}

SchemaRegistry::~SchemaRegistry() = default;

Result<std::unique_ptr<SchemaRegistry>> SchemaRegistry::Open(storage::EventLog* log) {
  std::unique_ptr<SchemaRegistry> r(new SchemaRegistry(log));
  if (log != nullptr) {
    MESHD_TRY(storage::EnsureInternalTopic(*log, kTopic));
    MESHD_TRY(r->Replay());
  }
  return r;
}

Status SchemaRegistry::Replay() {
  return storage::ReplayTopic(*log_, kTopic, 0, [this](const record::Record& rec) {
    if (!rec.key) return;
    boost::system::error_code ec;
    json::value key = json::parse(*rec.key, ec);
    if (ec) return;
    if (rec.value) {
      json::value val = json::parse(*rec.value, ec);
      if (!ec) Apply(key, &val);
    } else {
      Apply(key, nullptr);
    }
  });
}

// Applies one `_schemas` record (null value = tombstone) to the in-memory state.
void SchemaRegistry::Apply(const json::value& key, const json::value* value) {
  {
    // Any change may alter what a framed id resolves to (registration,
    // soft/hard delete); the produce path re-resolves on its next record.
    std::unique_lock<std::shared_mutex> lock(framed_mu_);
    framed_.clear();
  }
  if (!key.is_object()) return;
  const auto& k = key.get_object();
  const auto* kt = k.if_contains("keytype");
  if (!kt || !kt->is_string()) return;
  std::string subject;
  if (const auto* s = k.if_contains("subject"); s && s->is_string()) subject = std::string(s->get_string());
  if (kt->get_string() == "SCHEMA") {
    const auto* vv = k.if_contains("version");
    if (!vv || !vv->is_int64()) return;
    int32_t version = static_cast<int32_t>(vv->get_int64());
    auto& versions = subjects_[subject];
    auto it = std::find_if(versions.begin(), versions.end(),
                           [&](const Version& v) { return v.version == version; });
    if (value == nullptr || !value->is_object()) {
      if (it != versions.end()) versions.erase(it);
      if (versions.empty()) subjects_.erase(subject);
      return;
    }
    const auto& v = value->get_object();
    StoredSchema st;
    st.id = static_cast<int32_t>(v.at("id").to_number<int64_t>());
    if (const auto* t = v.if_contains("schemaType"); t && t->is_string()) {
      st.type = ParseSchemaType(t->get_string()).value_or(SchemaType::kAvro);
    }
    st.schema = std::string(v.at("schema").as_string());
    st.references = RefsFromJson(v.if_contains("references"));
    bool deleted = false;
    if (const auto* d = v.if_contains("deleted"); d && d->is_bool()) deleted = d->get_bool();
    SchemaInput in{st.schema, st.type, st.references, std::nullopt, std::nullopt};
    id_by_identity_.emplace(IdentityKey(in), st.id);
    schemas_.emplace(st.id, st);
    max_id_ = std::max(max_id_, st.id);
    if (it != versions.end()) {
      it->id = st.id;
      it->deleted = deleted;
    } else {
      versions.push_back({version, st.id, deleted});
      std::sort(versions.begin(), versions.end(),
                [](const Version& a, const Version& b) { return a.version < b.version; });
    }
  } else if (kt->get_string() == "CONFIG") {
    std::optional<CompatibilityLevel> level;
    if (value && value->is_object()) {
      if (const auto* l = value->get_object().if_contains("compatibilityLevel"); l && l->is_string()) {
        level = ParseCompatibilityLevel(l->get_string());
      }
    }
    if (subject.empty()) {
      global_level_ = level;
    } else if (level) {
      subject_level_[subject] = *level;
    } else {
      subject_level_.erase(subject);
    }
  } else if (kt->get_string() == "MODE") {
    std::optional<RegistryMode> mode;
    if (value && value->is_object()) {
      if (const auto* m = value->get_object().if_contains("mode"); m && m->is_string()) {
        mode = ParseRegistryMode(m->get_string());
      }
    }
    if (subject.empty()) {
      global_mode_ = mode;
    } else if (mode) {
      subject_mode_[subject] = *mode;
    } else {
      subject_mode_.erase(subject);
    }
  }
}

Status SchemaRegistry::Persist(const json::value& key, const json::value* value) {
  if (log_ != nullptr) {
    record::RecordBatchBuilder b;
    std::string k = json::serialize(key);
    std::optional<std::string> v;
    if (value) v = json::serialize(*value);
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    b.Add(now, k, v ? std::optional<std::string_view>(*v) : std::nullopt);
    auto r = log_->Append(kTopic, 0, b.Build());
    if (!r.ok()) return r.status();
  }
  Apply(key, value);
  return Status::Ok();
}

std::string SchemaRegistry::IdentityKey(const SchemaInput& input) {
  std::string key(SchemaTypeName(input.type));
  key += '\n';
  boost::system::error_code ec;
  json::value v = json::parse(input.schema, ec);
  key += ec ? input.schema : json::serialize(v);
  for (const auto& r : input.references) {
    key += "\n" + r.name + "\t" + r.subject + "\t" + std::to_string(r.version);
  }
  return key;
}

RegResult<std::shared_ptr<const SchemaRegistry::Compiled>> SchemaRegistry::CompileLocked(
    const SchemaInput& input) {
  if (input.type == SchemaType::kProtobuf) {
    return Err(42201, "Invalid schema: PROTOBUF schemas are not supported by meshd yet "
                      "(supported types: AVRO, JSON)");
  }
  // Resolve references (depth-first, dependencies first), including
  // soft-deleted versions as Confluent does.
  std::vector<std::string> ordered;               // Avro: texts in dependency order
  std::map<std::string, std::string> by_name;     // JSON: $ref name → text
  std::set<std::pair<std::string, int32_t>> seen;
  std::function<std::optional<RegistryError>(const std::vector<SchemaReference>&, int)> resolve =
      [&](const std::vector<SchemaReference>& refs, int depth) -> std::optional<RegistryError> {
    if (depth > 32) return Err(42201, "Invalid schema: references nest too deeply");
    for (const auto& r : refs) {
      auto sit = subjects_.find(r.subject);
      const Version* found = nullptr;
      if (sit != subjects_.end()) {
        for (const auto& v : sit->second) {
          if (v.version == r.version || (r.version == -1 && &v == &sit->second.back())) found = &v;
        }
      }
      if (found == nullptr) {
        return Err(42201, "Invalid schema: reference '" + r.name + "' points at subject '" +
                              r.subject + "' version " + std::to_string(r.version) +
                              ", which does not exist");
      }
      const StoredSchema& st = schemas_.at(found->id);
      if (!seen.insert({r.subject, found->version}).second) continue;
      if (auto e = resolve(st.references, depth + 1)) return e;
      ordered.push_back(st.schema);
      by_name[r.name] = st.schema;
    }
    return std::nullopt;
  };
  if (auto e = resolve(input.references, 0)) return *e;
  auto c = std::make_shared<Compiled>();
  c->parsed.type = input.type;
  if (input.type == SchemaType::kAvro) {
    auto s = AvroSchema::Parse(input.schema, ordered);
    if (!s.ok()) return Err(42201, "Invalid schema: " + s.status().message());
    c->record_name = s->RootName();
    c->parsed.avro = std::move(*s);
  } else {
    boost::system::error_code ec;
    c->parsed.json = json::parse(input.schema, ec);
    if (ec) return Err(42201, "Invalid schema: JSON Schema is not valid JSON: " + ec.message());
    if (!c->parsed.json.is_object() && !c->parsed.json.is_bool()) {
      return Err(42201, "Invalid schema: a JSON Schema must be an object or a boolean");
    }
    if (c->parsed.json.is_object()) {
      if (const auto* t = c->parsed.json.get_object().if_contains("title"); t && t->is_string()) {
        c->record_name = std::string(t->get_string());
      }
    }
    JsonSchemaValidator::Options opts;
    opts.loader = [by_name](const std::string& uri) -> std::optional<std::string> {
      if (auto it = by_name.find(uri); it != by_name.end()) return it->second;
      for (const auto& [name, text] : by_name) {
        // A reference name may be relative ("customer.json") while the $ref
        // resolved against the schema's $id is absolute.
        if (uri.size() >= name.size() && uri.compare(uri.size() - name.size(), name.size(), name) == 0 &&
            (uri.size() == name.size() || uri[uri.size() - name.size() - 1] == '/')) {
          return text;
        }
      }
      return std::nullopt;
    };
    auto v = JsonSchemaValidator::Compile(c->parsed.json, opts);
    if (!v.ok()) return Err(42201, "Invalid schema: " + v.status().message());
    c->validator = std::move(*v);
  }
  return std::shared_ptr<const Compiled>(std::move(c));
}

RegResult<std::shared_ptr<const SchemaRegistry::Compiled>> SchemaRegistry::CompiledForId(int32_t id) {
  if (auto it = compiled_.find(id); it != compiled_.end()) return it->second;
  auto st = schemas_.find(id);
  if (st == schemas_.end()) return Err(40403, "Schema " + std::to_string(id) + " not found");
  SchemaInput in{st->second.schema, st->second.type, st->second.references, std::nullopt, std::nullopt};
  auto c = CompileLocked(in);
  if (!c.ok()) return c.error();
  compiled_[id] = c.value();
  return c.value();
}

bool SchemaRegistry::SubjectLiveLocked(const std::string& subject) const {
  auto it = subjects_.find(subject);
  if (it == subjects_.end()) return false;
  for (const auto& v : it->second) {
    if (!v.deleted) return true;
  }
  return false;
}

CompatibilityLevel SchemaRegistry::LevelLocked(const std::string& subject) const {
  if (auto it = subject_level_.find(subject); it != subject_level_.end()) return it->second;
  return global_level_.value_or(CompatibilityLevel::kBackward);
}

RegistryMode SchemaRegistry::ModeLocked(const std::string& subject) const {
  if (auto it = subject_mode_.find(subject); it != subject_mode_.end()) return it->second;
  return global_mode_.value_or(RegistryMode::kReadWrite);
}

RegResult<int32_t> SchemaRegistry::ResolveVersionLocked(const std::string& subject,
                                                        const std::string& version,
                                                        bool include_deleted, const Version** out) {
  std::optional<int32_t> n;
  if (version == "latest") {
    n = -1;
  } else {
    n = ParseInt32(version);
    if (!n || (*n <= 0 && *n != -1)) {
      return Err(42202, "The specified version '" + version +
                            "' is not a valid version id. Allowed values are between [1, "
                            "2^31-1] and the string \"latest\"");
    }
  }
  auto it = subjects_.find(subject);
  if (it == subjects_.end() || (!include_deleted && !SubjectLiveLocked(subject))) {
    return SubjectNotFound(subject);
  }
  const Version* found = nullptr;
  for (const auto& v : it->second) {
    if (v.deleted && !include_deleted) continue;
    if (*n == -1 || v.version == *n) found = &v;
  }
  if (found == nullptr) return VersionNotFound(subject, version);
  *out = found;
  return found->version;
}

VersionInfo SchemaRegistry::InfoLocked(const std::string& subject, const Version& v) const {
  const StoredSchema& st = schemas_.at(v.id);
  return VersionInfo{subject, v.version, v.id, st.type, st.schema, st.references, v.deleted};
}

std::vector<std::string> SchemaRegistry::CheckLocked(const std::string& subject,
                                                     const Compiled& candidate, const Version* only) {
  std::vector<const ParsedSchema*> previous;
  std::vector<std::shared_ptr<const Compiled>> keep;
  CompatibilityLevel level = LevelLocked(subject);
  auto add = [&](const Version& v) -> std::optional<std::string> {
    auto c = CompiledForId(v.id);
    if (!c.ok()) return "version " + std::to_string(v.version) + " cannot be parsed: " + c.error().message;
    keep.push_back(c.value());
    previous.push_back(&c.value()->parsed);
    return std::nullopt;
  };
  if (only != nullptr) {
    if (auto e = add(*only)) return {*e};
    // Against one version: the level's directions, without transitivity.
    if (level == CompatibilityLevel::kBackwardTransitive) level = CompatibilityLevel::kBackward;
    if (level == CompatibilityLevel::kForwardTransitive) level = CompatibilityLevel::kForward;
    if (level == CompatibilityLevel::kFullTransitive) level = CompatibilityLevel::kFull;
  } else if (auto it = subjects_.find(subject); it != subjects_.end()) {
    for (const auto& v : it->second) {
      if (v.deleted) continue;  // soft-deleted versions are ignored
      if (auto e = add(v)) return {*e};
    }
  }
  return CheckCompatibility(level, candidate.parsed, previous);
}

RegResult<std::pair<int32_t, int32_t>> SchemaRegistry::Register(const std::string& subject,
                                                                SchemaInput input) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ValidSubjectName(subject)) {
    std::string shown;
    for (char c : subject) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\x%02x", u);
        shown += buf;
      } else {
        shown += c;
      }
    }
    return Err(42208, "The specified subject '" + shown + "' is not a valid subject name "
                      "(empty, a control character, or a reserved name)");
  }
  RegistryMode mode = ModeLocked(subject);
  if (mode == RegistryMode::kReadOnly || mode == RegistryMode::kReadOnlyOverride) {
    return Err(42205, "Subject " + subject + " is in read-only mode");
  }
  if (input.id && mode != RegistryMode::kImport) {
    return Err(42205, "Subject " + subject + " is not in import mode; a schema id can only be "
                      "given in IMPORT mode");
  }
  if (input.schema.size() > (1u << 20)) return Err(42209, "Schema is too large (over 1 MiB)");
  auto compiled = CompileLocked(input);
  if (!compiled.ok()) return compiled.error();
  std::string identity = IdentityKey(input);
  auto known = id_by_identity_.find(identity);
  auto& versions = subjects_[subject];
  // Idempotent: the same schema live under the subject.
  if (known != id_by_identity_.end()) {
    for (const auto& v : versions) {
      if (!v.deleted && v.id == known->second) {
        if (input.id && *input.id != v.id) {
          return Err(42207, "Schema already registered with id " + std::to_string(v.id) +
                                " instead of input id " + std::to_string(*input.id));
        }
        return std::make_pair(v.id, v.version);
      }
    }
  }
  if (mode != RegistryMode::kImport) {
    auto msgs = CheckLocked(subject, *compiled.value(), nullptr);
    if (!msgs.empty()) {
      if (versions.empty()) subjects_.erase(subject);
      Counter("meshd_schema_compatibility_rejections_total",
              "Schemas rejected as incompatible", subject).Inc();
      std::string m = "Schema being registered is incompatible with an earlier schema for subject \"" +
                      subject + "\", details: [";
      for (size_t i = 0; i < msgs.size(); ++i) m += (i ? ", " : "") + msgs[i];
      return Err(409, m + "]");
    }
  }
  int32_t id;
  if (input.id) {
    id = *input.id;
    if (auto st = schemas_.find(id); st != schemas_.end() && IdentityKey(SchemaInput{
            st->second.schema, st->second.type, st->second.references, {}, {}}) != identity) {
      if (versions.empty()) subjects_.erase(subject);
      return Err(42207, "Overwrite new schema with id " + std::to_string(id) +
                            " is not permitted: the id holds another schema");
    }
  } else if (known != id_by_identity_.end()) {
    id = known->second;
  } else {
    id = max_id_ + 1;
  }
  int32_t version = versions.empty() ? 1 : versions.back().version + 1;
  if (input.version) {
    for (const auto& v : versions) {
      if (v.version == *input.version) {
        return Err(42205, "Version " + std::to_string(*input.version) + " already exists");
      }
    }
    version = *input.version;
  }
  if (versions.empty()) subjects_.erase(subject);
  json::object key{{"keytype", "SCHEMA"}, {"subject", subject}, {"version", version}, {"magic", 1}};
  json::object val{{"subject", subject},
                   {"version", version},
                   {"id", id},
                   {"schemaType", SchemaTypeName(input.type)},
                   {"schema", input.schema},
                   {"references", RefsToJson(input.references)},
                   {"deleted", false}};
  json::value v(val);
  Status s = Persist(key, &v);
  if (!s.ok()) return Err(50001, "Error while registering schema: " + s.message());
  compiled_.emplace(id, compiled.value());
  return std::make_pair(id, version);
}

RegResult<VersionInfo> SchemaRegistry::Lookup(const std::string& subject, const SchemaInput& input,
                                              bool include_deleted) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subjects_.find(subject);
  if (it == subjects_.end() || (!include_deleted && !SubjectLiveLocked(subject))) {
    return SubjectNotFound(subject);
  }
  auto compiled = CompileLocked(input);
  if (!compiled.ok()) return compiled.error();
  auto known = id_by_identity_.find(IdentityKey(input));
  if (known != id_by_identity_.end()) {
    for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
      if ((!v->deleted || include_deleted) && v->id == known->second) return InfoLocked(subject, *v);
    }
  }
  return Err(40403, "Schema not found");
}

RegResult<VersionInfo> SchemaRegistry::GetVersion(const std::string& subject, const std::string& version,
                                                  bool include_deleted) {
  std::lock_guard<std::mutex> lock(mu_);
  const Version* v = nullptr;
  auto r = ResolveVersionLocked(subject, version, include_deleted, &v);
  if (!r.ok()) return r.error();
  return InfoLocked(subject, *v);
}

RegResult<std::vector<int32_t>> SchemaRegistry::ListVersions(const std::string& subject,
                                                             bool include_deleted, bool deleted_only) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subjects_.find(subject);
  if (it == subjects_.end() || (!include_deleted && !deleted_only && !SubjectLiveLocked(subject))) {
    return SubjectNotFound(subject);
  }
  std::vector<int32_t> out;
  for (const auto& v : it->second) {
    if (deleted_only ? v.deleted : (!v.deleted || include_deleted)) out.push_back(v.version);
  }
  return out;
}

std::vector<std::string> SchemaRegistry::ListSubjects(const std::string& prefix, bool include_deleted,
                                                      bool deleted_only) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [s, versions] : subjects_) {
    if (s.rfind(prefix, 0) != 0) continue;
    bool live = SubjectLiveLocked(s);
    if (deleted_only ? !live : (live || include_deleted)) out.push_back(s);
  }
  return out;
}

RegResult<std::vector<int32_t>> SchemaRegistry::DeleteSubject(const std::string& subject, bool permanent) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ModeLocked(subject) == RegistryMode::kReadOnly) {
    return Err(42205, "Subject " + subject + " is in read-only mode");
  }
  auto it = subjects_.find(subject);
  if (it == subjects_.end()) return SubjectNotFound(subject);
  bool live = SubjectLiveLocked(subject);
  if (permanent && live) {
    return Err(40405, "Subject '" + subject + "' was not deleted first before being permanently "
                      "deleted");
  }
  if (!permanent && !live) {
    return Err(40404, "Subject '" + subject + "' was soft deleted.Set permanent=true to delete "
                      "permanently");
  }
  // Referenced versions cannot go.
  for (const auto& [s, versions] : subjects_) {
    if (s == subject) continue;
    for (const auto& v : versions) {
      if (v.deleted && !permanent) continue;
      for (const auto& r : schemas_.at(v.id).references) {
        if (r.subject == subject) {
          return Err(42206, "One or more references exist to the schema {subject=" + subject +
                                ", version=" + std::to_string(r.version) + "} (referenced by '" +
                                s + "' version " + std::to_string(v.version) + ")");
        }
      }
    }
  }
  std::vector<int32_t> out;
  std::vector<Version> copy = it->second;
  for (const auto& v : copy) {
    if (!permanent && v.deleted) continue;
    out.push_back(v.version);
    json::object key{{"keytype", "SCHEMA"}, {"subject", subject}, {"version", v.version}, {"magic", 1}};
    Status s;
    if (permanent) {
      s = Persist(key, nullptr);
    } else {
      VersionInfo info = InfoLocked(subject, v);
      json::value val(json::object{{"subject", subject}, {"version", v.version}, {"id", v.id},
                                   {"schemaType", SchemaTypeName(info.type)}, {"schema", info.schema},
                                   {"references", RefsToJson(info.references)}, {"deleted", true}});
      s = Persist(key, &val);
    }
    if (!s.ok()) return Err(50001, "Error while deleting subject: " + s.message());
  }
  if (permanent) {
    if (subject_level_.count(subject)) {
      (void)Persist(json::object{{"keytype", "CONFIG"}, {"subject", subject}, {"magic", 0}}, nullptr)
          .ok();
    }
    if (subject_mode_.count(subject)) {
      (void)Persist(json::object{{"keytype", "MODE"}, {"subject", subject}, {"magic", 0}}, nullptr).ok();
    }
  }
  return out;
}

RegResult<int32_t> SchemaRegistry::DeleteVersion(const std::string& subject, const std::string& version,
                                                 bool permanent) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ModeLocked(subject) == RegistryMode::kReadOnly) {
    return Err(42205, "Subject " + subject + " is in read-only mode");
  }
  const Version* v = nullptr;
  auto r = ResolveVersionLocked(subject, version, /*include_deleted=*/true, &v);
  if (!r.ok()) return r.error();
  if (version == "latest" || version == "-1") {
    // "latest" means the latest live version for a soft delete.
    const Version* live = nullptr;
    for (const auto& x : subjects_[subject]) {
      if (!x.deleted) live = &x;
    }
    if (!permanent && live) v = live;
  }
  if (permanent && !v->deleted) {
    return Err(40407, "Subject '" + subject + "' Version " + std::to_string(v->version) +
                          " was not deleted first before being permanently deleted");
  }
  if (!permanent && v->deleted) {
    return Err(40406, "Subject '" + subject + "' Version " + std::to_string(v->version) +
                          " was soft deleted.Set permanent=true to delete permanently");
  }
  for (const auto& [s, versions] : subjects_) {
    for (const auto& x : versions) {
      if (x.deleted && !permanent) continue;
      for (const auto& ref : schemas_.at(x.id).references) {
        if (ref.subject == subject && ref.version == v->version) {
          return Err(42206, "One or more references exist to the schema {subject=" + subject +
                                ", version=" + std::to_string(v->version) + "}");
        }
      }
    }
  }
  int32_t number = v->version;
  json::object key{{"keytype", "SCHEMA"}, {"subject", subject}, {"version", number}, {"magic", 1}};
  Status s;
  if (permanent) {
    s = Persist(key, nullptr);
  } else {
    VersionInfo info = InfoLocked(subject, *v);
    json::value val(json::object{{"subject", subject}, {"version", number}, {"id", info.id},
                                 {"schemaType", SchemaTypeName(info.type)}, {"schema", info.schema},
                                 {"references", RefsToJson(info.references)}, {"deleted", true}});
    s = Persist(key, &val);
  }
  if (!s.ok()) return Err(50001, "Error while deleting version: " + s.message());
  return number;
}

RegResult<std::vector<int32_t>> SchemaRegistry::ReferencedBy(const std::string& subject,
                                                             const std::string& version) {
  std::lock_guard<std::mutex> lock(mu_);
  const Version* v = nullptr;
  auto r = ResolveVersionLocked(subject, version, false, &v);
  if (!r.ok()) return r.error();
  std::set<int32_t> ids;
  for (const auto& [s, versions] : subjects_) {
    for (const auto& x : versions) {
      if (x.deleted) continue;
      for (const auto& ref : schemas_.at(x.id).references) {
        if (ref.subject == subject && ref.version == v->version) ids.insert(x.id);
      }
    }
  }
  return std::vector<int32_t>(ids.begin(), ids.end());
}

RegResult<VersionInfo> SchemaRegistry::GetSchemaById(int32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = schemas_.find(id);
  bool referenced = false;
  for (const auto& [s, versions] : subjects_) {
    for (const auto& v : versions) referenced = referenced || v.id == id;
  }
  if (it == schemas_.end() || !referenced) return Err(40403, "Schema " + std::to_string(id) + " not found");
  VersionInfo info;
  info.id = id;
  info.type = it->second.type;
  info.schema = it->second.schema;
  info.references = it->second.references;
  return info;
}

RegResult<std::vector<std::pair<std::string, int32_t>>> SchemaRegistry::SubjectVersionsForId(
    int32_t id, bool include_deleted) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, int32_t>> out;
  for (const auto& [s, versions] : subjects_) {
    for (const auto& v : versions) {
      if (v.id == id && (!v.deleted || include_deleted)) out.emplace_back(s, v.version);
    }
  }
  if (out.empty()) return Err(40403, "Schema " + std::to_string(id) + " not found");
  return out;
}

std::vector<VersionInfo> SchemaRegistry::ListLatestSchemas(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<VersionInfo> out;
  for (const auto& [s, versions] : subjects_) {
    if (s.rfind(prefix, 0) != 0) continue;
    const Version* latest = nullptr;
    for (const auto& v : versions) {
      if (!v.deleted) latest = &v;
    }
    if (latest) out.push_back(InfoLocked(s, *latest));
  }
  return out;
}

RegResult<CompatibilityLevel> SchemaRegistry::GetConfig(const std::string& subject, bool default_to_global) {
  std::lock_guard<std::mutex> lock(mu_);
  if (subject.empty()) return global_level_.value_or(CompatibilityLevel::kBackward);
  if (auto it = subject_level_.find(subject); it != subject_level_.end()) return it->second;
  if (default_to_global) return global_level_.value_or(CompatibilityLevel::kBackward);
  return Err(40408, "Subject '" + subject + "' does not have subject-level compatibility configured");
}

RegResult<CompatibilityLevel> SchemaRegistry::SetConfig(const std::string& subject, const std::string& level) {
  std::string upper = level;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto l = ParseCompatibilityLevel(upper);
  if (!l) {
    return Err(42203, "Invalid compatibility level. Valid values are none, backward, forward, full, "
                      "backward_transitive, forward_transitive, and full_transitive");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (ModeLocked(subject) == RegistryMode::kReadOnly && !subject.empty()) {
    return Err(42205, "Subject " + subject + " is in read-only mode");
  }
  json::object key{{"keytype", "CONFIG"}, {"magic", 0}};
  key["subject"] = subject.empty() ? json::value(nullptr) : json::value(subject);
  json::value val(json::object{{"compatibilityLevel", CompatibilityLevelName(*l)}});
  Status s = Persist(key, &val);
  if (!s.ok()) return Err(50001, "Error while updating config: " + s.message());
  return *l;
}

RegResult<CompatibilityLevel> SchemaRegistry::DeleteConfig(const std::string& subject) {
  std::lock_guard<std::mutex> lock(mu_);
  CompatibilityLevel previous;
  if (subject.empty()) {
    previous = global_level_.value_or(CompatibilityLevel::kBackward);
  } else {
    auto it = subject_level_.find(subject);
    if (it == subject_level_.end()) {
      if (!subjects_.count(subject)) return SubjectNotFound(subject);
      return Err(40408, "Subject '" + subject + "' does not have subject-level compatibility configured");
    }
    previous = it->second;
  }
  json::object key{{"keytype", "CONFIG"}, {"magic", 0}};
  key["subject"] = subject.empty() ? json::value(nullptr) : json::value(subject);
  Status s = Persist(key, nullptr);
  if (!s.ok()) return Err(50001, "Error while deleting config: " + s.message());
  return previous;
}

RegResult<RegistryMode> SchemaRegistry::GetMode(const std::string& subject, bool default_to_global) {
  std::lock_guard<std::mutex> lock(mu_);
  if (subject.empty()) return global_mode_.value_or(RegistryMode::kReadWrite);
  if (auto it = subject_mode_.find(subject); it != subject_mode_.end()) return it->second;
  if (default_to_global) return global_mode_.value_or(RegistryMode::kReadWrite);
  return Err(40409, "Subject '" + subject + "' does not have subject-level mode configured");
}

RegResult<RegistryMode> SchemaRegistry::SetMode(const std::string& subject, const std::string& mode,
                                                bool force) {
  auto m = ParseRegistryMode(mode);
  if (!m) {
    return Err(42204, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (*m == RegistryMode::kImport && !force) {
    bool has = subject.empty() ? !subjects_.empty() : subjects_.count(subject) > 0;
    if (has) {
      return Err(42205, "Cannot import since found existing subjects (use force=true to override)");
    }
  }
  json::object key{{"keytype", "MODE"}, {"magic", 0}};
  key["subject"] = subject.empty() ? json::value(nullptr) : json::value(subject);
  json::value val(json::object{{"mode", RegistryModeName(*m)}});
  Status s = Persist(key, &val);
  if (!s.ok()) return Err(50001, "Error while updating mode: " + s.message());
  return *m;
}

RegResult<RegistryMode> SchemaRegistry::DeleteMode(const std::string& subject) {
  std::lock_guard<std::mutex> lock(mu_);
  RegistryMode previous = ModeLocked(subject);
  if (!subject.empty() && !subject_mode_.count(subject)) {
    return Err(40409, "Subject '" + subject + "' does not have subject-level mode configured");
  }
  json::object key{{"keytype", "MODE"}, {"magic", 0}};
  key["subject"] = subject.empty() ? json::value(nullptr) : json::value(subject);
  Status s = Persist(key, nullptr);
  if (!s.ok()) return Err(50001, "Error while deleting mode: " + s.message());
  return previous;
}

RegResult<std::vector<std::string>> SchemaRegistry::TestCompatibility(const std::string& subject,
                                                                      const std::string& version,
                                                                      const SchemaInput& input) {
  std::lock_guard<std::mutex> lock(mu_);
  const Version* only = nullptr;
  if (!version.empty()) {
    auto r = ResolveVersionLocked(subject, version, false, &only);
    if (!r.ok()) return r.error();
  }
  auto compiled = CompileLocked(input);
  if (!compiled.ok()) return compiled.error();
  return CheckLocked(subject, *compiled.value(), only);
}

RegResult<bool> SchemaRegistry::ValidateSchema(const SchemaInput& input) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = CompileLocked(input);
  if (!c.ok()) return c.error();
  return true;
}

// ---------------------------------------------------------------- publish path

Status SchemaRegistry::ValidateData(const Compiled& c, const json::value& data) const {
  if (c.parsed.type == SchemaType::kAvro) return c.parsed.avro->ValidateJson(data);
  return c.validator->Validate(data);
}

std::pair<metrics::Counter*, metrics::Counter*> SchemaRegistry::CountersFor(const std::string& subject) {
  // Cached per subject: Registry::GetCounter takes a lock and builds a label
  // map, too slow for every produced record.
  std::lock_guard<std::mutex> lock(counters_mu_);
  auto it = counters_.find(subject);
  if (it == counters_.end()) {
    it = counters_.emplace(subject, std::make_pair(
        &Counter("meshd_schema_validations_total", "Payloads validated against a registered schema", subject),
        &Counter("meshd_schema_validation_failures_total", "Payloads that failed schema validation", subject)))
        .first;
  }
  return it->second;
}

Status SchemaRegistry::Count(metrics::Counter* validations, metrics::Counter* failures,
                             const std::string& subject, const TopicSchemaPolicy& policy, Status s) {
  validations->Inc();
  if (s.ok()) return s;
  failures->Inc();
  if (policy.mode == ValidationMode::kWarn) {
    logging::Get("schema")->warn("schema validation failed (warn mode, accepted): subject '{}': {}",
                                 subject, s.message());
    return Status::Ok();
  }
  return s;
}

Status SchemaRegistry::Outcome(const std::string& subject, const TopicSchemaPolicy& policy, Status s) {
  auto [validations, failures] = CountersFor(subject);
  return Count(validations, failures, subject, policy, std::move(s));
}

namespace {

std::string SubjectFor(const std::string& topic, bool is_key, SubjectStrategy strategy,
                       const std::string& record) {
  switch (strategy) {
    case SubjectStrategy::kTopicName: return topic + (is_key ? "-key" : "-value");
    case SubjectStrategy::kRecordName: return record;
    case SubjectStrategy::kTopicRecordName: return topic + "-" + record;
  }
  return topic + "-value";
}

}  // namespace

Status SchemaRegistry::ValidateForTopic(const std::string& topic, const TopicSchemaPolicy& policy,
                                        const std::string& dataschema, const json::value& data) {
  if (policy.mode == ValidationMode::kNone) return Status::Ok();
  std::shared_ptr<const Compiled> compiled;
  std::string subject;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string version = "latest";
    std::optional<int32_t> id;
    std::string record = dataschema;
    if (auto p = dataschema.find("/schemas/ids/"); p != std::string::npos) {
      id = ParseInt32(dataschema.substr(p + 13));
      if (!id) return Outcome(topic + "-value", policy, Status::InvalidArgument("dataschema '" + dataschema + "' has an invalid schema id"));
    } else if (auto s = dataschema.find("/subjects/"); s != std::string::npos) {
      auto v = dataschema.find("/versions/", s + 10);
      subject = dataschema.substr(s + 10, v == std::string::npos ? std::string::npos : v - s - 10);
      if (v != std::string::npos) version = dataschema.substr(v + 10);
    }
    if (id) {
      auto c = CompiledForId(*id);
      if (!c.ok()) return Outcome(topic + "-value", policy, Status::InvalidArgument("event for topic '" + topic + "': " + c.error().message));
      compiled = c.value();
      subject = SubjectFor(topic, false, policy.strategy, compiled->record_name);
    } else {
      if (subject.empty()) {
        if (policy.strategy != SubjectStrategy::kTopicName && record.empty()) {
          return Outcome(topic + "-value", policy, Status::InvalidArgument(
              "event for topic '" + topic + "' names no record (dataschema) for the " +
              "RecordName/TopicRecordName subject strategy"));
        }
        subject = SubjectFor(topic, false, policy.strategy, record);
      }
      const Version* v = nullptr;
      auto r = ResolveVersionLocked(subject, version, false, &v);
      if (!r.ok()) {
        return Outcome(subject, policy, Status::InvalidArgument(
            "event for topic '" + topic + "': no schema for subject '" + subject + "' version " +
            version + " (" + r.error().message + ")"));
      }
      auto c = CompiledForId(v->id);
      if (!c.ok()) return Outcome(subject, policy, Status::Internal(c.error().message));
      compiled = c.value();
    }
  }
  Status s = ValidateData(*compiled, data);
  if (!s.ok()) {
    s = Status::InvalidArgument("event for topic '" + topic + "' does not match schema of subject '" +
                                subject + "': " + s.message());
  }
  return Outcome(subject, policy, std::move(s));
}

SchemaRegistry::FramedTarget SchemaRegistry::ResolveFramedLocked(const FramedKeyView& key) {
  FramedTarget t;
  const std::string topic(key.topic);
  auto c = CompiledForId(key.id);
  if (c.ok()) {
    t.compiled = c.value();
    t.subject = SubjectFor(topic, key.is_key, key.strategy, t.compiled->record_name);
    if (auto it = subjects_.find(t.subject); it != subjects_.end()) {
      for (const auto& v : it->second) t.registered = t.registered || (v.id == key.id && !v.deleted);
    }
  } else {
    // Unknown id: the record's subject cannot be derived from its schema, so
    // the failure is counted under the TopicName subject.
    t.subject = SubjectFor(topic, key.is_key, SubjectStrategy::kTopicName, "");
  }
  std::tie(t.validations, t.failures) = CountersFor(t.subject);
  return t;
}

namespace {

// Parses a JSON payload into a thread-local arena: no heap allocation per
// record once the arena has grown to the largest payload seen.
class JsonArena {
 public:
  json::value Parse(std::string_view text, boost::system::error_code& ec) {
    if (text.size() * 4 + 4096 > buffer_size_) {
      buffer_size_ = text.size() * 4 + 4096;
      buffer_ = std::make_unique<unsigned char[]>(buffer_size_);
    }
    resource_.emplace(buffer_.get(), buffer_size_);
    return json::parse(text, ec, json::storage_ptr(&*resource_));
  }
  // Releases what the last Parse used (the value must be destroyed first).
  void Reset() { resource_.reset(); }

 private:
  std::unique_ptr<unsigned char[]> buffer_;
  size_t buffer_size_ = 0;
  std::optional<json::monotonic_resource> resource_;
};

}  // namespace

namespace {

int32_t FramedId(std::string_view payload) {
  return static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint8_t>(payload[1])) << 24) |
                              (static_cast<uint32_t>(static_cast<uint8_t>(payload[2])) << 16) |
                              (static_cast<uint32_t>(static_cast<uint8_t>(payload[3])) << 8) |
                              static_cast<uint32_t>(static_cast<uint8_t>(payload[4])));
}

bool IsFramed(std::string_view payload) { return payload.size() >= 5 && payload[0] == 0; }

}  // namespace

Status SchemaRegistry::ValidateFramed(const std::string& topic, bool is_key,
                                      const TopicSchemaPolicy& policy, std::string_view payload) {
  size_t failed_index = 0;
  return ValidateFramedBatch(topic, is_key, policy, std::span<const std::string_view>(&payload, 1),
                             &failed_index);
}

SchemaRegistry::FramedTarget SchemaRegistry::FramedTargetFor(const FramedKeyView& key) {
  // Fast path: a cached resolution. Entries are never modified, only
  // dropped wholesale (Apply), so a copy of the fields is all we need.
  FramedTarget target;
  {
    std::shared_lock<std::shared_mutex> lock(framed_mu_);
    if (auto it = framed_.find(key); it != framed_.end()) {
      target.compiled = it->second.compiled;
      target.registered = it->second.registered;
      target.validations = it->second.validations;
      target.failures = it->second.failures;
      if (!target.compiled || !target.registered) target.subject = it->second.subject;
      return target;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  target = ResolveFramedLocked(key);
  std::unique_lock<std::shared_mutex> wlock(framed_mu_);
  framed_.emplace(FramedKey{std::string(key.topic), key.is_key, key.strategy, key.id}, target);
  return target;
}

namespace {

// A batch of at least kShareMinRecords records is shared with the helper
// threads in chunks of kShareChunkRecords (1 KiB JSON records cost a few us
// each, so one chunk is ~0.1 ms of work: large enough to dwarf the claim,
// small enough that the caller's wait for a helper's last chunk is short).
// Smaller batches run inline: no atomics, no allocation, no lock.
constexpr size_t kShareMinRecords = 64;
constexpr size_t kShareChunkRecords = 32;

}  // namespace

// WHY share the batch: one producer connection is served by one I/O thread,
// which reads the socket and validated every record of the request itself;
// that thread was the serial bottleneck of the produce path while the other
// core was partly idle (docs/benchmarks.md, "Issue 5"). Big batches are
// therefore cut into chunks that the caller and the helpers of
// BatchWorkSharing::Shared() claim in order (batch_work_sharing.h).
//
// Semantics are those of one sequential pass: the chunks share the first
// record's resolution (read-only) and resolve any other schema id themselves
// (FramedTargetFor and CountersFor take their locks; the compiled
// validators are immutable and use thread-local parsers), and the result is
// the failure with the lowest index. A chunk that starts after an already
// known failure is skipped, so every record before the first failure is
// validated. Counters: in a rejected strict batch, records after the first
// failure that another thread had already validated are counted too (the
// sequential pass stopped counting at the first failure).
// Sharing costs a helper wake-up (a futex call each side, a few µs of CPU)
// per batch. It pays for JSON Schema, whose check reads every byte of a
// record (~0.7 µs per KiB); an Avro record's walk reads only its varints
// (~0.1-0.2 µs), and run G's Avro figures were no better with a helper. The
// batch's first record stands for the batch: records of one batch nearly
// always share one schema id.
bool SchemaRegistry::WorthSharing(const FramedTarget& first) {
  return first.compiled != nullptr && first.compiled->parsed.type == SchemaType::kJson;
}

Status SchemaRegistry::ValidateFramedBatch(const std::string& topic, bool is_key, const TopicSchemaPolicy& policy,
                                           std::span<const std::string_view> payloads, size_t* failed_index) {
  if (policy.mode == ValidationMode::kNone) return Status::Ok();
  const size_t n = payloads.size();
  if (n < kShareMinRecords || !IsFramed(payloads[0])) {
    return ValidateFramedRange(topic, is_key, policy, payloads, 0, n, nullptr, failed_index);
  }
  // The first record's id, resolved once for every chunk, so that a chunk
  // does not take the registry's shared lock and copy the compiled schema's
  // shared_ptr again (atomics on lines both cores write; too few per batch
  // to show in the broker's figures, docs/benchmarks.md "Session 10").
  const FramedSeed seed{FramedId(payloads[0]),
                        FramedTargetFor(FramedKeyView{topic, is_key, policy.strategy, FramedId(payloads[0])})};
  if (!WorthSharing(seed.target)) {
    return ValidateFramedRange(topic, is_key, policy, payloads, 0, n, &seed, failed_index);
  }
  struct FirstFailure {
    std::atomic<size_t> index{SIZE_MAX};  // lowest failing index known so far
    std::mutex mu;                         // guards status (and index writes)
    Status status;
  } first;
  auto chunk = [&](size_t c) {
    const size_t begin = c * kShareChunkRecords;
    // A failure before this chunk already decides the batch (strict only:
    // warn mode never fails).
    if (begin > first.index.load(std::memory_order_relaxed)) return;
    const size_t end = std::min(begin + kShareChunkRecords, n);
    size_t failed = 0;
    Status s = ValidateFramedRange(topic, is_key, policy, payloads, begin, end, &seed, &failed);
    if (s.ok()) return;
    std::lock_guard<std::mutex> lock(first.mu);
    if (failed < first.index.load(std::memory_order_relaxed)) {
      first.status = std::move(s);
      first.index.store(failed, std::memory_order_relaxed);
    }
  };
  BatchWorkSharing::Shared().Run((n + kShareChunkRecords - 1) / kShareChunkRecords, chunk);
  // Run returned: every chunk's writes are visible (each helper left the job
  // with a release decrement that the caller acquired, or under the pool's
  // mutex).
  if (first.index.load(std::memory_order_relaxed) == SIZE_MAX) return Status::Ok();
  *failed_index = first.index.load(std::memory_order_relaxed);
  return std::move(first.status);
}

Status SchemaRegistry::ValidateFramedRange(const std::string& topic, bool is_key, const TopicSchemaPolicy& policy,
                                           std::span<const std::string_view> payloads, size_t begin, size_t end,
                                           const FramedSeed* seed, size_t* failed_index) {
  // Records of one batch nearly always share one schema id: resolve once
  // (the seed's, when the caller resolved it).
  std::optional<int32_t> resolved_id;
  FramedTarget own;  // another id's resolution
  const FramedTarget* target = &own;
  if (seed != nullptr) {
    resolved_id = seed->id;
    target = &seed->target;
  }
  // Valid records are counted here and added to the target's counter once
  // per id change and at the end: with a helper thread validating the same
  // batch, one atomic add per record made the counter's cache line bounce
  // between the cores.
  uint64_t valid = 0;
  auto flush_valid = [&] {
    if (valid != 0) target->validations->Add(static_cast<double>(valid));
    valid = 0;
  };
  for (size_t i = begin; i < end; ++i) {
    std::string_view payload = payloads[i];
    Status s;
    if (!IsFramed(payload)) {
      // No schema id: counted under the TopicName subject.
      const std::string subject = SubjectFor(topic, is_key, SubjectStrategy::kTopicName, "");
      auto [validations, failures] = CountersFor(subject);
      s = Count(validations, failures, subject, policy, Status::InvalidArgument(
          std::string(is_key ? "key" : "value") + " of a record for topic '" + topic +
          "' is not in the Confluent wire format (magic byte 0 + 4-byte schema id)"));
    } else {
      const int32_t id = FramedId(payload);
      if (resolved_id != id) {
        flush_valid();
        own = FramedTargetFor(FramedKeyView{topic, is_key, policy.strategy, id});
        target = &own;
        resolved_id = id;
      }
      s = ValidateFramedWith(topic, is_key, policy, id, *target, payload, &valid);
    }
    if (!s.ok()) {
      flush_valid();
      *failed_index = i;
      return s;
    }
  }
  flush_valid();
  return Status::Ok();
}

// One framed payload whose id resolved to `target` (read-only: chunks of one
// batch share it; a failure's subject is worked out here when the target
// has none).
Status SchemaRegistry::ValidateFramedWith(const std::string& topic, bool is_key, const TopicSchemaPolicy& policy,
                                          int32_t id, const FramedTarget& target, std::string_view payload,
                                          uint64_t* valid) {
  auto what = [&] {
    return std::string(is_key ? "key" : "value") + " of a record for topic '" + topic + "'";
  };
  if (!target.compiled) {
    return Count(target.validations, target.failures, target.subject, policy,
                 Status::InvalidArgument(what() + " uses unknown schema id " + std::to_string(id)));
  }
  if (!target.registered) {
    return Count(target.validations, target.failures, target.subject, policy, Status::InvalidArgument(
        what() + " uses schema id " + std::to_string(id) + ", which is not registered under subject '" +
        target.subject + "'"));
  }
  std::string_view body = payload.substr(5);
  const Compiled& compiled = *target.compiled;
  Status s;
  if (compiled.parsed.type == SchemaType::kAvro) {
    s = compiled.parsed.avro->ValidateBinary(body);
  } else if (!compiled.validator->IsValidText(body)) {
    // The yes/no pass over simdjson accepts valid records (above); this
    // boost::json parse only runs for records it does not accept, to
    // confirm the failure (it is the reference) and explain it.
    thread_local JsonArena arena;
    boost::system::error_code ec;
    {
      json::value v = arena.Parse(body, ec);
      if (ec) {
        s = Status::InvalidArgument("payload is not JSON: " + ec.message());
      } else if (!compiled.validator->IsValid(v)) {
        s = compiled.validator->Validate(v);  // the slow pass that explains
      }
    }
    arena.Reset();
  }
  if (s.ok()) {
    ++*valid;  // added to target.validations by the caller
    return s;
  }
  const std::string subject =
      target.subject.empty() ? SubjectFor(topic, is_key, policy.strategy, compiled.record_name) : target.subject;
  s = Status::InvalidArgument(what() + " does not match schema id " + std::to_string(id) + " (subject '" + subject +
                              "'): " + s.message());
  return Count(target.validations, target.failures, subject, policy, std::move(s));
}

}  // namespace meshd::schema
