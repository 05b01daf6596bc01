#include "cli/bench_kafka.h"

#include <librdkafka/rdkafka.h>
#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "base/result.h"
#include "base/status.h"
#include "base/thread_name.h"
#include "cli/bench_schema.h"
#include "cli/commands.h"
#include "kafka/server/kafka_server.h"
#include "storage/local_log.h"
#include "storage/topic_config.h"

namespace meshd::cli {
namespace {

namespace fs = std::filesystem;

// Gives up when no delivery report / message arrives for this long.
constexpr int64_t kStallTimeoutMs = 30'000;

int Fail(const Status& s) {
  std::fprintf(stderr, "meshd: bench kafka: %s\n", s.message().c_str());
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
      return kExitConnection;
    default:
      return kExitServerError;
  }
}

std::string RandomSuffix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", rd());
  return buf;
}

// An in-process broker: LocalLog in a fresh temp dir + KafkaServer on
// 127.0.0.1:0, served by `threads` I/O threads. Everything is torn down
// (and the dir removed) by the destructor.
class EmbeddedBroker {
 public:
  static Result<std::unique_ptr<EmbeddedBroker>> Start(
      const std::string& parent, int threads,
      std::shared_ptr<kafka::RecordValidator> validator = nullptr) {
    auto b = std::unique_ptr<EmbeddedBroker>(new EmbeddedBroker());
    std::string tmpl = (fs::path(parent) / "meshd-kbench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Status::IOError("cannot create a temp dir under " + parent);
    }
    b->dir_ = tmpl;
    storage::LocalLogOptions lo;
    lo.data_dir = b->dir_;
    auto log = storage::LocalLog::Open(lo);
    if (!log.ok()) return log.error();
    b->log_ = std::move(log).value();
    kafka::KafkaServerOptions ko;
    ko.state_dir = b->dir_;
    ko.record_validator = std::move(validator);
    b->server_ = std::make_unique<kafka::KafkaServer>(b->io_, *b->log_, ko);
    auto ep = b->server_->Listen("127.0.0.1", 0);
    if (!ep.ok()) return ep.error();
    b->bootstrap_ = "127.0.0.1:" + std::to_string(ep->port());
    if (threads <= 0) threads = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
    for (int i = 0; i < threads; ++i) {
      b->threads_.emplace_back([io = &b->io_, i] {
        NameThisThread("meshd-io-" + std::to_string(i));
        io->run();
      });
    }
    return b;
  }

  ~EmbeddedBroker() {
    if (server_) server_->Stop();
    guard_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
    if (log_) log_->Close();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  const std::string& bootstrap() const { return bootstrap_; }
  storage::LocalLog& log() { return *log_; }

 private:
  EmbeddedBroker() : guard_(boost::asio::make_work_guard(io_)) {}

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::string dir_;
  std::unique_ptr<storage::LocalLog> log_;
  std::unique_ptr<kafka::KafkaServer> server_;
  std::vector<std::thread> threads_;
  std::string bootstrap_;
};

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

Status SetConf(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    return Status::InvalidArgument(std::string("librdkafka config ") + key + "=" + value + ": " +
                                   err);
  }
  return Status();
}

// Per-message delivery bookkeeping, reached through the conf opaque.
struct DeliveryState {
  std::vector<int64_t> latency_us;
  int64_t delivered = 0;
  int64_t failed = 0;
  int64_t last_delivery_us = 0;
  std::string first_error;
  bool all_brokers_down = false;  // set by OnError: fail fast instead of waiting
};

void OnError(rd_kafka_t*, int err, const char*, void* opaque) {
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    static_cast<DeliveryState*>(opaque)->all_brokers_down = true;
  }
}

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<DeliveryState*>(opaque);
  int64_t now = MonoMicros();
  ++st->delivered;
  st->last_delivery_us = now;
  if (m->err) {
    if (st->failed++ == 0) st->first_error = rd_kafka_err2str(m->err);
    return;
  }
  // The send time travels as the message opaque.
  st->latency_us.push_back(now - static_cast<int64_t>(reinterpret_cast<intptr_t>(m->_private)));
}

