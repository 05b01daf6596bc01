#include "stream/kafka_task_io.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <set>

#include "base/logging.h"

namespace meshd::stream {

namespace {

Status SetConf(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK)
    return Status::InvalidArgument(std::string("librdkafka ") + key + "=" + value + ": " + err);
  return Status::Ok();
}

Status SetAll(rd_kafka_conf_t* conf, const std::vector<std::pair<const char*, std::string>>& kv) {
  for (const auto& [k, v] : kv) {
    Status s = SetConf(conf, k, v);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

std::string KafkaError(rd_kafka_resp_err_t e) { return rd_kafka_err2str(e); }

// Partition count of `topic` as the broker reports it; Unavailable while it
// does not exist.
Result<int32_t> MetadataPartitions(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (!rkt) return Status::Internal("librdkafka topic handle for '" + topic + "'");
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
  rd_kafka_topic_destroy(rkt);
  if (err) return Status::Unavailable("metadata for topic '" + topic + "': " + KafkaError(err));
  int32_t n = 0;
  rd_kafka_resp_err_t terr = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic == md->topics[i].topic) {
      terr = md->topics[i].err;
      n = md->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  if (terr || n <= 0) return Status::Unavailable("topic '" + topic + "' does not exist on the broker");
  return n;
}

std::vector<std::pair<std::string, int32_t>> ToPairs(const rd_kafka_topic_partition_list_t* list) {
  std::vector<std::pair<std::string, int32_t>> out;
  if (!list) return out;
  for (int i = 0; i < list->cnt; ++i) out.emplace_back(list->elems[i].topic, list->elems[i].partition);
  return out;
}

void RebalanceCb(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque) {
  static_cast<PipelineGroup*>(opaque)->HandleRebalance(err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, parts);
}

}  // namespace

// ---------------------------------------------------------------- assignment bookkeeping

TaskAssignment TasksFromAssignment(const std::vector<std::pair<std::string, int32_t>>& assigned,
                                   const std::vector<std::string>& inputs) {
  std::map<int32_t, std::set<std::string>> by_partition;
  for (const auto& [t, p] : assigned) by_partition[p].insert(t);
  TaskAssignment a;
  for (const auto& [p, topics] : by_partition) {
    bool all = std::all_of(inputs.begin(), inputs.end(), [&](const std::string& t) { return topics.count(t) > 0; });
    (all ? a.tasks : a.incomplete).push_back(p);
  }
  return a;
}

TaskChanges DiffTasks(const std::vector<int32_t>& running, const std::vector<int32_t>& next) {
  std::set<int32_t> r(running.begin(), running.end()), n(next.begin(), next.end());
  TaskChanges c;
  for (int32_t p : r)
    if (!n.count(p)) c.close.push_back(p);
  for (int32_t p : n)
    if (!r.count(p)) c.open.push_back(p);
  return c;
}

// ---------------------------------------------------------------- input

KafkaTaskInput::~KafkaTaskInput() {
  if (rk_) {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
}

Status KafkaTaskInput::EnsureClient() {
  if (rk_) return Status::Ok();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // A group.id is required by assign(); this consumer never subscribes or
  // commits, so the id only names it in the broker's logs.
  Status s = SetAll(conf, {{"bootstrap.servers", brokers_},
                           {"group.id", "__pipeline_task_reader"},
                           {"client.id", "meshd-pipeline-task"},
                           {"enable.auto.commit", "false"},
                           {"enable.auto.offset.store", "false"},
                           {"enable.partition.eof", "false"},
                           {"auto.offset.reset", "earliest"},
                           {"fetch.wait.max.ms", "50"},
                           {"allow.auto.create.topics", "false"}});
  if (!s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    return Status::Internal(std::string("librdkafka consumer: ") + err);
  }
  return Status::Ok();
}

Result<int32_t> KafkaTaskInput::PartitionCount(const std::string& topic) {
  auto it = partition_counts_.find(topic);
  if (it != partition_counts_.end()) return it->second;
  MESHD_TRY(EnsureClient());
  MESHD_ASSIGN_OR_RETURN(int32_t n, MetadataPartitions(rk_, topic));
  partition_counts_[topic] = n;
  return n;
}

Result<PartitionBounds> KafkaTaskInput::Bounds(const std::string& topic, int32_t partition) {
  MESHD_TRY(EnsureClient());
  int64_t lo = 0, hi = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk_, topic.c_str(), partition, &lo, &hi, 5000);
  if (err)
    return Status::Unavailable("offsets of " + topic + "/" + std::to_string(partition) + ": " + KafkaError(err));
  return PartitionBounds{lo, hi};
}

Result<int64_t> KafkaTaskInput::KnownEndOffset(const std::string& topic, int32_t partition) {
  if (!rk_) return Status::Unavailable("not connected");
  int64_t lo = -1, hi = -1;
  rd_kafka_get_watermark_offsets(rk_, topic.c_str(), partition, &lo, &hi);
  if (hi < 0) return Status::Unavailable("end offset of " + topic + "/" + std::to_string(partition) + " not known yet");
  return hi;
}

Status KafkaTaskInput::TableEnds(const std::string& topic, std::vector<std::pair<int32_t, int64_t>>* ends) {
  MESHD_ASSIGN_OR_RETURN(int32_t n, PartitionCount(topic));
  for (int32_t p = 0; p < n; ++p) {
    // The high watermark cached from fetch responses; asked for once while
    // the partition has not been fetched yet.
    int64_t lo = -1, hi = -1;
    rd_kafka_get_watermark_offsets(rk_, topic.c_str(), p, &lo, &hi);
    if (hi < 0) {
      MESHD_ASSIGN_OR_RETURN(auto b, Bounds(topic, p));
      hi = b.end_offset;
    }
    ends->emplace_back(p, hi);
  }
  return Status::Ok();
}

Status KafkaTaskInput::Reassign() {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts_.size()));
  for (auto& [k, part] : parts_) {
    part.buffered.clear();
    rd_kafka_topic_partition_list_add(list, k.first.c_str(), k.second)->offset = part.expected;
  }
  // assign() replaces the whole assignment; librdkafka discards messages
  // fetched for the previous positions.
  rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return Status::Unavailable("kafka assign: " + KafkaError(err));
  return Status::Ok();
}

