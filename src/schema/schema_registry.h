#pragma once
// SchemaRegistry: the logic of meshd's Confluent-compatible schema registry.
// Subjects hold versions; each version points at a global schema id (one id
// per distinct schema type + text + references; registering the same schema
// again, under any subject, reuses the id). Compatibility levels and modes
// are global or per subject. State lives in the compacted internal topic
// `_schemas` (one record per subject version, config and mode, keyed like
// Confluent's) and is replayed at Open, so ids are stable across restarts.
//
// Errors carry Confluent's error codes (RegistryError, HTTP status =
// error_code / 100), so the REST layer (registry_http.h) only serialises.
//
// Thread-safety: every method may be called from any thread (one mutex;
// writes hold it while appending to the log so ids are assigned in order).

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include "base/result.h"
#include "metrics/metrics.h"
#include "schema/compatibility.h"
#include "schema/json_schema.h"
#include "storage/event_log.h"

namespace meshd::schema {

struct RegistryError {
  int error_code = 50001;  // Confluent code: 40401, 42201, 409, ...
  std::string message;
  // 40401 → 404, 42201 → 422, 409 → 409, 400 → 400.
  int http_status() const { return error_code < 1000 ? error_code : error_code / 100; }
};

// A value or a RegistryError.
template <class T>
class RegResult {
 public:
  RegResult(T v) : v_(std::move(v)) {}                  // NOLINT
  RegResult(RegistryError e) : v_(std::move(e)) {}      // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const RegistryError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, RegistryError> v_;
};

struct SchemaReference {
  std::string name;     // Avro full name / JSON $ref URL
  std::string subject;
  int32_t version = 0;
};

// What a client submits: schema text, type and references.
struct SchemaInput {
  std::string schema;
  SchemaType type = SchemaType::kAvro;
  std::vector<SchemaReference> references;
  std::optional<int32_t> id;       // IMPORT mode only
  std::optional<int32_t> version;  // IMPORT mode only
};

// A subject version as returned by GET /subjects/{s}/versions/{v}.
struct VersionInfo {
  std::string subject;
  int32_t version = 0;
  int32_t id = 0;
  SchemaType type = SchemaType::kAvro;
  std::string schema;
  std::vector<SchemaReference> references;
  bool deleted = false;
};

enum class RegistryMode { kReadWrite, kReadOnly, kReadOnlyOverride, kImport };
std::optional<RegistryMode> ParseRegistryMode(std::string_view s);
std::string_view RegistryModeName(RegistryMode m);

// How a topic enforces schemas on publish (topic configs schema.validation
// for values, schema.key.validation for Kafka record keys, and
// schema.subject.strategy for both).
enum class ValidationMode { kNone, kWarn, kStrict };
enum class SubjectStrategy { kTopicName, kRecordName, kTopicRecordName };
struct TopicSchemaPolicy {
  ValidationMode mode = ValidationMode::kNone;
  SubjectStrategy strategy = SubjectStrategy::kTopicName;
  // The policy for record values, or with `is_key` for record keys.
  static TopicSchemaPolicy FromConfig(const storage::TopicConfig& config, bool is_key = false);
};

class SchemaRegistry {
 public:
  static constexpr const char* kTopic = "_schemas";

  // Opens the registry over `log` (creating `_schemas` if absent) and
  // replays it. A null log gives an in-memory registry (tests).
  static Result<std::unique_ptr<SchemaRegistry>> Open(storage::EventLog* log);

  // ---- subjects and versions
  // Registers `input` under `subject`: {id, version}. Idempotent for a
  // schema already live under the subject.
  RegResult<std::pair<int32_t, int32_t>> Register(const std::string& subject, SchemaInput input);
  // Is this schema registered under `subject`? (POST /subjects/{s})
  RegResult<VersionInfo> Lookup(const std::string& subject, const SchemaInput& input,
                                bool include_deleted);
  RegResult<VersionInfo> GetVersion(const std::string& subject, const std::string& version,
                                    bool include_deleted);
  RegResult<std::vector<int32_t>> ListVersions(const std::string& subject, bool include_deleted,
                                               bool deleted_only);
  std::vector<std::string> ListSubjects(const std::string& prefix, bool include_deleted,
                                        bool deleted_only = false);
  RegResult<std::vector<int32_t>> DeleteSubject(const std::string& subject, bool permanent);
  RegResult<int32_t> DeleteVersion(const std::string& subject, const std::string& version,
                                   bool permanent);
  RegResult<std::vector<int32_t>> ReferencedBy(const std::string& subject, const std::string& version);

