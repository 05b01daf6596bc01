#include "schema/registry_record_validator.h"

namespace meshd::schema {

bool RegistryRecordValidator::Enabled(const std::string& topic, const storage::TopicConfig& config) const {
  return TopicSchemaPolicy::FromConfig(config).mode != ValidationMode::kNone || KeysEnabled(topic, config);
}

bool RegistryRecordValidator::KeysEnabled(const std::string&, const storage::TopicConfig& config) const {
  return TopicSchemaPolicy::FromConfig(config, /*is_key=*/true).mode != ValidationMode::kNone;
}

Status RegistryRecordValidator::Validate(const std::string& topic, const storage::TopicConfig& config,
                                         std::string_view value) {
  return registry_.ValidateFramed(topic, /*is_key=*/false, TopicSchemaPolicy::FromConfig(config), value);
}

Status RegistryRecordValidator::ValidateBatch(const std::string& topic, const storage::TopicConfig& config,
                                              std::span<const std::string_view> values, size_t* failed_index) {
  return registry_.ValidateFramedBatch(topic, /*is_key=*/false, TopicSchemaPolicy::FromConfig(config), values,
                                       failed_index);
}

Status RegistryRecordValidator::ValidateKeyBatch(const std::string& topic, const storage::TopicConfig& config,
                                                 std::span<const std::string_view> keys, size_t* failed_index) {
  return registry_.ValidateFramedBatch(topic, /*is_key=*/true, TopicSchemaPolicy::FromConfig(config, true), keys,
                                       failed_index);
}

}  // namespace meshd::schema