Status KafkaTaskInput::Drain(const Key& want, size_t max) {
  size_t polled = 0;
  Part& target = parts_[want];
  while (target.buffered.size() < max && polled < 4 * max + 100) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 0);
    if (!m) break;
    ++polled;
    if (m->err) {
      rd_kafka_resp_err_t e = m->err;
      std::string what = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      if (e == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      return Status::Unavailable("kafka fetch: " + what);
    }
    auto it = parts_.find(Key(rd_kafka_topic_name(m->rkt), m->partition));
    if (it != parts_.end() && m->offset >= it->second.expected) {
      record::Record r;
      r.offset = m->offset;
      r.timestamp = rd_kafka_message_timestamp(m, nullptr);
      if (m->key) r.key = std::string(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value = std::string(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          record::RecordHeader h;
          h.key = name;
          if (val) h.value = std::string(static_cast<const char*>(val), size);
          r.headers.push_back(std::move(h));
        }
      }
      it->second.buffered.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  return Status::Ok();
}

Status KafkaTaskInput::Read(const std::string& topic, int32_t partition, int64_t from, size_t max_records,
                            std::vector<StreamRecord>* out, int64_t* next) {
  *next = from;
  MESHD_TRY(EnsureClient());
  Key key(topic, partition);
  auto it = parts_.find(key);
  if (it == parts_.end() || it->second.expected != from) {
    parts_[key].expected = from;
    MESHD_TRY(Reassign());
  }
  MESHD_TRY(Drain(key, max_records));
  Part& part = parts_[key];
  while (!part.buffered.empty() && out->size() < max_records) {
    record::Record r = std::move(part.buffered.front());
    part.buffered.pop_front();
    if (r.offset < part.expected) continue;
    StreamRecord sr;
    DecodeStreamRecord(r, topic, partition, &sr);
    part.expected = r.offset + 1;  // Kafka offsets may have gaps (control records, compaction)
    out->push_back(std::move(sr));
  }
  *next = part.expected;
  return Status::Ok();
}

// ---------------------------------------------------------------- output

Result<std::shared_ptr<KafkaTopicOutput>> KafkaTopicOutput::Create(const std::string& brokers,
                                                                   const std::string& client_id) {
  std::shared_ptr<KafkaTopicOutput> out(new KafkaTopicOutput());
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status s = SetAll(conf, {{"bootstrap.servers", brokers},
                           {"client.id", client_id},
                           {"enable.idempotence", "true"},
                           {"linger.ms", "5"}});
  if (!s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaTopicOutput::OnDelivery);
  rd_kafka_conf_set_opaque(conf, out.get());
  char err[512];
  out->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!out->rk_) {
    rd_kafka_conf_destroy(conf);
    return Status::Internal(std::string("librdkafka producer: ") + err);
  }
  return out;
}

KafkaTopicOutput::~KafkaTopicOutput() {
  if (rk_) {
    rd_kafka_flush(rk_, 10000);
    rd_kafka_destroy(rk_);
  }
}

void KafkaTopicOutput::OnDelivery(rd_kafka_s*, const rd_kafka_message_s* msg, void* opaque) {
  if (!msg->err) return;
  auto* self = static_cast<KafkaTopicOutput*>(opaque);
  self->failures_.fetch_add(1);
  std::lock_guard<std::mutex> lock(self->mu_);
  self->last_failure_ = std::string(rd_kafka_topic_name(msg->rkt)) + ": " + KafkaError(msg->err);
}

Result<int32_t> KafkaTopicOutput::PartitionsFor(const std::string& topic, int32_t) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = partition_counts_.find(topic);
    if (it != partition_counts_.end()) return it->second;
  }
  // The producer's metadata request lets the broker auto-create the topic
  // (meshd: kafka_auto_create_topics, default on) with its default partitions.
  MESHD_ASSIGN_OR_RETURN(int32_t n, MetadataPartitions(rk_, topic));
  std::lock_guard<std::mutex> lock(mu_);
  partition_counts_[topic] = n;
  return n;
}

