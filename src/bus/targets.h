#pragma once
// The built-in targets other than functions (see function_pool.h):
//  - TopicTarget  (arn:meshd:topic:<name>): appends the payload as the record
//    value (plain JSON), key = event id, headers content-type, meshd-bus,
//    meshd-rule, meshd-event-id. The topic is created (1 partition) if missing.
//    When the topic enforces schemas (topic config schema.validation warn or
//    strict) and a validator is given, the record value is validated first;
//    a strict failure is a permanent (not retried) SCHEMA_VALIDATION_FAILED.
//  - BusTarget    (arn:meshd:bus:<name>): re-ingests the event into another
//    bus through a callback into BusService.
//  - WebhookTarget (http(s)://...): one HTTP request per event; 2xx = success;
//    408, 429, 5xx and network errors are retryable; other 4xx are not.
// Thread-safety: as Target.

#include <boost/json.hpp>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "bus/model.h"
#include "bus/target.h"
#include "record/record_batch.h"
#include "storage/event_log.h"

namespace meshd::bus {

// Validates a record value (parsed JSON) for a topic with its config;
// BusServiceOptions::validate_detail has this shape.
using TopicValueValidator = std::function<Status(const std::string& topic, const storage::TopicConfig& config,
                                                 const boost::json::value& value)>;

// Data-product contracts on topic targets: called with the record about to
// be appended (topic, partition, key, value, headers). Returns true when it
// took the record instead (diverted it to `<topic>.quarantine`), so it must
// not be appended; an error is a retryable delivery failure.
// BusServiceOptions::contract_gate has this shape.
using TopicRecordGate = std::function<Result<bool>(const std::string& topic, int32_t partition,
                                                   const std::string& key, const std::string& value,
                                                   const std::vector<record::RecordHeader>& headers)>;

class TopicTarget final : public Target {
 public:
  TopicTarget(storage::EventLog& log, std::string topic, TopicValueValidator validate = nullptr,
              TopicRecordGate gate = nullptr)
      : log_(log), topic_(std::move(topic)), validate_(std::move(validate)), gate_(std::move(gate)) {}
  DeliveryOutcome Deliver(const DeliveryRequest& request) override;

 private:
  storage::EventLog& log_;
  std::string topic_;
  TopicValueValidator validate_;
  TopicRecordGate gate_;
};

// Ingests `event_json` into bus `bus`; returns the error when it cannot.
using BusIngestFn = std::function<Status(const std::string& bus, const std::string& event_json)>;

class BusTarget final : public Target {
 public:
  BusTarget(std::string bus, BusIngestFn ingest) : bus_(std::move(bus)), ingest_(std::move(ingest)) {}
  DeliveryOutcome Deliver(const DeliveryRequest& request) override;

 private:
  std::string bus_;
  BusIngestFn ingest_;
};

class WebhookTarget final : public Target {
 public:
  WebhookTarget(std::string url, WebhookParams params)
      : url_(std::move(url)), params_(std::move(params)) {}
  DeliveryOutcome Deliver(const DeliveryRequest& request) override;
  void Cancel() override;

 private:
  // Waits for the rate limiter's next slot; false if cancelled.
  bool WaitForSlot();

  std::string url_;
  WebhookParams params_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  int64_t next_slot_us_ = 0;
};

// Classifies an HTTP status as AWS does for API destinations.
DeliveryOutcome ClassifyHttpStatus(int status, const std::string& body);

}  // namespace meshd::bus
