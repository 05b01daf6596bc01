#pragma once
// The registry as the Kafka broker's produce-path RecordValidator: the Kafka
// module only knows the hook interface, so this adapter lives beside the
// registry, in its own small library (meshd_schema_kafka), and both
// `meshd serve` and `meshd bench kafka --schema-validation` install this one
// class, so the benchmark measures exactly the served path.
//
// Thread-safety: as SchemaRegistry (called from every I/O thread).

#include "kafka/server/record_validator.h"
#include "schema/schema_registry.h"

namespace meshd::schema {

class RegistryRecordValidator final : public kafka::RecordValidator {
 public:
  // `registry` must outlive the validator.
  explicit RegistryRecordValidator(SchemaRegistry& registry) : registry_(registry) {}

  bool Enabled(const std::string& topic, const storage::TopicConfig& config) const override;
  bool KeysEnabled(const std::string& topic, const storage::TopicConfig& config) const override;
  Status Validate(const std::string& topic, const storage::TopicConfig& config, std::string_view value) override;
  // The topic's policy is read from its config once per partition batch, and
  // the registry resolves each schema id once per batch.
  Status ValidateBatch(const std::string& topic, const storage::TopicConfig& config,
                       std::span<const std::string_view> values, size_t* failed_index) override;
  // Keys against the key subject (`<topic>-key` under TopicName).
  Status ValidateKeyBatch(const std::string& topic, const storage::TopicConfig& config,
                          std::span<const std::string_view> keys, size_t* failed_index) override;

 private:
  SchemaRegistry& registry_;
};

}  // namespace meshd::schema