Result<RdKafkaPtr> NewProducer(const KafkaBenchOptions& o, const std::string& bootstrap,
                               int linger_ms, DeliveryState* state) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status s;
  auto set = [&](const char* k, const std::string& v) {
    if (s.ok()) s = SetConf(conf, k, v);
  };
  set("bootstrap.servers", bootstrap);
  set("acks", o.acks);
  set("linger.ms", std::to_string(linger_ms));
  set("compression.codec", "none");
  // Room for the whole run in the client queue (1 KiB x 1M = 1 GiB cap is
  // librdkafka's default byte limit).
  set("queue.buffering.max.messages", "1000000");
  set("message.timeout.ms", "60000");
  if (!s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_error_cb(conf, OnError);
  rd_kafka_conf_set_opaque(conf, state);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("cannot create producer: ") + err);
  }
  return RdKafkaPtr(rk);
}

// Creates `topic` through the CreateTopics API (for an external broker).
// An existing topic is fine and keeps its partitions and config.
Status CreateTopicViaAdmin(rd_kafka_t* rk, const std::string& topic, int partitions,
                           const std::string& fsync, const std::string& bootstrap,
                           const DeliveryState* state) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof(err));
  if (nt == nullptr) return Status::InvalidArgument(std::string("topic ") + topic + ": " + err);
  rd_kafka_NewTopic_set_config(nt, "fsync", fsync.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = nullptr;
  for (int64_t deadline = MonoMillis() + 15000; ev == nullptr && MonoMillis() < deadline;) {
    ev = rd_kafka_queue_poll(q, 100);
    rd_kafka_poll(rk, 0);  // serves OnError
    if (ev == nullptr && state->all_brokers_down) break;
  }
  Status result;
  if (ev == nullptr && state->all_brokers_down) {
    result = Status::Unavailable("cannot connect to " + bootstrap + " (all brokers down)");
  } else if (ev == nullptr) {
    result = Status::Timeout("CreateTopics " + topic + ": no answer from " + bootstrap +
                             " in 15 s (is the broker reachable?)");
  } else if (rd_kafka_event_error(ev)) {
    result = Status::Unavailable("CreateTopics " + topic + ": " + rd_kafka_event_error_string(ev));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* msg = rd_kafka_topic_result_error_string(res[i]);
        result = Status::Internal("CreateTopics " + topic + ": " + (msg ? msg : rd_kafka_err2str(e)));
      }
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  return result;
}

// Produces one message and waits for its delivery report (connects and
// fetches metadata, so the timed runs do not include the handshake).
Status Warmup(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const std::string& payload,
              DeliveryState* state) {
  int64_t before = state->delivered;
  if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, const_cast<char*>(payload.data()),
                       payload.size(), nullptr, 0,
                       reinterpret_cast<void*>(static_cast<intptr_t>(MonoMicros()))) != 0) {
    return Status::Unavailable(std::string("produce: ") + rd_kafka_err2str(rd_kafka_last_error()));
  }
  int64_t deadline = MonoMillis() + kStallTimeoutMs;
  while (state->delivered == before && MonoMillis() < deadline && !state->all_brokers_down) {
    rd_kafka_poll(rk, 100);
  }
  if (state->delivered == before) {
    return Status::Unavailable("no delivery report for the warm-up message within 30 s "
                               "(is the broker reachable?)");
  }
  if (state->failed > 0) return Status::Unavailable("warm-up message failed: " + state->first_error);
  state->latency_us.clear();
  return Status();
}

struct RunFigures {
  int64_t messages = 0;
  int64_t bytes = 0;
  double seconds = 0;
  std::vector<int64_t> latency_us;  // sorted; empty for consume
  double first_message_ms = -1;     // consume: assign() to first message (not in `seconds`)
  // CPU time of the whole process (client and, with --embedded, broker)
  // over the timed run, start-up and warm-up excluded; -1 when not measured.
  double cpu_seconds = -1;
};