Status KafkaTopicOutput::Append(const std::string& topic, int32_t partition,
                                const std::vector<cloudevents::KafkaMessage>& msgs, const std::vector<int64_t>& ts) {
  for (size_t i = 0; i < msgs.size(); ++i) {
    const auto& m = msgs[i];
    for (;;) {
      rd_kafka_headers_t* hdrs = rd_kafka_headers_new(m.headers.size());
      for (const auto& h : m.headers)
        rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()), h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      const void* key = m.key ? static_cast<const void*>(m.key->data()) : nullptr;
      size_t key_len = m.key ? m.key->size() : 0;
      void* value = m.value ? static_cast<void*>(const_cast<char*>(m.value->data())) : nullptr;
      size_t value_len = m.value ? m.value->size() : 0;
      int64_t timestamp = ts[i];
      const char* topic_name = topic.c_str();
      int32_t part = partition;
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk_, RD_KAFKA_V_TOPIC(topic_name), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_TIMESTAMP(timestamp),
          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
      if (!err) break;
      rd_kafka_headers_destroy(hdrs);  // not taken on failure
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return Status::IOError("produce to " + topic + "/" + std::to_string(partition) + ": " + KafkaError(err));
      rd_kafka_poll(rk_, 50);  // let deliveries drain the queue
    }
  }
  rd_kafka_poll(rk_, 0);
  return Status::Ok();
}

Status KafkaTopicOutput::Flush() {
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_, 30000);
  if (err) return Status::IOError("flushing topic outputs to the broker: " + KafkaError(err));
  if (failures_.exchange(0) > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    return Status::IOError("topic output not acknowledged by the broker: " + last_failure_);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- group

Result<std::unique_ptr<PipelineGroup>> PipelineGroup::Join(const std::string& brokers, const std::string& group_id,
                                                           const std::vector<std::string>& topics, Callbacks cb,
                                                           int session_timeout_ms) {
  std::unique_ptr<PipelineGroup> g(new PipelineGroup());
  g->group_id_ = group_id;
  g->cb_ = std::move(cb);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status s = SetAll(conf, {{"bootstrap.servers", brokers},
                           {"group.id", group_id},
                           {"client.id", "meshd-" + group_id},
                           {"partition.assignment.strategy", "range"},
                           {"session.timeout.ms", std::to_string(session_timeout_ms)},
                           {"heartbeat.interval.ms", std::to_string(std::max(100, session_timeout_ms / 6))},
                           {"enable.auto.commit", "false"},
                           {"enable.auto.offset.store", "false"},
                           {"enable.partition.eof", "false"},
                           {"allow.auto.create.topics", "false"}});
  if (!s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  rd_kafka_conf_set_rebalance_cb(conf, RebalanceCb);
  rd_kafka_conf_set_opaque(conf, g.get());
  char err[512];
  g->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!g->rk_) {
    rd_kafka_conf_destroy(conf);
    return Status::Internal(std::string("librdkafka group consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(g->rk_);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(g->rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e) return Status::Internal("subscribe " + group_id + ": " + KafkaError(e));
  return g;
}

PipelineGroup::~PipelineGroup() {
  Leave();
  if (rk_) rd_kafka_destroy(rk_);
}

void PipelineGroup::Leave() {
  if (!rk_ || closed_.exchange(true)) return;
  rd_kafka_consumer_close(rk_);  // runs the revoke callback, then LeaveGroup
}

void PipelineGroup::Poll(int timeout_ms) {
  if (closed_) return;
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
  if (!m) return;
  if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) SetError(rd_kafka_message_errstr(m));
  rd_kafka_message_destroy(m);
}

void PipelineGroup::HandleRebalance(bool assign, rd_kafka_topic_partition_list_s* parts) {
  auto pairs = ToPairs(parts);
  if (assign) {
    rebalances_.fetch_add(1);
    rd_kafka_assign(rk_, parts);
    // Membership only: the tasks' own consumers read the data.
    rd_kafka_pause_partitions(rk_, parts);
    if (cb_.on_assign) cb_.on_assign(pairs);
  } else {
    // Tasks close (final checkpoint + commit) while we still own the partitions.
    if (cb_.on_revoke) cb_.on_revoke(pairs);
    rd_kafka_assign(rk_, nullptr);
  }
}

void PipelineGroup::Commit(const std::vector<storage::CommittedOffset>& offsets) {
  // Also during Leave(): the revoke callback's final checkpoints commit.
  if (!rk_ || offsets.empty()) return;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& o : offsets) rd_kafka_topic_partition_list_add(list, o.topic.c_str(), o.partition)->offset = o.offset;
  rd_kafka_resp_err_t e = rd_kafka_commit(rk_, list, /*async=*/1);
  rd_kafka_topic_partition_list_destroy(list);
  if (e) SetError("commit: " + KafkaError(e));
}

void PipelineGroup::SetError(const std::string& e) {
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = e;
}

std::string PipelineGroup::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

}  // namespace meshd::stream
