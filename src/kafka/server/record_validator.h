#pragma once
// RecordValidator: the hook through which Produce checks record values
// against a topic's schema policy (topic config `schema.validation`). The
// app supplies an implementation backed by the schema registry, so that
// src/kafka does not depend on src/schema.
//
// Thread-safety: called concurrently from every I/O thread; implementations
// must be thread-safe.

#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/topic_config.h"

namespace meshd::kafka {

class RecordValidator {
 public:
  virtual ~RecordValidator() = default;
  // True when records produced to `topic` (with `config`) must be validated.
  // Checked once per partition batch so unvalidated topics skip decoding.
  virtual bool Enabled(const std::string& topic, const storage::TopicConfig& config) const = 0;
  // Validates one record value. A non-OK status rejects the partition's
  // batch with INVALID_RECORD; the message names what failed. (Warn-only
  // policies return OK after counting and logging.)
  virtual Status Validate(const std::string& topic, const storage::TopicConfig& config,
                          std::string_view value) = 0;
};

}  // namespace meshd::kafka
