#include "bus/targets.h"

#include <chrono>

#include "base/clock.h"
#include "bus/http_client.h"
#include "bus/log_io.h"

namespace meshd::bus {

DeliveryOutcome TopicTarget::Deliver(const DeliveryRequest& request) {
  auto parts = EnsureTopic(log_, topic_, 1);
  if (!parts.ok()) {
    return DeliveryOutcome::Retryable("TOPIC_UNAVAILABLE", parts.error().ToString());
  }
  if (validate_) {
    // Only topics that enforce schemas pay for parsing the payload.
    auto d = log_.DescribeTopic(topic_);
    const std::string* mode = nullptr;
    if (d.ok()) {
      if (auto it = d->config.raw.find("schema.validation"); it != d->config.raw.end()) mode = &it->second;
    }
    if (mode != nullptr && *mode != "none") {
      boost::system::error_code ec;
      boost::json::value value = boost::json::parse(request.payload, ec);
      Status s = ec ? Status::InvalidArgument("the record value for topic '" + topic_ +
                                              "' is not JSON: " + ec.message())
                    : validate_(topic_, d->config, value);
      // (In warn mode the validator itself accepts, and so is a non-JSON value.)
      if (!s.ok() && (!ec || *mode == "strict")) {
        return DeliveryOutcome::Permanent("SCHEMA_VALIDATION_FAILED", s.message());
      }
    }
  }
  OutRecord rec;
  rec.key = request.partition_key ? *request.partition_key : request.event_id;
  rec.value = request.payload;
  rec.timestamp_ms = WallMillis();
  rec.headers = {{"content-type", std::string("application/json")},
                 {"meshd-bus", request.bus},
                 {"meshd-rule", request.rule},
                 {"meshd-event-id", request.event_id}};
  if (!request.replay_name.empty()) rec.headers.push_back({"meshd-replay", request.replay_name});
  // Keyed by the PartitionKeyPath value (per-key order, compaction) or else
  // by event id, which spreads load; the worker delivers sequentially, so the
  // order within a source partition is kept either way.
  int32_t partition = static_cast<int32_t>(std::hash<std::string>{}(*rec.key) %
                                           static_cast<size_t>(*parts));
  if (gate_) {
    auto diverted = gate_(topic_, partition, *rec.key, *rec.value, rec.headers);
    if (!diverted.ok()) return DeliveryOutcome::Retryable("QUARANTINE_FAILED", diverted.error().ToString());
    if (*diverted) return DeliveryOutcome::Success();  // delivered to <topic>.quarantine
  }
  auto res = AppendRecords(log_, topic_, partition, {rec});
  if (!res.ok()) {
    if (res.error().code() == StatusCode::kTooLarge || res.error().code() == StatusCode::kInvalidArgument) {
      return DeliveryOutcome::Permanent("TOPIC_REJECTED", res.error().ToString());
    }
    return DeliveryOutcome::Retryable("TOPIC_APPEND_FAILED", res.error().ToString());
  }
  return DeliveryOutcome::Success();
}

DeliveryOutcome BusTarget::Deliver(const DeliveryRequest& request) {
  Status s = ingest_(bus_, request.payload);
  if (s.ok()) return DeliveryOutcome::Success();
  if (s.code() == StatusCode::kNotFound) {
    return DeliveryOutcome::Permanent("BUS_NOT_FOUND", s.ToString());
  }
  if (s.code() == StatusCode::kInvalidArgument) {
    return DeliveryOutcome::Permanent("INVALID_EVENT", s.ToString());
  }
  return DeliveryOutcome::Retryable("BUS_INGEST_FAILED", s.ToString());
}

DeliveryOutcome ClassifyHttpStatus(int status, const std::string& body) {
  if (status >= 200 && status < 300) return DeliveryOutcome::Success();
  std::string msg = "HTTP " + std::to_string(status);
  if (!body.empty()) msg += ": " + body.substr(0, 256);
  std::string code = "HTTP_" + std::to_string(status);
  if (status == 408 || status == 429 || status >= 500 || status < 200) {
    return DeliveryOutcome::Retryable(code, msg);
  }
  return DeliveryOutcome::Permanent(code, msg);
}

bool WebhookTarget::WaitForSlot() {
  std::unique_lock<std::mutex> lock(mu_);
  if (params_.rate_limit_per_second <= 0) return !cancelled_;
  int64_t interval_us = static_cast<int64_t>(1e6 / params_.rate_limit_per_second);
  while (!cancelled_) {
    int64_t now = MonoMicros();
    if (now >= next_slot_us_) {
      // The slot after this one is one interval later; an idle target does
      // not bank slots (no burst after a quiet period).
      next_slot_us_ = std::max(next_slot_us_, now) + interval_us;
      return true;
    }
    cv_.wait_for(lock, std::chrono::microseconds(next_slot_us_ - now));
  }
  return false;
}

void WebhookTarget::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  cv_.notify_all();
}

DeliveryOutcome WebhookTarget::Deliver(const DeliveryRequest& request) {
  if (!WaitForSlot()) return DeliveryOutcome::Interrupted("CANCELLED", "target is stopping");
  HttpClientRequest req;
  req.method = params_.method;
  req.url = url_;
  req.headers = params_.headers;
  req.headers.emplace("X-Meshd-Event-Id", request.event_id);
  req.headers.emplace("X-Meshd-Rule", request.rule);
  req.body = request.payload;
  req.timeout = std::chrono::milliseconds(params_.timeout_ms);
  auto res = HttpCall(req);
  if (!res.ok()) {
    const Status& s = res.error();
    if (s.code() == StatusCode::kInvalidArgument) return DeliveryOutcome::Permanent("INVALID_URL", s.ToString());
    if (s.code() == StatusCode::kTimeout) return DeliveryOutcome::Retryable("TIMEOUT", s.ToString());
    return DeliveryOutcome::Retryable("CONNECTION_FAILURE", s.ToString());
  }
  return ClassifyHttpStatus(res->status, res->body);
}

}  // namespace meshd::bus