// Full-load produce: every message handed to the client as fast as its queue
// accepts; the clock stops at the last delivery report.
Result<RunFigures> ProduceThroughput(rd_kafka_t* rk, rd_kafka_topic_t* rkt,
                                     const std::string& payload, int64_t n,
                                     DeliveryState* state) {
  state->latency_us.clear();
  state->latency_us.reserve(static_cast<size_t>(n));
  int64_t base = state->delivered;
  int64_t t0 = MonoMicros();
  for (int64_t i = 0; i < n; ++i) {
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, const_cast<char*>(payload.data()),
                            payload.size(), nullptr, 0,
                            reinterpret_cast<void*>(static_cast<intptr_t>(MonoMicros()))) != 0) {
      rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        return Status::Unavailable(std::string("produce: ") + rd_kafka_err2str(e));
      }
      rd_kafka_poll(rk, 1);
    }
    if ((i & 255) == 0) rd_kafka_poll(rk, 0);
  }
  int64_t last_progress = MonoMillis();
  int64_t seen = state->delivered;
  while (state->delivered - base < n) {
    rd_kafka_poll(rk, 100);
    if (state->delivered != seen) {
      seen = state->delivered;
      last_progress = MonoMillis();
    } else if (MonoMillis() - last_progress > kStallTimeoutMs) {
      return Status::Timeout("produce stalled: " + std::to_string(state->delivered - base) + " of " +
                             std::to_string(n) + " messages delivered");
    }
  }
  if (state->failed > 0) {
    return Status::Internal(std::to_string(state->failed) + " deliveries failed, first: " +
                            state->first_error);
  }
  RunFigures f;
  f.messages = n;
  f.bytes = n * static_cast<int64_t>(payload.size());
  f.seconds = static_cast<double>(state->last_delivery_us - t0) / 1e6;
  f.latency_us = std::move(state->latency_us);
  std::sort(f.latency_us.begin(), f.latency_us.end());
  return f;
}

// Low load: one message in flight; the next is sent when the previous one's
// delivery report arrives.
Result<RunFigures> ProduceOneAtATime(rd_kafka_t* rk, rd_kafka_topic_t* rkt,
                                     const std::string& payload, int64_t n,
                                     DeliveryState* state) {
  state->latency_us.clear();
  state->latency_us.reserve(static_cast<size_t>(n));
  int64_t t0 = MonoMicros();
  for (int64_t i = 0; i < n; ++i) {
    int64_t before = state->delivered;
    if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, const_cast<char*>(payload.data()),
                         payload.size(), nullptr, 0,
                         reinterpret_cast<void*>(static_cast<intptr_t>(MonoMicros()))) != 0) {
      return Status::Unavailable(std::string("produce: ") +
                                 rd_kafka_err2str(rd_kafka_last_error()));
    }
    int64_t deadline = MonoMillis() + kStallTimeoutMs;
    while (state->delivered == before) {
      rd_kafka_poll(rk, 100);
      if (MonoMillis() > deadline) return Status::Timeout("no delivery report within 30 s");
    }
    if (state->failed > 0) return Status::Internal("delivery failed: " + state->first_error);
  }
  RunFigures f;
  f.messages = n;
  f.bytes = n * static_cast<int64_t>(payload.size());
  f.seconds = static_cast<double>(MonoMicros() - t0) / 1e6;
  f.latency_us = std::move(state->latency_us);
  std::sort(f.latency_us.begin(), f.latency_us.end());
  return f;
}

