#include "governance/quarantine_store.h"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

#include "base/logging.h"
#include "metrics/metrics.h"
#include "storage/internal_topic.h"

namespace meshd::governance {
namespace {

namespace json = boost::json;

const std::string* HeaderValue(const record::Record& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.key == name && h.value) return &*h.value;
  }
  return nullptr;
}

bool IsQuarantineHeader(const std::string& k) {
  return k == kHeaderReason || k == kHeaderRule || k == kHeaderSourceTopic || k == kHeaderSourcePartition ||
         k == kHeaderQuarantinedAt;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t ToInt(const std::string* s, int64_t fallback) {
  if (s == nullptr) return fallback;
  try {
    return std::stoll(*s);
  } catch (...) {
    return fallback;
  }
}

}  // namespace

std::string QuarantineStore::SourceOf(const std::string& topic) {
  if (EndsWith(topic, kQuarantineTopicSuffix)) return topic.substr(0, topic.size() - std::string_view(kQuarantineTopicSuffix).size());
  return topic;
}

Status QuarantineStore::EnsureTopic(const std::string& name, bool compacted) {
  std::lock_guard lock(create_mu_);
  if (log_.DescribeTopic(name).ok()) return Status::Ok();
  storage::TopicConfig config;
  if (compacted) {
    auto c = storage::TopicConfig::FromMap({{"cleanup.policy", "compact"}});
    if (!c.ok()) return c.error();
    config = *c;
  }
  auto created = log_.CreateTopic(name, 1, config);
  if (!created.ok() && created.error().code() != StatusCode::kAlreadyExists) return created.error();
  return Status::Ok();
}

Status QuarantineStore::Open() {
  MESHD_TRY(EnsureTopic(kStateTopic, /*compacted=*/true));
  std::lock_guard lock(mu_);
  handled_.clear();
  return storage::ReplayTopic(log_, kStateTopic, 0, [this](const record::Record& r) {
    if (!r.key) return;
    auto at = r.key->rfind('@');
    if (at == std::string::npos) return;
    std::pair<std::string, int64_t> k{r.key->substr(0, at), ToInt(nullptr, -1)};
    try {
      k.second = std::stoll(r.key->substr(at + 1));
    } catch (...) {
      return;
    }
    if (r.value) handled_.insert(k);
    else handled_.erase(k);  // a tombstone re-opens (not written today)
  });
}

Result<int64_t> QuarantineStore::Put(const std::string& source_topic, const std::vector<QuarantineItem>& items) {
  const std::string qtopic = TopicFor(source_topic);
  MESHD_TRY(EnsureTopic(qtopic, /*compacted=*/false));
  const std::string now = std::to_string(clock_.NowMillis());
  record::RecordBatchBuilder builder;
  for (const QuarantineItem& it : items) {
    std::vector<record::RecordHeader> headers;
    headers.reserve(it.headers.size() + 5);
    for (const auto& h : it.headers) {
      if (!IsQuarantineHeader(h.key)) headers.push_back(h);
    }
    headers.push_back({kHeaderReason, it.reason});
    headers.push_back({kHeaderRule, it.rule});
    headers.push_back({kHeaderSourceTopic, source_topic});
    headers.push_back({kHeaderSourcePartition, std::to_string(it.source_partition)});
    headers.push_back({kHeaderQuarantinedAt, now});
    std::optional<std::string_view> key, value;
    if (it.key) key = *it.key;
    if (it.value) value = *it.value;
    builder.Add(it.timestamp_ms, key, value, headers);
  }
  MESHD_ASSIGN_OR_RETURN(auto res, log_.Append(qtopic, 0, builder.Build()));
  metrics::Registry::Default()
      .GetCounter("meshd_quarantined_events_total", "Events diverted to <topic>.quarantine by a contract",
                  {{"topic", source_topic}})
      .Inc(static_cast<double>(items.size()));
  return res.base_offset;
}

Result<std::vector<QuarantineEntry>> QuarantineStore::PendingLocked(const std::string& source_topic,
                                                                    size_t limit) {
  std::vector<std::string> qtopics;
  if (!source_topic.empty()) {
    qtopics.push_back(TopicFor(SourceOf(source_topic)));
  } else {
    for (const std::string& t : log_.ListTopics()) {
      if (EndsWith(t, kQuarantineTopicSuffix)) qtopics.push_back(t);
    }
    std::sort(qtopics.begin(), qtopics.end());
  }
  std::vector<QuarantineEntry> out;
  for (const std::string& q : qtopics) {
    if (!log_.DescribeTopic(q).ok()) continue;  // nothing quarantined yet
    Status s = storage::ReplayTopic(log_, q, 0, [&](const record::Record& r) {
      if (out.size() >= limit || handled_.count({q, r.offset})) return;
      QuarantineEntry e;
      e.quarantine_topic = q;
      e.offset = r.offset;
      const std::string* src = HeaderValue(r, kHeaderSourceTopic);
      e.source_topic = src ? *src : SourceOf(q);
      e.source_partition = static_cast<int32_t>(ToInt(HeaderValue(r, kHeaderSourcePartition), 0));
      e.timestamp_ms = r.timestamp;
      e.quarantined_at_ms = ToInt(HeaderValue(r, kHeaderQuarantinedAt), 0);
      if (const std::string* v = HeaderValue(r, kHeaderRule)) e.rule = *v;
      if (const std::string* v = HeaderValue(r, kHeaderReason)) e.reason = *v;
      e.key = r.key;
      e.value = r.value;
      e.headers = r.headers;
      out.push_back(std::move(e));
    });
    if (!s.ok()) return s;
  }
  return out;
}

