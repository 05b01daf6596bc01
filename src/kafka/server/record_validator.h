#pragma once
// RecordValidator: the hook through which Produce checks record values and
// keys against a topic's schema policy (topic configs `schema.validation`
// and `schema.key.validation`). The
// app supplies an implementation backed by the schema registry, so that
// src/kafka does not depend on src/schema.
//
// Thread-safety: called concurrently from every I/O thread; implementations
// must be thread-safe.

#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/topic_config.h"

namespace meshd::kafka {

class RecordValidator {
 public:
  virtual ~RecordValidator() = default;
  // True when records produced to `topic` (with `config`) must be validated
  // (values, keys or both). Checked once per partition batch so unvalidated
  // topics skip decoding.
  virtual bool Enabled(const std::string& topic, const storage::TopicConfig& config) const = 0;
  // True when record keys must be validated too (ValidateKeyBatch).
  virtual bool KeysEnabled(const std::string& /*topic*/, const storage::TopicConfig& /*config*/) const {
    return false;
  }
  // Validates one record value. A non-OK status rejects the partition's
  // batch with INVALID_RECORD; the message names what failed. (Warn-only
  // policies return OK after counting and logging.)
  virtual Status Validate(const std::string& topic, const storage::TopicConfig& config,
                          std::string_view value) = 0;
  // Validates the non-null values of one partition batch, in order; on
  // failure *failed_index is the index in `values`. Produce calls this, so an
  // implementation can resolve the topic's policy once per batch; the
  // default calls Validate per value.
  virtual Status ValidateBatch(const std::string& topic, const storage::TopicConfig& config,
                               std::span<const std::string_view> values, size_t* failed_index) {
    for (size_t i = 0; i < values.size(); ++i) {
      Status s = Validate(topic, config, values[i]);
      if (!s.ok()) {
        *failed_index = i;
        return s;
      }
    }
    return Status::Ok();
  }
  // Validates the non-null keys of one partition batch, in order, as
  // ValidateBatch does values. Called when KeysEnabled.
  virtual Status ValidateKeyBatch(const std::string& /*topic*/, const storage::TopicConfig& /*config*/,
                                  std::span<const std::string_view> /*keys*/, size_t* /*failed_index*/) {
    return Status::Ok();
  }
};

}  // namespace meshd::kafka
