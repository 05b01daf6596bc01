#include "governance/contract_enforcer.h"

#include <boost/json.hpp>

#include <algorithm>
#include <climits>
#include <mutex>

#include "base/logging.h"
#include "metrics/metrics.h"

namespace meshd::governance {

namespace json = boost::json;

namespace {

struct PortStatus {
  std::mutex mu;
  bool validity_red = false;
  bool completeness_red = false;
  bool freshness_red = false;
  int64_t last_invalid_ms = INT64_MIN;
  std::string reason;
  bool reported_ok = true;
  int64_t throttle_second = -1;
  int throttle_count = 0;
  std::atomic<int64_t> violations{0};
};

metrics::Labels PortLabels(const std::string& product, const std::string& port) {
  return {{"product", product}, {"port", port}};
}

metrics::Gauge& StatusGauge(const std::string& product, const std::string& port) {
  return metrics::Registry::Default().GetGauge(
      "meshd_contract_status", "Contract status per output port: 1 = met (green), 0 = violated (red)",
      PortLabels(product, port));
}

// The "detail" of an EventBridge envelope delivered by a bus topic target;
// the payload itself when it is not a whole envelope (input transformers).
std::string BusDetail(std::string_view payload) {
  if (payload.find("\"detail-type\"") == std::string_view::npos) return std::string(payload);
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) return std::string(payload);
  const json::object& o = v.get_object();
  const json::value* detail = o.if_contains("detail");
  if (detail == nullptr || !o.contains("source")) return std::string(payload);
  return json::serialize(*detail);
}

}  // namespace

struct ContractEnforcer::Port {
  std::string product, port, topic;
  catalog::ContractSpec spec;
  std::shared_ptr<const ValidityChecker> checker;
  std::shared_ptr<CompletenessWindow> completeness;
  std::shared_ptr<FreshnessMonitor> freshness;  // null when not monitored
  std::shared_ptr<PortStatus> status;
};

ContractEnforcer::ContractEnforcer(storage::EventLog& log, ContractEnforcerOptions options)
    : log_(log),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &SystemClock::Instance()),
      events_(log, *clock_),
      quarantine_(log, *clock_),
      alive_(std::make_shared<std::atomic<bool>>(true)) {}

ContractEnforcer::~ContractEnforcer() { *alive_ = false; }

Status ContractEnforcer::Open() { return quarantine_.Open(); }

void ContractEnforcer::set_status_listener(ContractStatusListener listener) {
  std::lock_guard lock(listener_mu_);
  options_.status_listener = std::move(listener);
}

void ContractEnforcer::EnsureBound() {
  if (bound_.load(std::memory_order_acquire)) return;
  if (!options_.directory) return;
  catalog::ProductDirectory* dir = options_.directory();
  if (dir == nullptr) return;
  {
    std::lock_guard lock(bind_mu_);
    if (bound_.load()) return;
    std::weak_ptr<std::atomic<bool>> alive = alive_;
    dir->OnChange([this, alive] {
      auto a = alive.lock();
      if (a && *a) Rebuild();
    });
    bound_ = true;
  }
  Rebuild();
}

