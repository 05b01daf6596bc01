#include "governance/governance_events.h"

#include "cloudevents/cloud_event.h"
#include "metrics/metrics.h"
#include "record/record_batch.h"

namespace meshd::governance {

namespace json = boost::json;

std::string GovernanceEvents::Build(const std::string& type, const std::string& product,
                                    const std::string& port, const std::string& topic, json::object data,
                                    int64_t now_ms) {
  data["product"] = product;
  data["port"] = port;
  data["topic"] = topic;
  json::object ev;
  ev["specversion"] = "1.0";
  ev["id"] = cloudevents::NewUuid();
  ev["source"] = "/meshd/governance";
  ev["type"] = "meshd.governance." + type;
  ev["subject"] = product + "/" + port;
  ev["time"] = cloudevents::FormatRfc3339(now_ms);
  ev["datacontenttype"] = "application/json";
  ev["data"] = std::move(data);
  return json::serialize(ev);
}

Status GovernanceEvents::EnsureTopic() {
  std::lock_guard lock(mu_);
  if (topic_ready_) return Status::Ok();
  if (!log_.DescribeTopic(kTopic).ok()) {
    auto created = log_.CreateTopic(kTopic, 1, storage::TopicConfig{});
    if (!created.ok() && created.error().code() != StatusCode::kAlreadyExists) return created.error();
  }
  topic_ready_ = true;
  return Status::Ok();
}

Status GovernanceEvents::Emit(const std::string& type, const std::string& product, const std::string& port,
                              const std::string& topic, json::object data) {
  MESHD_TRY(EnsureTopic());
  const int64_t now = clock_.NowMillis();
  std::string value = Build(type, product, port, topic, std::move(data), now);
  record::RecordBatchBuilder builder;
  std::string key = product + "/" + port;
  builder.Add(now, key, value, {{"content-type", std::string("application/cloudevents+json")}});
  auto r = log_.Append(kTopic, 0, builder.Build());
  if (!r.ok()) return r.error();
  metrics::Registry::Default()
      .GetCounter("meshd_governance_events_total", "Governance events appended to _governance",
                  {{"type", type}})
      .Inc();
  return Status::Ok();
}

}  // namespace meshd::governance