  // ---- schemas by id
  RegResult<VersionInfo> GetSchemaById(int32_t id);  // subject/version unset
  RegResult<std::vector<std::pair<std::string, int32_t>>> SubjectVersionsForId(int32_t id,
                                                                               bool include_deleted);
  // Latest live version of every subject (GET /schemas).
  std::vector<VersionInfo> ListLatestSchemas(const std::string& prefix);

  // ---- config and mode (subject "" = global)
  RegResult<CompatibilityLevel> GetConfig(const std::string& subject, bool default_to_global);
  RegResult<CompatibilityLevel> SetConfig(const std::string& subject, const std::string& level);
  RegResult<CompatibilityLevel> DeleteConfig(const std::string& subject);
  RegResult<RegistryMode> GetMode(const std::string& subject, bool default_to_global);
  RegResult<RegistryMode> SetMode(const std::string& subject, const std::string& mode, bool force);
  RegResult<RegistryMode> DeleteMode(const std::string& subject);

  // ---- compatibility: messages (empty = compatible). `version` empty =
  // every live version per the subject's level; else that one version.
  RegResult<std::vector<std::string>> TestCompatibility(const std::string& subject,
                                                        const std::string& version,
                                                        const SchemaInput& input);

  // ---- publish path
  // Validates an event's `data` for `topic`. `dataschema` is the event's
  // dataschema (".../subjects/S/versions/V", ".../schemas/ids/N") or, for
  // RecordName strategies, the record name; empty = latest of the subject.
  // kWarn counts and logs failures but returns OK.
  Status ValidateForTopic(const std::string& topic, const TopicSchemaPolicy& policy,
                          const std::string& dataschema, const boost::json::value& data);
  // Validates a Confluent-framed Kafka record value/key (0x00 + id + payload).
  Status ValidateFramed(const std::string& topic, bool is_key, const TopicSchemaPolicy& policy,
                        std::string_view payload);
  // ValidateFramed over the values of one Kafka partition batch, for the
  // produce path: the schema resolution is looked up once per schema id in
  // the batch (not once per record). Stops at the first failure (strict)
  // and stores its index in *failed_index; warn-mode failures are counted
  // and logged and do not stop. A large batch is validated in chunks by the
  // calling thread and BatchWorkSharing's helper threads (same result).
  Status ValidateFramedBatch(const std::string& topic, bool is_key, const TopicSchemaPolicy& policy,
                             std::span<const std::string_view> payloads, size_t* failed_index);

  // Parses and checks a schema (no registration); 42201 on error.
  RegResult<bool> ValidateSchema(const SchemaInput& input);

  ~SchemaRegistry();

 private:
  struct Compiled;
  struct Version {
    int32_t version = 0;
    int32_t id = 0;
    bool deleted = false;
  };
  struct StoredSchema {
    int32_t id = 0;
    SchemaType type = SchemaType::kAvro;
    std::string schema;
    std::vector<SchemaReference> references;
  };

  explicit SchemaRegistry(storage::EventLog* log) : log_(log) {}
  Status Replay();
  void Apply(const boost::json::value& key, const boost::json::value* value);
  Status Persist(const boost::json::value& key, const boost::json::value* value);