void ContractEnforcer::Rebuild() {
  catalog::ProductDirectory* dir = options_.directory ? options_.directory() : nullptr;
  if (dir == nullptr) return;
  auto logger = logging::Get("governance");
  const int64_t now = clock_->NowMillis();
  std::unordered_map<std::string, std::shared_ptr<Port>> next;
  std::vector<std::shared_ptr<Port>> fresh;
  {
    std::shared_lock lock(mu_);
    for (const auto& product : dir->List()) {
      if (!product) continue;
      for (const catalog::OutputPort& out : product->outputs) {
        const catalog::ContractSpec& spec = out.contract;
        if (out.topic.empty()) continue;
        if (spec.rules.empty() && !spec.completeness_min_ratio && !spec.freshness_max_delay_ms) continue;
        auto p = std::make_shared<Port>();
        p->product = product->name;
        p->port = out.name;
        p->topic = out.topic;
        p->spec = spec;
        auto compiled = ValidityChecker::Compile(spec.rules, options_.decode_framed);
        if (!compiled.ok()) {
          logger->error("contract of {}/{} (topic {}) has a rule that cannot be compiled, validity not enforced: {}",
                        p->product, p->port, p->topic, compiled.error().message());
          compiled = ValidityChecker::Compile({});
        }
        p->checker = *compiled;
        auto old = ports_.find(out.topic);
        const Port* prev = old != ports_.end() && old->second->product == p->product && old->second->port == p->port
                               ? old->second.get()
                               : nullptr;
        // Keep the monitors' history across an update that leaves them as they were.
        if (prev && prev->spec.completeness_window_ms == spec.completeness_window_ms) {
          p->completeness = prev->completeness;
        } else {
          p->completeness = std::make_shared<CompletenessWindow>(spec.completeness_window_ms);
        }
        if (spec.freshness_max_delay_ms) {
          if (prev && prev->freshness && prev->freshness->max_delay_ms() == *spec.freshness_max_delay_ms) {
            p->freshness = prev->freshness;
          } else {
            int64_t started = prev && prev->freshness ? prev->freshness->newest_ms() : now;
            p->freshness = std::make_shared<FreshnessMonitor>(*spec.freshness_max_delay_ms, started);
          }
        }
        p->status = prev ? prev->status : std::make_shared<PortStatus>();
        if (!prev) fresh.push_back(p);
        next[out.topic] = std::move(p);
      }
    }
  }
  {
    std::unique_lock lock(mu_);
    ports_ = std::move(next);
  }
  for (const auto& p : fresh) StatusGauge(p->product, p->port).Set(1);
  logger->info("contracts compiled ports={}", ports_.size());
}

std::shared_ptr<ContractEnforcer::Port> ContractEnforcer::Find(const std::string& topic) {
  EnsureBound();
  std::shared_lock lock(mu_);
  auto it = ports_.find(topic);
  return it == ports_.end() ? nullptr : it->second;
}

bool ContractEnforcer::Governs(const std::string& topic) { return Find(topic) != nullptr; }

Validity ContractEnforcer::Recheck(const std::string& topic, std::string_view payload) {
  auto p = Find(topic);
  if (!p) return {};
  return p->checker->Check(payload);
}

EventCheck ContractEnforcer::Check(const std::string& topic, std::string_view payload, PayloadKind kind) {
  auto p = Find(topic);
  if (!p) return {};
  const int64_t now = clock_->NowMillis();
  Validity v;
  if (kind == PayloadKind::kBusDelivery) {
    std::string detail = BusDetail(payload);
    v = p->checker->Check(detail);
  } else {
    v = p->checker->Check(payload);
  }
  auto& reg = metrics::Registry::Default();
  if (v.kind == Validity::Kind::kUnchecked) {
    reg.GetCounter("meshd_contract_unchecked_events_total",
                   "Events of governed topics whose payload validity rules could not evaluate (non-JSON)",
                   PortLabels(p->product, p->port))
        .Inc();
  }
  p->completeness->Record(now, v.valid());
  if (p->freshness) p->freshness->Observe(now);
  EventCheck out;
  PortStatus& st = *p->status;
  bool emit_violation = false;
  if (!v.valid()) {
    out.verdict = p->spec.on_violation == catalog::ViolationAction::kQuarantine ? Verdict::kQuarantine : Verdict::kFlag;
    out.rule = v.rule;
    out.reason = v.reason;
    st.violations.fetch_add(1, std::memory_order_relaxed);
    reg.GetCounter("meshd_contract_violations_total", "Contract violations per output port and rule",
                   {{"product", p->product}, {"port", p->port}, {"rule", v.rule}})
        .Inc();
    std::lock_guard lock(st.mu);
    st.validity_red = true;
    st.last_invalid_ms = now;
    st.reason = v.reason;
    const int64_t second = now / 1000;
    if (st.throttle_second != second) {
      st.throttle_second = second;
      st.throttle_count = 0;
    }
    if (st.throttle_count < GovernanceEvents::kMaxPerSecond) {
      ++st.throttle_count;
      emit_violation = true;
    } else {
      reg.GetCounter("meshd_governance_events_suppressed_total",
                     "ContractViolated events not emitted because of the per-port rate limit",
                     PortLabels(p->product, p->port))
          .Inc();
    }
  }
  if (emit_violation) {
    json::object data;
    data["rule"] = v.rule;
    data["reason"] = v.reason;
    data["action"] = out.verdict == Verdict::kQuarantine ? "quarantine" : "flag";
    if (out.verdict == Verdict::kQuarantine) data["quarantine_topic"] = QuarantineStore::TopicFor(topic);
    Publish(*p, "ContractViolated", std::move(data));
  }
  // Re-evaluate at once only what this event can change: a violation, a
  // completeness threshold, or the recovery of a red dimension. Everything
  // else (gauges, recovery by time) is the timer's job.
  bool evaluate = !v.valid() || p->spec.completeness_min_ratio.has_value();
  if (!evaluate) {
    std::lock_guard lock(st.mu);
    evaluate = st.freshness_red || st.completeness_red;
  }
  if (evaluate) Evaluate(*p, now, /*from_check=*/true);
  return out;
}

