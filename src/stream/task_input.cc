#include "stream/task_input.h"

#include "cloudevents/cloud_event.h"
#include "cloudevents/json_text.h"
#include "stream/operator.h"

namespace meshd::stream {

namespace json = boost::json;

void DecodeStreamRecord(const record::Record& r, const std::string& topic, int32_t partition, StreamRecord* out) {
  StreamRecord& sr = *out;
  sr.topic = topic;
  sr.partition = partition;
  sr.offset = r.offset;
  sr.timestamp_ms = r.timestamp;
  sr.key = r.key;
  if (r.headers.empty() && r.value) {
    // A plain record (no CloudEvent or content-type headers): the same
    // id/source/type and fields the general path below derives through
    // cloudevents::FromKafkaRecord, without its extra JSON parse (to
    // guess the content type) and the RFC 3339 round trip of the
    // timestamp. Halves the decode cost (Nexmark benchmark, issue 7).
    sr.id = topic + "-" + std::to_string(partition) + "-" + std::to_string(r.offset);
    sr.source = "/meshd/topics/" + topic;
    sr.type = "meshd.record";
    boost::system::error_code ec;
    json::value v = json::parse(*r.value, ec);
    if (ec) sr.fields["value"] = json::string(*r.value);  // not JSON: the bytes as a string
    else if (v.is_object()) sr.fields = std::move(v.get_object());
    else sr.fields["value"] = std::move(v);
  } else if (r.value) {
    cloudevents::CloudEvent ev = cloudevents::FromKafkaRecord(r, topic, partition);
    sr.id = ev.id;
    sr.type = ev.type;
    sr.source = ev.source;
    if (ev.time) {
      // The CloudEvent time is the event's own timestamp when present.
      if (auto ms = ParseRfc3339Millis(*ev.time)) sr.timestamp_ms = *ms;
    }
    if (ev.data) {
      json::value v;
      boost::system::error_code ec;
      bool json_type = !ev.datacontenttype || cloudevents::IsJsonContentType(*ev.datacontenttype);
      if (json_type) v = json::parse(*ev.data, ec);
      if (json_type && !ec && v.is_object()) {
        sr.fields = std::move(v.get_object());
      } else if (json_type && !ec) {
        sr.fields["value"] = std::move(v);
      } else {
        sr.fields["value"] = json::string(*ev.data);
      }
    }
  }
}

Result<int32_t> LocalLogInput::PartitionCount(const std::string& topic) {
  auto d = log_.DescribeTopic(topic);
  if (!d.ok()) return Status::Unavailable("topic '" + topic + "' does not exist");
  return static_cast<int32_t>(d->partitions.size());
}

Result<PartitionBounds> LocalLogInput::Bounds(const std::string& topic, int32_t partition) {
  MESHD_ASSIGN_OR_RETURN(auto info, log_.GetOffsets(topic, partition));
  return PartitionBounds{info.start_offset, info.end_offset};
}

Status LocalLogInput::TableEnds(const std::string& topic, std::vector<std::pair<int32_t, int64_t>>* ends) {
  auto d = log_.DescribeTopic(topic);
  if (!d.ok()) return Status::Unavailable("topic '" + topic + "' does not exist");
  for (const auto& p : d->partitions) ends->emplace_back(p.partition, p.end_offset);
  return Status::Ok();
}

Status LocalLogInput::Read(const std::string& topic, int32_t partition, int64_t from, size_t max_records,
                           std::vector<StreamRecord>* out, int64_t* next) {
  *next = from;
  auto fetched = log_.Fetch(topic, partition, from, 1 << 20);
  if (!fetched.ok()) {
    // Retention moved the start past our position: continue at the start.
    if (fetched.error().code() == StatusCode::kOutOfRange) {
      auto info = log_.GetOffsets(topic, partition);
      if (info.ok() && info->start_offset > from) {
        *next = info->start_offset;
        return Status::Ok();
      }
    }
    return fetched.error();
  }
  std::string bytes;
  MESHD_TRY(fetched->ReadInto(&bytes));
  MESHD_ASSIGN_OR_RETURN(auto batches, record::SplitBatches(bytes, /*allow_partial_tail=*/true));
  for (auto b : batches) {
    MESHD_ASSIGN_OR_RETURN(auto header, record::ParseHeader(b));
    if (header.control()) {
      *next = std::max(*next, header.last_offset() + 1);
      continue;
    }
    MESHD_ASSIGN_OR_RETURN(auto recs, record::DecodeRecords(b));
    for (auto& r : recs) {
      if (r.offset < from) continue;
      if (out->size() >= max_records) return Status::Ok();
      StreamRecord sr;
      DecodeStreamRecord(r, topic, partition, &sr);
      *next = r.offset + 1;
      out->push_back(std::move(sr));
    }
    *next = std::max(*next, header.last_offset() + 1);
  }
  return Status::Ok();
}

Result<int32_t> LocalLogOutput::PartitionsFor(const std::string& topic, int32_t create_partitions) {
  auto d = log_.DescribeTopic(topic);
  if (d.ok()) return static_cast<int32_t>(d->partitions.size());
  auto created = log_.CreateTopic(topic, std::max(1, create_partitions), storage::TopicConfig());
  if (!created.ok() && created.error().code() != StatusCode::kAlreadyExists) return created.error();
  MESHD_ASSIGN_OR_RETURN(auto again, log_.DescribeTopic(topic));
  return static_cast<int32_t>(again.partitions.size());
}

Status LocalLogOutput::Append(const std::string& topic, int32_t partition,
                              const std::vector<cloudevents::KafkaMessage>& msgs, const std::vector<int64_t>& ts) {
  record::RecordBatchBuilder b;
  for (size_t i = 0; i < msgs.size(); ++i) {
    b.Add(ts[i], msgs[i].key ? std::optional<std::string_view>(*msgs[i].key) : std::nullopt,
          msgs[i].value ? std::optional<std::string_view>(*msgs[i].value) : std::nullopt, msgs[i].headers);
    if (b.count() >= 500 || i + 1 == msgs.size()) {
      MESHD_TRY(log_.Append(topic, partition, b.Build()).status());
    }
  }
  return Status::Ok();
}

}  // namespace meshd::stream