Result<RunFigures> Consume(const std::string& bootstrap, const std::string& topic,
                           int partitions, int64_t n) {
  if (n < 2) return Status::InvalidArgument("--messages must be >= 2 in consume mode");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status s;
  auto set = [&](const char* k, const std::string& v) {
    if (s.ok()) s = SetConf(conf, k, v);
  };
  set("bootstrap.servers", bootstrap);
  set("group.id", "kbench-" + RandomSuffix());
  set("enable.auto.commit", "false");
  set("enable.auto.offset.store", "false");
  if (!s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  char err[512];
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (raw == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("cannot create consumer: ") + err);
  }
  RdKafkaPtr rk(raw);
  rd_kafka_poll_set_consumer(rk.get());
  // The topic's real partition count (an existing --topic may differ from
  // --partitions).
  {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t me = rd_kafka_metadata(rk.get(), 0, rkt, &md, 15000);
    if (me == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && md->topics[0].err == 0 &&
        md->topics[0].partition_cnt > 0) {
      partitions = md->topics[0].partition_cnt;
    }
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    if (me) {
      return Status::Unavailable("metadata for " + topic + " from " + bootstrap + ": " +
                                 rd_kafka_err2str(me));
    }
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  const int64_t assigned_us = MonoMicros();
  rd_kafka_resp_err_t e = rd_kafka_assign(rk.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (e) return Status::Unavailable(std::string("assign: ") + rd_kafka_err2str(e));

  // The clock starts at the first message, so connection set-up, metadata
  // and offset lookup are not counted; that message is not counted either.
  RunFigures f;
  int64_t received = 0;
  int64_t t0 = 0;
  int64_t last_progress = MonoMillis();
  while (received < n) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (m == nullptr) {
      if (MonoMillis() - last_progress > kStallTimeoutMs) {
        rd_kafka_consumer_close(rk.get());
        return Status::Timeout("consume stalled after " + std::to_string(received) + " of " +
                               std::to_string(n) + " messages");
      }
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (received++ == 0) {
        t0 = MonoMicros();
        f.first_message_ms = static_cast<double>(t0 - assigned_us) / 1000.0;
      } else {
        ++f.messages;
        f.bytes += static_cast<int64_t>(m->len);
      }
      last_progress = MonoMillis();
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      std::string what = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      rd_kafka_consumer_close(rk.get());
      return Status::Unavailable("consume: " + what);
    }
    rd_kafka_message_destroy(m);
  }
  f.seconds = static_cast<double>(MonoMicros() - t0) / 1e6;
  rd_kafka_consumer_close(rk.get());
  return f;
}

// User + system CPU of this process so far, in seconds.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

double Quantile(const std::vector<int64_t>& sorted_us, double q) {
  if (sorted_us.empty()) return 0;
  size_t i = std::min(sorted_us.size() - 1,
                      static_cast<size_t>(q * static_cast<double>(sorted_us.size())));
  return static_cast<double>(sorted_us[i]) / 1000.0;
}

void Print(const KafkaBenchOptions& o, int linger_ms, const RunFigures& f, std::ostream& out) {
  double mps = f.seconds > 0 ? static_cast<double>(f.messages) / f.seconds : 0;
  double mbps = f.seconds > 0 ? static_cast<double>(f.bytes) / f.seconds / 1e6 : 0;
  bool has_latency = !f.latency_us.empty();
  char buf[1024];
  if (o.json) {
    int len = std::snprintf(
        buf, sizeof(buf),
        "{\"bench\":\"kafka\",\"mode\":\"%s\",\"embedded\":%s,\"messages\":%" PRId64
        ",\"size\":%" PRId64 ",\"acks\":\"%s\",\"linger_ms\":%d,\"partitions\":%d,"
        "\"fsync\":\"%s\",\"seconds\":%.3f,\"msgs_per_sec\":%.0f,\"mb_per_sec\":%.1f,"
        "\"bytes_per_sec\":%.0f",
        o.mode.c_str(), o.embedded ? "true" : "false", f.messages, o.size, o.acks.c_str(),
        linger_ms, o.partitions, o.fsync.c_str(), f.seconds, mps, mbps, mbps * 1e6);
    out.write(buf, std::min<int>(len, sizeof(buf) - 1));
    if (o.value_schema != "none") {
      out << ",\"value_schema\":\"" << o.value_schema << "\",\"schema_validation\":\""
          << o.schema_validation << "\"";
    }
    if (has_latency) {
      len = std::snprintf(buf, sizeof(buf),
                          ",\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}",
                          Quantile(f.latency_us, 0.5), Quantile(f.latency_us, 0.99),
                          Quantile(f.latency_us, 0.999),
                          static_cast<double>(f.latency_us.back()) / 1000.0);
      out.write(buf, std::min<int>(len, sizeof(buf) - 1));
    }
    if (f.first_message_ms >= 0) {
      len = std::snprintf(buf, sizeof(buf), ",\"first_message_ms\":%.1f", f.first_message_ms);
      out.write(buf, std::min<int>(len, sizeof(buf) - 1));
    }
    if (f.cpu_seconds >= 0) {
      len = std::snprintf(buf, sizeof(buf), ",\"cpu_seconds\":%.3f", f.cpu_seconds);
      out.write(buf, std::min<int>(len, sizeof(buf) - 1));
    }
    out << "}\n";
  } else {
    int len = std::snprintf(buf, sizeof(buf),
                            "bench kafka %s: %" PRId64 " x %" PRId64
                            " B, acks=%s linger=%dms partitions=%d fsync=%s: %.0f msg/s, "
                            "%.1f MB/s",
                            o.mode.c_str(), f.messages, o.size, o.acks.c_str(), linger_ms,
                            o.partitions, o.fsync.c_str(), mps, mbps);
    out.write(buf, std::min<int>(len, sizeof(buf) - 1));
    if (o.value_schema != "none") {
      out << " [" << o.value_schema << " payloads, schema.validation=" << o.schema_validation << "]";
    }
    if (has_latency) {
      len = std::snprintf(buf, sizeof(buf), ", latency p50 %.3f ms p99 %.3f ms max %.3f ms",
                          Quantile(f.latency_us, 0.5), Quantile(f.latency_us, 0.99),
                          static_cast<double>(f.latency_us.back()) / 1000.0);
      out.write(buf, std::min<int>(len, sizeof(buf) - 1));
    }
    if (f.first_message_ms >= 0) {
      len = std::snprintf(buf, sizeof(buf), " (first message after %.1f ms, not counted)",
                          f.first_message_ms);
      out.write(buf, std::min<int>(len, sizeof(buf) - 1));
    }
    if (f.cpu_seconds >= 0 && f.seconds > 0) {
      len = std::snprintf(buf, sizeof(buf), ", CPU %.2f s (%.2f cores)", f.cpu_seconds,
                          f.cpu_seconds / f.seconds);
      out.write(buf, std::min<int>(len, sizeof(buf) - 1));
    }
    out << "\n";
  }
  out.flush();
}

Status Validate(const KafkaBenchOptions& o) {
  if (o.mode != "produce" && o.mode != "latency" && o.mode != "consume") {
    return Status::InvalidArgument("--mode must be produce, latency or consume, got '" + o.mode +
                                   "'");
  }
  if (o.messages <= 0) return Status::InvalidArgument("--messages must be > 0");
  if (o.size <= 0 || o.size > 16 * 1024 * 1024) {
    return Status::InvalidArgument("--size must be in 1..16777216");
  }
  if (o.acks != "0" && o.acks != "1" && o.acks != "all" && o.acks != "-1") {
    return Status::InvalidArgument("--acks must be 0, 1 or all, got '" + o.acks + "'");
  }
  if (o.partitions <= 0) return Status::InvalidArgument("--partitions must be > 0");
  if (o.linger_ms < 0) return Status::InvalidArgument("--linger-ms must be >= 0");
  auto config = storage::TopicConfig::FromMap({{"fsync", o.fsync}});
  if (!config.ok()) return Status::InvalidArgument("--fsync: " + config.error().message());
  if (o.value_schema != "none" && o.value_schema != "json" && o.value_schema != "avro") {
    return Status::InvalidArgument("--value-schema must be none, json or avro, got '" +
                                   o.value_schema + "'");
  }
  if (o.value_schema != "none" && !o.embedded) {
    return Status::InvalidArgument("--value-schema needs --embedded");
  }
  auto policy = storage::TopicConfig::FromMap({{"schema.validation", o.schema_validation}});
  if (!policy.ok()) {
    return Status::InvalidArgument("--schema-validation: " + policy.error().message());
  }
  return Status();
}

}  // namespace