void ContractEnforcer::Publish(Port& port, const std::string& type, json::object data) {
  Status s = events_.Emit(type, port.product, port.port, port.topic, std::move(data));
  if (!s.ok()) {
    logging::Get("governance")->warn("governance event {} for {}/{} not appended: {}", type, port.product,
                                     port.port, s.ToString());
  }
}

void ContractEnforcer::Evaluate(Port& p, int64_t now, bool from_check) {
  std::vector<std::pair<std::string, json::object>> out;
  PortStatus& st = *p.status;
  auto& reg = metrics::Registry::Default();
  const metrics::Labels labels = PortLabels(p.product, p.port);
  std::string status_reason;
  bool status_changed = false;
  bool ok = true;
  {
    std::lock_guard lock(st.mu);
    // Completeness.
    CompletenessWindow::Totals t = p.completeness->Sum(now);
    if (!from_check) {  // gauges from the timer only: the registry lookup is not per-event cheap
      reg.GetGauge("meshd_contract_completeness_ratio",
                   "Share of valid events over the contract's completeness window", labels)
          .Set(t.ratio());
    }
    if (p.spec.completeness_min_ratio) {
      bool bad = t.total > 0 && t.ratio() < *p.spec.completeness_min_ratio;
      if (bad != st.completeness_red) {
        st.completeness_red = bad;
        json::object d;
        d["ratio"] = t.ratio();
        d["min_ratio"] = *p.spec.completeness_min_ratio;
        d["valid"] = t.valid;
        d["total"] = t.total;
        d["window_ms"] = p.spec.completeness_window_ms;
        if (bad) {
          st.reason = "completeness " + std::to_string(t.ratio()) + " below the minimum " +
                      std::to_string(*p.spec.completeness_min_ratio) + " (" + std::to_string(t.valid) + " of " +
                      std::to_string(t.total) + " events valid)";
          d["reason"] = st.reason;
          out.emplace_back("CompletenessViolated", std::move(d));
        } else {
          d["reason"] = "completeness back at or above the minimum";
          out.emplace_back("CompletenessRestored", std::move(d));
        }
      }
    }
    // Freshness: the newest event's age, whether or not anything arrived.
    if (p.freshness) {
      int64_t age = p.freshness->AgeMillis(now);
      if (!from_check) {
        reg.GetGauge("meshd_contract_freshness_age_seconds", "Age of the newest event of the output port", labels)
            .Set(static_cast<double>(std::max<int64_t>(age, 0)) / 1000.0);
      }
      bool bad = p.freshness->Violated(now);
      if (bad != st.freshness_red) {
        st.freshness_red = bad;
        json::object d;
        d["age_ms"] = age;
        d["max_delay_ms"] = p.freshness->max_delay_ms();
        d["newest_event_ms"] = p.freshness->newest_ms();
        if (bad) {
          st.reason = "no event for " + std::to_string(age / 1000) + " s, over the freshness limit of " +
                      std::to_string(p.freshness->max_delay_ms() / 1000) + " s";
          d["reason"] = st.reason;
          out.emplace_back("FreshnessViolated", std::move(d));
        } else {
          d["reason"] = "a new event arrived";
          out.emplace_back("FreshnessRestored", std::move(d));
        }
      }
    }
    // Validity recovers after one window without an invalid event.
    if (st.validity_red && now - st.last_invalid_ms >= p.spec.completeness_window_ms) {
      st.validity_red = false;
      json::object d;
      d["reason"] = "no invalid event for " + std::to_string(p.spec.completeness_window_ms / 1000) + " s";
      out.emplace_back("ContractRestored", std::move(d));
    }
    ok = !st.validity_red && !st.completeness_red && !st.freshness_red;
    if (ok != st.reported_ok) {
      st.reported_ok = ok;
      status_changed = true;
      status_reason = ok ? "" : st.reason;
    }
  }
  for (auto& [type, data] : out) Publish(p, type, std::move(data));
  if (status_changed) {
    StatusGauge(p.product, p.port).Set(ok ? 1 : 0);
    logging::Get("governance")->info("contract status product={} port={} status={} reason={}", p.product, p.port,
                                     ok ? "green" : "red", status_reason);
    ContractStatusListener listener;
    {
      std::lock_guard lock(listener_mu_);
      listener = options_.status_listener;
    }
    if (listener) listener(p.product, p.port, ok, status_reason);
  }
}

