#pragma once
// CloudEvents Kafka protocol binding (binary content mode):
//   headers ce_specversion, ce_id, ce_source, ce_type, ce_time, ce_subject,
//   ce_dataschema and every extension as ce_<name> (strings; non-string
//   extension values are written as their JSON text); `content-type` =
//   datacontenttype; value = the data bytes; key = the explicit key, else the
//   `partitionkey` extension.
// Decoding accepts binary mode, structured mode (content-type
// application/cloudevents+json) and plain records, which are wrapped:
//   id "<topic>-<partition>-<offset>", source "/meshd/topics/<topic>",
//   type "meshd.record", time = record timestamp, data = the value (JSON when
//   it parses, else data_base64 in the JSON form).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudevents/cloud_event.h"
#include "record/record_batch.h"

namespace meshd::cloudevents {

struct KafkaMessage {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<record::RecordHeader> headers;
};

KafkaMessage ToKafkaMessage(const CloudEvent& event,
                            const std::optional<std::string>& key_override = std::nullopt);

// Bytes the message occupies (key + value + header names and values), for
// size limits.
size_t MessageBytes(const KafkaMessage& m);

CloudEvent FromKafkaRecord(const record::Record& record, std::string_view topic,
                           int32_t partition);

// The ce_source / ce_id of a record if it carries them (for rebuilding the
// idempotence window without decoding data).
bool ExtractSourceAndId(const record::Record& record, std::string* source, std::string* id);

}  // namespace meshd::cloudevents