Result<std::vector<QuarantineEntry>> QuarantineStore::List(const std::string& source_topic, size_t limit) {
  std::lock_guard lock(mu_);
  return PendingLocked(source_topic, limit);
}

Status QuarantineStore::MarkLocked(const std::string& qtopic, int64_t offset, const std::string& state,
                                   int64_t new_offset) {
  json::object v;
  v["state"] = state;
  v["at"] = clock_.NowMillis();
  if (new_offset >= 0) v["offset"] = new_offset;
  std::string key = qtopic + "@" + std::to_string(offset);
  std::string value = json::serialize(v);
  record::RecordBatchBuilder builder;
  builder.Add(clock_.NowMillis(), key, value);
  auto r = log_.Append(kStateTopic, 0, builder.Build());
  if (!r.ok()) return r.error();
  handled_.insert({qtopic, offset});
  return Status::Ok();
}

Result<ReleaseReport> QuarantineStore::Release(const std::string& source_topic,
                                               const std::optional<std::vector<int64_t>>& offsets,
                                               const Recheck& recheck) {
  std::lock_guard lock(mu_);
  const std::string source = SourceOf(source_topic);
  const std::string qtopic = TopicFor(source);
  MESHD_ASSIGN_OR_RETURN(auto pending, PendingLocked(source, SIZE_MAX));
  ReleaseReport report;
  std::vector<const QuarantineEntry*> chosen;
  if (offsets) {
    std::map<int64_t, const QuarantineEntry*> by_offset;
    for (const auto& e : pending) by_offset[e.offset] = &e;
    std::set<int64_t> seen;  // an offset listed twice is released once
    for (int64_t o : *offsets) {
      if (!seen.insert(o).second) continue;
      auto it = by_offset.find(o);
      if (it == by_offset.end()) report.not_found.push_back(o);
      else chosen.push_back(it->second);
    }
  } else {
    for (const auto& e : pending) chosen.push_back(&e);
  }
  if (chosen.empty()) return report;
  auto desc = log_.DescribeTopic(source);
  if (!desc.ok()) return Status::NotFound("source topic '" + source + "' does not exist: " + desc.error().message());
  const int32_t nparts = static_cast<int32_t>(desc->partitions.size());
  for (const QuarantineEntry* e : chosen) {
    Validity v = recheck(source, e->value ? std::string_view(*e->value) : std::string_view());
    if (!v.valid()) {
      report.kept.push_back({e->offset, v.rule, v.reason});
      continue;
    }
    // One append per event: each must be marked released right after it lands.
    std::vector<record::RecordHeader> headers;
    for (const auto& h : e->headers) {
      if (!IsQuarantineHeader(h.key) && h.key != kHeaderReleasedFrom) headers.push_back(h);
    }
    headers.push_back({kHeaderReleasedFrom, qtopic + "@" + std::to_string(e->offset)});
    int32_t partition = e->source_partition >= 0 && e->source_partition < nparts ? e->source_partition : 0;
    record::RecordBatchBuilder builder;
    std::optional<std::string_view> key, value;
    if (e->key) key = *e->key;
    if (e->value) value = *e->value;
    builder.Add(clock_.NowMillis(), key, value, headers);
    MESHD_ASSIGN_OR_RETURN(auto res, log_.Append(source, partition, builder.Build()));
    MESHD_TRY(MarkLocked(qtopic, e->offset, "released", res.base_offset));
    report.released.push_back({e->offset, partition, res.base_offset});
  }
  if (!report.released.empty()) {
    metrics::Registry::Default()
        .GetCounter("meshd_quarantine_released_total", "Quarantined events released to their topic",
                    {{"topic", source}})
        .Inc(static_cast<double>(report.released.size()));
  }
  logging::Get("governance")->info("quarantine release topic={} released={} kept={} not_found={}", source,
                                   report.released.size(), report.kept.size(), report.not_found.size());
  return report;
}

Result<DropReport> QuarantineStore::Drop(const std::string& source_topic,
                                         const std::optional<std::vector<int64_t>>& offsets) {
  std::lock_guard lock(mu_);
  const std::string source = SourceOf(source_topic);
  const std::string qtopic = TopicFor(source);
  MESHD_ASSIGN_OR_RETURN(auto pending, PendingLocked(source, SIZE_MAX));
  DropReport report;
  std::set<int64_t> have;
  for (const auto& e : pending) have.insert(e.offset);
  std::vector<int64_t> chosen;
  if (offsets) {
    for (int64_t o : *offsets) {
      if (have.erase(o)) chosen.push_back(o);
      else if (std::find(chosen.begin(), chosen.end(), o) == chosen.end()) report.not_found.push_back(o);
    }
  } else {
    chosen.assign(have.begin(), have.end());
  }
  for (int64_t o : chosen) {
    MESHD_TRY(MarkLocked(qtopic, o, "dropped", -1));
    report.dropped.push_back(o);
  }
  if (!report.dropped.empty()) {
    metrics::Registry::Default()
        .GetCounter("meshd_quarantine_dropped_total", "Quarantined events dropped", {{"topic", source}})
        .Inc(static_cast<double>(report.dropped.size()));
  }
  return report;
}

}  // namespace meshd::governance