void ContractEnforcer::Tick() {
  EnsureBound();
  std::vector<std::shared_ptr<Port>> ports;
  {
    std::shared_lock lock(mu_);
    for (const auto& [topic, p] : ports_) ports.push_back(p);
  }
  const int64_t now = clock_->NowMillis();
  for (const auto& p : ports) Evaluate(*p, now, /*from_check=*/false);
}

std::vector<ContractState> ContractEnforcer::States() {
  EnsureBound();
  std::vector<std::shared_ptr<Port>> ports;
  {
    std::shared_lock lock(mu_);
    for (const auto& [topic, p] : ports_) ports.push_back(p);
  }
  const int64_t now = clock_->NowMillis();
  std::vector<ContractState> out;
  for (const auto& p : ports) {
    ContractState s;
    s.product = p->product;
    s.port = p->port;
    s.topic = p->topic;
    s.on_violation = p->spec.on_violation == catalog::ViolationAction::kQuarantine ? "quarantine" : "flag";
    s.rules = p->checker->rule_count();
    auto t = p->completeness->Sum(now);
    s.completeness_ratio = t.ratio();
    s.window_valid = t.valid;
    s.window_total = t.total;
    s.completeness_min_ratio = p->spec.completeness_min_ratio;
    s.freshness_max_delay_ms = p->spec.freshness_max_delay_ms;
    if (p->freshness) s.freshness_age_ms = p->freshness->AgeMillis(now);
    std::lock_guard lock(p->status->mu);
    s.validity_ok = !p->status->validity_red;
    s.completeness_ok = !p->status->completeness_red;
    s.freshness_ok = !p->status->freshness_red;
    s.ok = s.validity_ok && s.completeness_ok && s.freshness_ok;
    if (!s.ok) s.reason = p->status->reason;
    s.violations = p->status->violations.load();
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const ContractState& a, const ContractState& b) { return a.topic < b.topic; });
  return out;
}

}  // namespace meshd::governance