int RunKafkaBench(const KafkaBenchOptions& options) { return RunKafkaBench(options, std::cout); }

void AddKafkaBenchOptions(CLI::App& cmd, KafkaBenchOptions* o) {
  auto* bootstrap =
      cmd.add_option("--bootstrap", o->bootstrap, "broker HOST:PORT")->capture_default_str();
  cmd.add_flag("--embedded", o->embedded, "start an in-process meshd broker on a temp dir")
      ->excludes(bootstrap);
  cmd.add_option("--mode", o->mode, "produce | latency (one in flight, linger 0) | consume")
      ->capture_default_str();
  cmd.add_option("--messages", o->messages, "messages to produce or consume")
      ->capture_default_str();
  cmd.add_option("--size", o->size, "message value bytes")->capture_default_str();
  cmd.add_option("--acks", o->acks, "0 | 1 | all")->capture_default_str();
  cmd.add_option("--linger-ms", o->linger_ms, "producer linger.ms (latency mode: 0)")
      ->capture_default_str();
  cmd.add_option("--topic", o->topic, "topic (default: a new kbench-* topic)");
  cmd.add_option("--partitions", o->partitions, "partitions of a new topic")->capture_default_str();
  cmd.add_option("--fsync", o->fsync, "fsync of a new topic: always | interval:<ms> | never")
      ->capture_default_str();
  cmd.add_option("--server-threads", o->server_threads,
                 "--embedded: broker I/O threads (0 = as meshd serve: cores, min 2)")
      ->capture_default_str();
  cmd.add_option("--data-dir", o->data_dir,
                 "--embedded: parent of the temp data dir (default $MESHD_BENCH_DIR or /tmp)");
  cmd.add_flag("--json", o->json, "print one JSON object");
  cmd.add_option("--value-schema", o->value_schema,
                 "--embedded: none | json | avro (valid Confluent-framed payloads of a schema "
                 "registered for the topic)")
      ->capture_default_str();
  cmd.add_option("--schema-validation", o->schema_validation,
                 "with --value-schema: the new topic's schema.validation (none | warn | strict)")
      ->capture_default_str();
}