  RegResult<std::shared_ptr<const Compiled>> CompileLocked(const SchemaInput& input);
  RegResult<std::shared_ptr<const Compiled>> CompiledForId(int32_t id);
  static std::string IdentityKey(const SchemaInput& input);
  RegResult<int32_t> ResolveVersionLocked(const std::string& subject, const std::string& version,
                                          bool include_deleted, const Version** out);
  bool SubjectLiveLocked(const std::string& subject) const;
  CompatibilityLevel LevelLocked(const std::string& subject) const;
  RegistryMode ModeLocked(const std::string& subject) const;
  std::vector<std::string> CheckLocked(const std::string& subject, const Compiled& candidate,
                                       const Version* only);
  VersionInfo InfoLocked(const std::string& subject, const Version& v) const;
  Status ValidateData(const Compiled& c, const boost::json::value& data) const;
  Status Outcome(const std::string& subject, const TopicSchemaPolicy& policy, Status s);
  std::pair<metrics::Counter*, metrics::Counter*> CountersFor(const std::string& subject);
  static Status Count(metrics::Counter* validations, metrics::Counter* failures,
                      const std::string& subject, const TopicSchemaPolicy& policy, Status s);

  // What a Confluent-framed record of (topic, key/value, strategy, schema
  // id) resolves to. Kafka produce validates every record, so this is cached
  // (ValidateFramed's fast path takes no registry lock and builds no strings)
  // and the whole cache is dropped whenever the registry state changes.
  struct FramedKey {
    std::string topic;
    bool is_key = false;
    SubjectStrategy strategy = SubjectStrategy::kTopicName;
    int32_t id = 0;
  };
  struct FramedKeyView {
    std::string_view topic;
    bool is_key;
    SubjectStrategy strategy;
    int32_t id;
  };
  struct FramedKeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      // Topics compared as string_view: clang's tuple has no string <
      // string_view comparison.
      return std::make_tuple(a.id, a.is_key, a.strategy, std::string_view(a.topic)) <
             std::make_tuple(b.id, b.is_key, b.strategy, std::string_view(b.topic));
    }
  };
  struct FramedTarget {
    std::shared_ptr<const Compiled> compiled;  // null: unknown schema id
    std::string subject;
    bool registered = false;  // the id is live under `subject`
    metrics::Counter* validations = nullptr;
    metrics::Counter* failures = nullptr;
  };
  FramedTarget ResolveFramedLocked(const FramedKeyView& key);
  FramedTarget FramedTargetFor(const FramedKeyView& key);
  // A batch's first schema id and its resolution, shared by every chunk of
  // the batch (read-only).
  struct FramedSeed {
    int32_t id;
    FramedTarget target;
  };
  // Whether a big batch whose first record resolved to `first` is worth
  // sharing with helper threads (JSON Schema: yes; Avro: no).
  static bool WorthSharing(const FramedTarget& first);
  // A valid payload adds 1 to *valid (the caller adds it to
  // target.validations); other outcomes are counted here.
  Status ValidateFramedWith(const std::string& topic, bool is_key, const TopicSchemaPolicy& policy,
                            int32_t id, const FramedTarget& target, std::string_view payload, uint64_t* valid);
  // ValidateFramedBatch over payloads[begin, end) on the calling thread,
  // starting from `seed`'s resolution when given, and resolving other ids
  // itself; *failed_index is absolute.
  Status ValidateFramedRange(const std::string& topic, bool is_key, const TopicSchemaPolicy& policy,
                             std::span<const std::string_view> payloads, size_t begin, size_t end,
                             const FramedSeed* seed, size_t* failed_index);

  storage::EventLog* log_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Version>> subjects_;  // versions ascending
  std::map<int32_t, StoredSchema> schemas_;
  std::map<std::string, int32_t> id_by_identity_;
  std::map<int32_t, std::shared_ptr<const Compiled>> compiled_;
  std::optional<CompatibilityLevel> global_level_;
  std::map<std::string, CompatibilityLevel> subject_level_;
  std::optional<RegistryMode> global_mode_;
  std::map<std::string, RegistryMode> subject_mode_;
  int32_t max_id_ = 0;
  std::mutex counters_mu_;
  std::map<std::string, std::pair<metrics::Counter*, metrics::Counter*>> counters_;
  // Lock order: mu_, then framed_mu_.
  std::shared_mutex framed_mu_;
  std::map<FramedKey, FramedTarget, FramedKeyLess> framed_;
};

}  // namespace meshd::schema
