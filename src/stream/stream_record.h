#pragma once
// StreamRecord: one event as it flows through a pipeline's operators. The
// payload is the event's JSON object (the CloudEvent `data`); metadata rides
// beside it and expressions read it as $key, $timestamp, $offset,
// $partition, $topic, $id, $type, $source.
//
// `origin` identifies the input record that caused this record (topic,
// partition, offset) plus `seq`, the emission index: together they give
// every output a deterministic id, so a replay after a crash reproduces the
// same ids (topic outputs: consumers dedup by id).

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace meshd::stream {

struct StreamRecord {
  boost::json::object fields;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int64_t timestamp_ms = 0;           // record timestamp (CloudEvent time)
  std::optional<std::string> key;     // record key
  std::string id;                     // CloudEvent id of the input
  std::string type;                   // CloudEvent type of the input
  std::string source;                 // CloudEvent source of the input
  int32_t seq = 0;                    // emission index among outputs of one input
  bool retract = false;               // delete the row with this key (sinks)
};

// Serialization for operator state (buffered records survive restarts).
boost::json::object RecordToJson(const StreamRecord& r);
// RecordToJson serialized, without building the object first.
std::string RecordToJsonText(const StreamRecord& r);
StreamRecord RecordFromJson(const boost::json::object& o);

// Value at a dotted path ("customer.segment") of `fields`, or null.
const boost::json::value* FindPath(const boost::json::object& fields, std::string_view path);

}  // namespace meshd::stream