int RunKafkaBench(const KafkaBenchOptions& options, std::ostream& out) {
  Status valid = Validate(options);
  if (!valid.ok()) return Fail(valid);
  const KafkaBenchOptions& o = options;
  const bool fresh_topic = o.topic.empty();
  const std::string topic = fresh_topic ? "kbench-" + RandomSuffix() : o.topic;

  SchemaBench schema_bench;  // outlives the broker that validates with it
  std::unique_ptr<EmbeddedBroker> broker;
  std::string bootstrap = o.bootstrap;
  if (o.embedded) {
    logging::Init("warn");
    std::string parent = o.data_dir;
    if (parent.empty()) {
      const char* env = std::getenv("MESHD_BENCH_DIR");
      parent = env && *env ? env : fs::temp_directory_path().string();
    }
    if (o.value_schema != "none") {
      auto sb = PrepareSchemaBench(o.value_schema, topic, o.size);
      if (!sb.ok()) return Fail(sb.error());
      schema_bench = std::move(sb).value();
    }
    auto b = EmbeddedBroker::Start(parent, o.server_threads, schema_bench.validator);
    if (!b.ok()) return Fail(b.error());
    broker = std::move(b).value();
    bootstrap = broker->bootstrap();
    std::map<std::string, std::string> topic_config{{"fsync", o.fsync}};
    if (o.value_schema != "none") topic_config["schema.validation"] = o.schema_validation;
    auto config = storage::TopicConfig::FromMap(topic_config);
    auto created = broker->log().CreateTopic(topic, o.partitions, *config);
    if (!created.ok() && created.error().code() != StatusCode::kAlreadyExists) {
      return Fail(created.error());
    }
  }

  const std::string payload =
      o.value_schema != "none" ? schema_bench.payload : std::string(static_cast<size_t>(o.size), 'x');
  // Producer (also fills the topic before a consume run).
  int linger = o.mode == "latency" ? 0 : o.linger_ms;
  DeliveryState state;
  auto producer = NewProducer(o, bootstrap, linger, &state);
  if (!producer.ok()) return Fail(producer.error());
  rd_kafka_t* rk = producer->get();
  if (!o.embedded && (fresh_topic || o.mode != "consume")) {
    Status s = CreateTopicViaAdmin(rk, topic, o.partitions, o.fsync, bootstrap, &state);
    if (!s.ok()) return Fail(s);
  }
  TopicPtr rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  if (!rkt) return Fail(Status::Internal("rd_kafka_topic_new " + topic + " failed"));

  Result<RunFigures> figures = Status::Internal("no run");
  if (o.mode == "consume" && (o.embedded || fresh_topic)) {
    Status w = Warmup(rk, rkt.get(), payload, &state);
    if (!w.ok()) return Fail(w);
    auto fill = ProduceThroughput(rk, rkt.get(), payload, o.messages, &state);
    if (!fill.ok()) return Fail(fill.error());
  }
  if (o.mode == "consume") {
    rkt.reset();
    producer->reset();
    figures = Consume(bootstrap, topic, o.partitions, o.messages);
  } else {
    Status w = Warmup(rk, rkt.get(), payload, &state);
    if (!w.ok()) return Fail(w);
    const double cpu_before = ProcessCpuSeconds();
    figures = o.mode == "latency" ? ProduceOneAtATime(rk, rkt.get(), payload, o.messages, &state)
                                  : ProduceThroughput(rk, rkt.get(), payload, o.messages, &state);
    if (figures.ok()) figures->cpu_seconds = ProcessCpuSeconds() - cpu_before;
    rkt.reset();
    producer->reset();
  }
  if (!figures.ok()) return Fail(figures.error());
  Print(o, linger, *figures, out);
  return kExitOk;
}

}  // namespace meshd::cli
