#include "bus/bus_service.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/clock.h"
#include "base/logging.h"
#include "bus/input_transformer.h"
#include "bus/log_io.h"
#include "bus/python_runtime.h"
#include "bus/targets.h"
#include "metrics/metrics.h"
#include "pattern/matcher.h"
#include "pattern/parser.h"

namespace meshd::bus {
namespace {

constexpr size_t kMaxRulesPerBus = 300;
constexpr size_t kMaxBuses = 100;
constexpr char kPatternErrorPrefix[] = "Event pattern is not valid. Reason: ";

std::string BusKey(const std::string& n) { return "bus/" + n; }
std::string RuleKey(const std::string& b, const std::string& n) { return "rule/" + b + "/" + n; }
std::string FunctionKey(const std::string& n) { return "function/" + n; }
std::string ArchiveKey(const std::string& n) { return "archive/" + n; }
std::string ReplayKey(const std::string& n) { return "replay/" + n; }

Status PatternError(const Status& s) {
  return Status::InvalidArgument(std::string(kPatternErrorPrefix) + s.message());
}

json::object RuleToStored(const RuleSpec& r, const std::string& region) {
  json::object o = ToJson(r, region);
  json::array targets;
  for (const auto& t : r.targets) targets.push_back(ToJson(t));
  o["Targets"] = std::move(targets);
  o["CreatedMs"] = r.created_ms;
  return o;
}

// Cheap id extraction for events we (or a bus target) wrote.
std::string EventIdOf(const std::string& event_json) {
  boost::system::error_code ec;
  json::value v = json::parse(event_json, ec);
  if (ec || !v.is_object()) return "";
  auto it = v.get_object().find("id");
  if (it == v.get_object().end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

}  // namespace

struct BusService::Bus {
  struct Wake {
    std::mutex mu;
    std::condition_variable cv;
    bool signaled = false;
  };
  BusSpec spec;
  std::string topic;
  int32_t partitions = 1;
  pattern::Matcher matcher;  // enabled rules only
  std::map<std::string, RuleState> rules;
  std::thread router;
  // Next offset to route per partition; written by the router thread,
  // read by WaitIdle.
  std::unique_ptr<std::atomic<int64_t>[]> cursor;
  std::shared_ptr<Wake> wake = std::make_shared<Wake>();
  std::atomic<bool> stop{false};
  std::atomic<bool> caught_up{false};
  metrics::Counter* events_in = nullptr;
  metrics::Counter* unmatched = nullptr;
};

BusService::BusService(storage::EventLog& log, BusServiceOptions options)
    : log_(log), options_(std::move(options)), store_(log) {
  // Test hook: end-to-end tests shorten retry backoff without new flags.
  if (const char* b = std::getenv("MESHD_BUS_BACKOFF_BASE_MS")) options_.backoff.base_ms = std::atoll(b);
  if (const char* c = std::getenv("MESHD_BUS_BACKOFF_CAP_MS")) options_.backoff.cap_ms = std::atoll(c);
}

BusService::~BusService() { Stop(); }

Status BusService::Start() {
  auto logger = logging::Get("bus");
  MESHD_TRY(store_.Open());
  // The Python runtime shim, next to the function logs.
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(options_.data_dir) / "bus";
  std::filesystem::create_directories(dir / "runtime", ec);
  std::filesystem::create_directories(dir / "functions", ec);
  if (ec) return Status::IOError("creating " + (dir / "runtime").string() + ": " + ec.message());
  shim_path_ = (dir / "runtime" / "meshd_python_runtime.py").string();
  {
    std::ofstream f(shim_path_, std::ios::trunc);
    f << PythonRuntimeSource();
    if (!f) return Status::IOError("writing " + shim_path_);
  }
  MESHD_ASSIGN_OR_RETURN(auto config, store_.Load());
  std::vector<std::string> pending_replays;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<RuleSpec> rules;
    for (auto& [key, value] : config) {
      if (key.rfind("bus/", 0) == 0) {
        auto b = BusFromJson(value);
        if (!b.ok()) {
          logger->warn("ignoring stored bus '{}': {}", key, b.error().ToString());
          continue;
        }
        Status s = StartBusLocked(*b, /*is_new=*/false);
        if (!s.ok()) logger->error("cannot start bus '{}': {}", b->name, s.ToString());
      } else if (key.rfind("rule/", 0) == 0) {
        auto r = RuleFromJson(value);
        if (r.ok()) rules.push_back(std::move(*r));
        else logger->warn("ignoring stored rule '{}': {}", key, r.error().ToString());
      } else if (key.rfind("function/", 0) == 0) {
        auto f = FunctionFromJson(value);
        if (!f.ok()) {
          logger->warn("ignoring stored function '{}': {}", key, f.error().ToString());
          continue;
        }
        std::string log_path = (dir / "functions" / (f->name + ".log")).string();
        pools_[f->name] = std::make_shared<FunctionPool>(*f, shim_path_, log_path);
        functions_[f->name] = std::move(*f);
      } else if (key.rfind("archive/", 0) == 0) {
        auto a = ArchiveFromJson(value);
        if (a.ok()) archives_[a->name] = std::move(*a);
      } else if (key.rfind("replay/", 0) == 0) {
        auto r = ReplayFromJson(value);
        if (r.ok()) {
          if (r->state == "STARTING" || r->state == "RUNNING") pending_replays.push_back(r->name);
          replays_[r->name] = std::move(*r);
        }
      }
    }
    if (buses_.find(kDefaultBus) == buses_.end()) {
      BusSpec def{kDefaultBus, options_.default_bus_partitions, WallMillis()};
      MESHD_TRY(store_.Put(BusKey(def.name), ToJson(def, options_.region)));
      MESHD_TRY(StartBusLocked(def, /*is_new=*/true));
    }
    for (auto& r : rules) {
      auto bit = buses_.find(r.bus);
      if (bit == buses_.end()) {
        logger->warn("rule '{}' refers to missing bus '{}'", r.name, r.bus);
        continue;
      }
      Bus& bus = *bit->second;
      if (r.enabled) {
        Status s = bus.matcher.AddRule(r.name, r.event_pattern);
        if (!s.ok()) {
          logger->error("stored rule '{}/{}' has a bad pattern: {}", r.bus, r.name, s.ToString());
          continue;
        }
      }
      RuleState& rs = bus.rules[r.name];
      rs.spec = std::move(r);
      if (rs.spec.enabled) {
        Status s = StartRuleWorkersLocked(bus, rs, /*reset=*/false);
        if (!s.ok()) logger->error("starting targets of rule '{}': {}", rs.spec.name, s.ToString());
      }
    }
    // Each router restarts at the minimum committed position of its targets.
    for (auto& [name, bus] : buses_) {
      std::vector<int64_t> start = EndOffsets(*bus);
      for (auto& [rn, rs] : bus->rules) {
        for (auto& w : rs.workers) {
          auto c = w->committed();
          for (size_t p = 0; p < start.size() && p < c.size(); ++p) start[p] = std::min(start[p], c[p]);
        }
      }
      for (size_t p = 0; p < start.size(); ++p) bus->cursor[p] = start[p];
      Bus* raw = bus.get();
      bus->router = std::thread([this, raw] { RouterLoop(raw); });
    }
    started_ = true;
    for (const auto& n : pending_replays) {
      replay_threads_[n] = std::thread([this, n] { ReplayLoop(n); });
    }
  }
  logger->info("event bus started: {} buses", buses_.size());
  return Status::Ok();
}

void BusService::Stop() {
  if (stopping_.exchange(true)) return;
  std::vector<std::unique_ptr<Bus>> buses;
  std::vector<std::shared_ptr<TargetWorker>> workers;
  std::map<std::string, std::thread> replays;
  std::map<std::string, std::shared_ptr<FunctionPool>> pools;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [n, b] : buses_) {
      for (auto& [rn, rs] : b->rules) StopRuleWorkersLocked(rs, &workers);
      buses.push_back(std::move(b));
    }
    buses_.clear();
    replays.swap(replay_threads_);
    pools.swap(pools_);
  }
  for (auto& p : pools) p.second->Shutdown();
  for (auto& b : buses) StopBus(*b);
  JoinStopped(workers);
  for (auto& [n, t] : replays) {
    if (t.joinable()) t.join();
  }
}

void BusService::JoinStopped(std::vector<std::shared_ptr<TargetWorker>>& stopped) {
  for (auto& w : stopped) w->Stop();
  stopped.clear();
}

void BusService::StopBus(Bus& bus) {
  bus.stop = true;
  {
    std::lock_guard<std::mutex> lock(bus.wake->mu);
    bus.wake->signaled = true;
    bus.wake->cv.notify_all();
  }
  if (bus.router.joinable()) bus.router.join();
}

std::vector<int64_t> BusService::EndOffsets(const Bus& bus) const {
  std::vector<int64_t> out(static_cast<size_t>(bus.partitions), 0);
  for (int32_t p = 0; p < bus.partitions; ++p) {
    auto o = log_.GetOffsets(bus.topic, p);
    if (o.ok()) out[static_cast<size_t>(p)] = o->end_offset;
  }
  return out;
}

Status BusService::StartBusLocked(const BusSpec& spec, bool is_new) {
  auto bus = std::make_unique<Bus>();
  bus->spec = spec;
  bus->topic = TopicForBus(spec.name);
  MESHD_ASSIGN_OR_RETURN(bus->partitions, EnsureTopic(log_, bus->topic, std::max(1, spec.partitions)));
  bus->cursor = std::make_unique<std::atomic<int64_t>[]>(static_cast<size_t>(bus->partitions));
  auto& reg = metrics::Registry::Default();
  bus->events_in = &reg.GetCounter("meshd_bus_events_in_total", "Events stored on a bus", {{"bus", spec.name}});
  bus->unmatched = &reg.GetCounter("meshd_bus_unmatched_events_total", "Events that matched no rule",
                                   {{"bus", spec.name}});
  Bus* raw = bus.get();
  buses_[spec.name] = std::move(bus);
  if (is_new && started_) {
    auto ends = EndOffsets(*raw);
    for (size_t p = 0; p < ends.size(); ++p) raw->cursor[p] = ends[p];
    raw->router = std::thread([this, raw] { RouterLoop(raw); });
  }
  return Status::Ok();
}

std::unique_ptr<Target> BusService::MakeTarget(const TargetSpec& t) {
  const std::string& a = t.arn;
  if (a.rfind("arn:meshd:topic:", 0) == 0) {
    return std::make_unique<TopicTarget>(log_, a.substr(16), options_.validate_detail, options_.contract_gate);
  }
  if (a.rfind("arn:meshd:bus:", 0) == 0) {
    return std::make_unique<BusTarget>(a.substr(14), [this](const std::string& bus, const std::string& ev) {
      return IngestEvent(bus, ev);
    });
  }
  if (a.rfind("arn:meshd:function:", 0) == 0) {
    return std::make_unique<FunctionTarget>(a.substr(19), [this](const std::string& n) { return FindFunction(n); });
  }
  return std::make_unique<WebhookTarget>(a, t.webhook);
}

Status BusService::StartRuleWorkersLocked(Bus& bus, RuleState& rule, bool reset) {
  if (options_.on_rule_targets) options_.on_rule_targets(bus.spec.name, rule.spec.name, rule.spec.targets);
  std::vector<int64_t> ends = EndOffsets(bus);
  for (const auto& t : rule.spec.targets) {
    WorkerConfig wc;
    wc.bus = bus.spec.name;
    wc.rule = rule.spec.name;
    wc.region = options_.region;
    wc.topic = bus.topic;
    wc.partitions = bus.partitions;
    wc.target = t;
    wc.backoff = options_.backoff;
    wc.queue_capacity = options_.queue_capacity;
    auto w = std::make_shared<TargetWorker>(log_, wc, MakeTarget(t));
    MESHD_TRY(w->InitPositions(ends, reset));
    w->Start();
    rule.workers.push_back(std::move(w));
  }
  return Status::Ok();
}

void BusService::StopRuleWorkersLocked(RuleState& rule, std::vector<std::shared_ptr<TargetWorker>>* stopped) {
  for (auto& w : rule.workers) {
    w->RequestStop();
    stopped->push_back(w);
  }
  rule.workers.clear();
}

Status BusService::PersistRuleLocked(const RuleState& rule) {
  return store_.Put(RuleKey(rule.spec.bus, rule.spec.name), RuleToStored(rule.spec, options_.region));
}

// ---------------------------------------------------------------- buses

Result<BusSpec> BusService::CreateBus(const std::string& name, int32_t partitions) {
  MESHD_TRY(ValidateName("event bus", name));
  std::lock_guard<std::mutex> lock(mu_);
  if (buses_.count(name)) return Status::AlreadyExists("Event bus " + name + " already exists.");
  if (buses_.size() >= kMaxBuses) return Status::TooLarge("at most 100 event buses");
  BusSpec spec{name, partitions > 0 ? partitions : options_.default_bus_partitions, WallMillis()};
  MESHD_TRY(store_.Put(BusKey(name), ToJson(spec, options_.region)));
  MESHD_TRY(StartBusLocked(spec, /*is_new=*/true));
  return spec;
}

Status BusService::DeleteBus(const std::string& name) {
  if (name == kDefaultBus) return Status::InvalidArgument("Cannot delete event bus default.");
  std::unique_ptr<Bus> bus;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = buses_.find(name);
    if (it == buses_.end()) return Status::NotFound("Event bus " + name + " does not exist.");
    if (!it->second->rules.empty()) {
      return Status::InvalidArgument("Event bus " + name + " still has rules; delete them first.");
    }
    MESHD_TRY(store_.Delete(BusKey(name)));
    bus = std::move(it->second);
    buses_.erase(it);
  }
  StopBus(*bus);
  Status s = log_.DeleteTopic(bus->topic);
  if (!s.ok()) logging::Get("bus")->warn("deleting topic {}: {}", bus->topic, s.ToString());
  return Status::Ok();
}

std::vector<BusSpec> BusService::ListBuses(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<BusSpec> out;
  for (const auto& [n, b] : buses_) {
    if (n.rfind(prefix, 0) == 0) {
      BusSpec s = b->spec;
      s.partitions = b->partitions;
      out.push_back(s);
    }
  }
  return out;
}

Result<BusSpec> BusService::DescribeBus(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buses_.find(name);
  if (it == buses_.end()) return Status::NotFound("Event bus " + name + " does not exist.");
  BusSpec s = it->second->spec;
  s.partitions = it->second->partitions;
  return s;
}

// ---------------------------------------------------------------- events

Result<std::vector<PutEventsEntryResult>> BusService::PutEvents(const json::array& entries,
                                                               const std::string& default_bus) {
  if (entries.empty()) return Status::InvalidArgument("Entries must contain at least 1 entry");
  if (entries.size() > kMaxEntriesPerPut) {
    return Status::InvalidArgument("1 validation error detected: Value at 'entries' failed to satisfy "
                                   "constraint: Member must have length less than or equal to 10");
  }
  size_t total = 0;
  for (const auto& e : entries) {
    if (e.is_object()) total += EntrySize(e.get_object());
  }
  if (total > kMaxPutBytes) {
    return Status::TooLarge("Total size of the entries in the request is over the limit (256 KB)");
  }
  std::vector<PutEventsEntryResult> results(entries.size());
  struct Pending {
    size_t index;
    OutRecord record;
  };
  std::map<std::pair<std::string, int32_t>, std::vector<Pending>> groups;  // (bus, partition)
  int64_t now = WallMillis();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].is_object()) {
      results[i].error_code = "InvalidArgument";
      results[i].error_message = "entry must be an object";
      continue;
    }
    EntryError err;
    auto built = BuildEvent(entries[i].get_object(), options_.region, now, &err);
    if (!built.ok()) {
      results[i].error_code = err.code;
      results[i].error_message = err.message;
      continue;
    }
    std::string bus_name = built->bus.empty() ? default_bus : built->bus;
    int32_t partitions = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = buses_.find(bus_name);
      if (it != buses_.end()) partitions = it->second->partitions;
    }
    if (partitions == 0) {
      results[i].error_code = "ResourceNotFoundException";
      results[i].error_message = "Event bus " + bus_name + " does not exist.";
      continue;
    }
    if (options_.validate_detail) {
      const std::string topic = TopicForBus(bus_name);
      auto d = log_.DescribeTopic(topic);
      json::value detail;  // BuildEvent checked that Detail, if given, is a JSON object
      if (const json::value* dv = entries[i].get_object().if_contains("Detail");
          dv != nullptr && dv->is_string()) {
        boost::system::error_code ec;
        detail = json::parse(dv->get_string(), ec);
      }
      Status s = d.ok() ? options_.validate_detail(topic, d->config, detail) : Status::Ok();
      if (!s.ok()) {
        results[i].error_code = "SchemaValidationFailed";
        results[i].error_message = "entry[" + std::to_string(i) + "]: " + s.message();
        continue;
      }
    }
    // Partition by source so that one producer's events keep their order.
    int32_t p = static_cast<int32_t>(std::hash<std::string>{}(built->source) % static_cast<size_t>(partitions));
    results[i].event_id = built->id;
    groups[{bus_name, p}].push_back({i, OutRecord{built->source, built->json, {}, now}});
  }
  for (auto& [key, pend] : groups) {
    std::vector<OutRecord> recs;
    for (auto& x : pend) recs.push_back(x.record);
    auto res = AppendRecords(log_, TopicForBus(key.first), key.second, recs);
    if (!res.ok()) {
      for (auto& x : pend) {
        results[x.index].event_id.clear();
        results[x.index].error_code = "InternalFailure";
        results[x.index].error_message = res.error().ToString();
      }
    }
  }
  return results;
}

Status BusService::IngestEvent(const std::string& bus, const std::string& event_json,
                               const std::string& replay_name) {
  int32_t partitions = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = buses_.find(bus);
    if (it != buses_.end()) partitions = it->second->partitions;
  }
  if (partitions == 0) return Status::NotFound("Event bus " + bus + " does not exist.");
  MESHD_ASSIGN_OR_RETURN(json::value ev, ParseJson(event_json, "event"));
  if (!ev.is_object()) return Status::InvalidArgument("event must be a JSON object");
  std::string source;
  auto sit = ev.get_object().find("source");
  if (sit != ev.get_object().end() && sit->value().is_string()) source = std::string(sit->value().get_string());
  int32_t p = static_cast<int32_t>(std::hash<std::string>{}(source) % static_cast<size_t>(partitions));
  OutRecord rec{source, event_json, {}, WallMillis()};
  if (!replay_name.empty()) rec.headers.push_back({kReplayHeader, replay_name});
  auto res = AppendRecords(log_, TopicForBus(bus), p, {rec});
  if (!res.ok()) return res.error();
  return Status::Ok();
}

// ---------------------------------------------------------------- router

void BusService::RouterLoop(Bus* bus) {
  auto logger = logging::Get("bus");
  std::map<std::string, metrics::Counter*> matched_counters;
  while (!bus->stop) {
    auto wake = bus->wake;
    {
      std::lock_guard<std::mutex> lock(wake->mu);
      wake->signaled = false;
    }
    uint64_t token = log_.WatchAppends(bus->topic, [wake] {
      std::lock_guard<std::mutex> lock(wake->mu);
      wake->signaled = true;
      wake->cv.notify_all();
    });
    bool progressed = false;
    for (int32_t p = 0; p < bus->partitions && !bus->stop; ++p) {
      size_t pi = static_cast<size_t>(p);
      auto recs = ReadRecords(log_, bus->topic, p, bus->cursor[pi]);
      if (!recs.ok()) {
        if (recs.error().code() == StatusCode::kOutOfRange) {
          auto o = log_.GetOffsets(bus->topic, p);
          if (o.ok() && bus->cursor[pi] < o->start_offset) {
            logger->warn("bus {} partition {}: offset {} was deleted by retention; skipping to {}",
                         bus->spec.name, p, bus->cursor[pi].load(), o->start_offset);
            bus->cursor[pi] = o->start_offset;
            progressed = true;
          }
        } else {
          logger->warn("bus {} partition {}: read at {} failed: {}", bus->spec.name, p, bus->cursor[pi].load(),
                       recs.error().ToString());
        }
        continue;
      }
      if (recs->empty()) continue;
      progressed = true;
      std::vector<std::pair<std::shared_ptr<TargetWorker>, DeliveryItem>> work;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& r : *recs) {
          if (!r.value) continue;
          bus->events_in->Inc();
          std::string replay;
          for (const auto& h : r.headers) {
            if (h.key == kReplayHeader && h.value) replay = *h.value;
          }
          std::vector<std::string> matches = bus->matcher.MatchesForEvent(*r.value);
          if (!replay.empty()) {
            auto rit = replays_.find(replay);
            if (rit != replays_.end() && !rit->second.filter_rules.empty()) {
              const auto& allow = rit->second.filter_rules;
              std::erase_if(matches, [&](const std::string& m) {
                return std::find(allow.begin(), allow.end(), m) == allow.end();
              });
            }
          }
          if (matches.empty()) {
            bus->unmatched->Inc();
            continue;
          }
          std::string id = EventIdOf(*r.value);
          for (const auto& m : matches) {
            auto& c = matched_counters[m];
            if (c == nullptr) {
              c = &metrics::Registry::Default().GetCounter("meshd_bus_matched_events_total",
                                                          "Events matched per rule",
                                                          {{"bus", bus->spec.name}, {"rule", m}});
            }
            c->Inc();
            auto rit = bus->rules.find(m);
            if (rit == bus->rules.end()) continue;
            for (auto& w : rit->second.workers) {
              work.emplace_back(w, DeliveryItem{p, r.offset, r.timestamp, *r.value, id, replay});
            }
          }
        }
      }
      for (auto& [w, item] : work) w->Enqueue(std::move(item));
      bus->cursor[pi] = recs->back().offset + 1;
    }
    log_.CancelWatch(token);
    if (!progressed) {
      bus->caught_up = true;
      std::unique_lock<std::mutex> lock(wake->mu);
      wake->cv.wait_for(lock, std::chrono::milliseconds(options_.router_idle_poll_ms),
                        [&] { return wake->signaled || bus->stop.load(); });
    } else {
      bus->caught_up = false;
    }
  }
}

bool BusService::WaitIdle(int64_t timeout_ms) {
  int64_t deadline = MonoMillis() + timeout_ms;
  while (MonoMillis() < deadline) {
    bool idle = true;
    std::vector<std::shared_ptr<TargetWorker>> workers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [n, b] : buses_) {
        auto ends = EndOffsets(*b);
        if (!b->caught_up) idle = false;
        // cursor is router-owned; a stale read only delays idleness.
        for (size_t p = 0; p < ends.size(); ++p) {
          if (b->cursor[p] < ends[p]) idle = false;
        }
        for (auto& [rn, rs] : b->rules) {
          for (auto& w : rs.workers) workers.push_back(w);
        }
      }
    }
    for (auto& w : workers) {
      if (!w->WaitIdle(0)) idle = false;
    }
    if (idle) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// ---------------------------------------------------------------- rules

Result<std::vector<std::string>> BusService::LintPattern(const std::string& pattern) {
  auto parsed = pattern::ParsePattern(pattern);
  if (!parsed.ok()) return PatternError(parsed.error());
  return parsed->warnings;
}

Result<bool> BusService::TestEventPattern(const std::string& pattern_json, const std::string& event) {
  auto parsed = pattern::ParsePattern(pattern_json);
  if (!parsed.ok()) return PatternError(parsed.error());
  auto r = pattern::TestPattern(pattern_json, event);
  if (!r.ok()) return Status::InvalidArgument("Event is not valid: " + r.error().message());
  return *r;
}

Result<PutRuleResult> BusService::PutRule(const RuleSpec& spec_in) {
  RuleSpec spec = spec_in;
  MESHD_TRY(ValidateName("rule", spec.name));
  if (spec.event_pattern.empty()) {
    return Status::InvalidArgument("Parameter(s) EventPattern must be specified "
                                   "(ScheduleExpression is not supported by meshd).");
  }
  MESHD_ASSIGN_OR_RETURN(auto warnings, LintPattern(spec.event_pattern));
  std::vector<std::shared_ptr<TargetWorker>> stopped;
  PutRuleResult result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto bit = buses_.find(spec.bus);
    if (bit == buses_.end()) return Status::NotFound("Event bus " + spec.bus + " does not exist.");
    Bus& bus = *bit->second;
    auto rit = bus.rules.find(spec.name);
    bool exists = rit != bus.rules.end();
    if (!exists && bus.rules.size() >= kMaxRulesPerBus) {
      return Status::TooLarge("The requested resource exceeds the maximum number allowed (300 rules per bus).");
    }
    RuleState candidate;
    if (exists) {
      candidate.spec = rit->second.spec;
      candidate.spec.event_pattern = spec.event_pattern;
      candidate.spec.enabled = spec.enabled;
      candidate.spec.description = spec.description;
    } else {
      candidate.spec = spec;
      candidate.spec.targets.clear();
      candidate.spec.created_ms = WallMillis();
    }
    if (candidate.spec.enabled) {
      Status s = bus.matcher.AddRule(spec.name, spec.event_pattern);
      if (!s.ok()) return PatternError(s);
    } else if (exists && rit->second.spec.enabled) {
      bus.matcher.RemoveRule(spec.name).IgnoreError();
    }
    MESHD_TRY(PersistRuleLocked(candidate));
    if (exists) {
      bool was_enabled = rit->second.spec.enabled;
      candidate.workers = std::move(rit->second.workers);
      if (was_enabled && !candidate.spec.enabled) StopRuleWorkersLocked(candidate, &stopped);
      rit->second = std::move(candidate);
      if (!was_enabled && rit->second.spec.enabled) {
        MESHD_TRY(StartRuleWorkersLocked(bus, rit->second, /*reset=*/true));
      }
    } else {
      bus.rules[spec.name] = std::move(candidate);
    }
    result.rule_arn = RuleArn(options_.region, spec.bus, spec.name);
  }
  JoinStopped(stopped);
  result.warnings = std::move(warnings);
  return result;
}

Result<RuleSpec> BusService::DescribeRule(const std::string& bus, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto bit = buses_.find(bus);
  if (bit == buses_.end()) return Status::NotFound("Event bus " + bus + " does not exist.");
  auto rit = bit->second->rules.find(name);
  if (rit == bit->second->rules.end()) {
    return Status::NotFound("Rule " + name + " does not exist on EventBus " + bus + ".");
  }
  return rit->second.spec;
}

std::vector<RuleSpec> BusService::ListRules(const std::string& bus, const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RuleSpec> out;
  auto bit = buses_.find(bus);
  if (bit == buses_.end()) return out;
  for (const auto& [n, rs] : bit->second->rules) {
    if (n.rfind(prefix, 0) == 0) out.push_back(rs.spec);
  }
  return out;
}

Status BusService::DeleteRule(const std::string& bus, const std::string& name, bool force) {
  std::vector<std::shared_ptr<TargetWorker>> stopped;
  std::vector<std::string> groups;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto bit = buses_.find(bus);
    if (bit == buses_.end()) return Status::NotFound("Event bus " + bus + " does not exist.");
    auto rit = bit->second->rules.find(name);
    if (rit == bit->second->rules.end()) {
      return Status::NotFound("Rule " + name + " does not exist on EventBus " + bus + ".");
    }
    if (!rit->second.spec.targets.empty() && !force) {
      return Status::InvalidArgument("Rule can't be deleted since it has targets.");
    }
    MESHD_TRY(store_.Delete(RuleKey(bus, name)));
    if (rit->second.spec.enabled) bit->second->matcher.RemoveRule(name).IgnoreError();
    for (const auto& t : rit->second.spec.targets) groups.push_back(TargetWorker::GroupName(bus, name, t.id));
    StopRuleWorkersLocked(rit->second, &stopped);
    bit->second->rules.erase(rit);
    if (options_.on_rule_targets) options_.on_rule_targets(bus, name, {});
  }
  JoinStopped(stopped);
  for (const auto& g : groups) log_.DeleteGroupOffsets(g).IgnoreError();
  return Status::Ok();
}

Status BusService::SetRuleEnabled(const std::string& bus, const std::string& name, bool enabled) {
  RuleSpec spec;
  {
    auto d = DescribeRule(bus, name);
    if (!d.ok()) return d.error();
    spec = std::move(*d);
  }
  if (spec.enabled == enabled) return Status::Ok();
  spec.enabled = enabled;
  auto r = PutRule(spec);
  if (!r.ok()) return r.error();
  return Status::Ok();
}

Result<std::vector<TargetFailure>> BusService::PutTargets(const std::string& bus, const std::string& rule,
                                                          const std::vector<TargetSpec>& targets) {
  std::vector<TargetFailure> failures;
  std::vector<TargetSpec> valid;
  for (const auto& t : targets) {
    Status s = ValidateTransform(t);
    if (!s.ok()) {
      failures.push_back({t.id, "ValidationException", s.message()});
      continue;
    }
    valid.push_back(t);
  }
  std::vector<std::shared_ptr<TargetWorker>> stopped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto bit = buses_.find(bus);
    if (bit == buses_.end()) return Status::NotFound("Event bus " + bus + " does not exist.");
    Bus& b = *bit->second;
    auto rit = b.rules.find(rule);
    if (rit == b.rules.end()) return Status::NotFound("Rule " + rule + " does not exist on EventBus " + bus + ".");
    RuleState& rs = rit->second;
    std::vector<TargetSpec> merged = rs.spec.targets;
    std::vector<std::string> changed;
    for (const auto& t : valid) {
      auto it = std::find_if(merged.begin(), merged.end(), [&](const TargetSpec& x) { return x.id == t.id; });
      if (it != merged.end()) *it = t;
      else merged.push_back(t);
      changed.push_back(t.id);
    }
    if (merged.size() > static_cast<size_t>(kMaxTargetsPerRule)) {
      return Status::TooLarge("The requested resource exceeds the maximum number allowed (5 targets per rule).");
    }
    RuleState updated;
    updated.spec = rs.spec;
    updated.spec.targets = merged;
    MESHD_TRY(PersistRuleLocked(updated));
    // Restart the workers of changed targets; untouched ones keep running.
    std::vector<std::shared_ptr<TargetWorker>> keep;
    for (auto& w : rs.workers) {
      if (std::find(changed.begin(), changed.end(), w->config().target.id) != changed.end()) {
        w->RequestStop();
        stopped.push_back(w);
      } else {
        keep.push_back(w);
      }
    }
    rs.spec = updated.spec;
    rs.workers = std::move(keep);
    if (rs.spec.enabled) {
      RuleState fresh;
      fresh.spec = rs.spec;
      fresh.spec.targets.clear();
      for (const auto& t : rs.spec.targets) {
        if (std::find(changed.begin(), changed.end(), t.id) != changed.end()) fresh.spec.targets.push_back(t);
      }
      // A replaced target keeps its position (its group's commit); a new one
      // starts at the end of the bus.
      MESHD_TRY(StartRuleWorkersLocked(b, fresh, /*reset=*/false));
      for (auto& w : fresh.workers) rs.workers.push_back(w);
    }
  }
  JoinStopped(stopped);
  return failures;
}

Result<std::vector<TargetSpec>> BusService::ListTargets(const std::string& bus, const std::string& rule) const {
  auto d = DescribeRule(bus, rule);
  if (!d.ok()) return d.error();
  return d->targets;
}

Result<std::vector<TargetFailure>> BusService::RemoveTargets(const std::string& bus, const std::string& rule,
                                                             const std::vector<std::string>& ids) {
  std::vector<TargetFailure> failures;
  std::vector<std::shared_ptr<TargetWorker>> stopped;
  std::vector<std::string> groups;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto bit = buses_.find(bus);
    if (bit == buses_.end()) return Status::NotFound("Event bus " + bus + " does not exist.");
    auto rit = bit->second->rules.find(rule);
    if (rit == bit->second->rules.end()) {
      return Status::NotFound("Rule " + rule + " does not exist on EventBus " + bus + ".");
    }
    RuleState& rs = rit->second;
    RuleState updated;
    updated.spec = rs.spec;
    for (const auto& id : ids) {
      auto it = std::find_if(updated.spec.targets.begin(), updated.spec.targets.end(),
                             [&](const TargetSpec& t) { return t.id == id; });
      if (it == updated.spec.targets.end()) {
        failures.push_back({id, "ResourceNotFoundException", "Target " + id + " does not exist."});
        continue;
      }
      updated.spec.targets.erase(it);
      groups.push_back(TargetWorker::GroupName(bus, rule, id));
    }
    MESHD_TRY(PersistRuleLocked(updated));
    std::vector<std::shared_ptr<TargetWorker>> keep;
    for (auto& w : rs.workers) {
      if (std::find(ids.begin(), ids.end(), w->config().target.id) != ids.end()) {
        w->RequestStop();
        stopped.push_back(w);
      } else {
        keep.push_back(w);
      }
    }
    rs.workers = std::move(keep);
    rs.spec = updated.spec;
  }
  JoinStopped(stopped);
  for (const auto& g : groups) log_.DeleteGroupOffsets(g).IgnoreError();
  return failures;
}

// ---------------------------------------------------------------- functions

std::shared_ptr<FunctionPool> BusService::FindFunction(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pools_.find(name);
  return it == pools_.end() ? nullptr : it->second;
}

Result<FunctionSpec> BusService::PutFunction(FunctionSpec spec, bool replace) {
  MESHD_TRY(ValidateName("function", spec.name));
  if (spec.runtime == "python3") {
    size_t colon = spec.handler.rfind(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument("function '" + spec.name + "': Handler must be path/file.py:function");
    }
    std::filesystem::path file = spec.handler.substr(0, colon);
    std::error_code ec;
    file = std::filesystem::absolute(file, ec);
    if (!std::filesystem::exists(file, ec)) {
      return Status::InvalidArgument("function '" + spec.name + "': handler file " + file.string() +
                                     " does not exist");
    }
    spec.handler = file.string() + spec.handler.substr(colon);
  } else if (spec.runtime != "exec") {
    return Status::InvalidArgument("function '" + spec.name + "': Runtime must be python3 or exec");
  } else if (spec.command.empty()) {
    return Status::InvalidArgument("function '" + spec.name + "': runtime exec needs a command");
  }
  std::shared_ptr<FunctionPool> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = functions_.find(spec.name);
    if (it != functions_.end() && !replace) {
      return Status::AlreadyExists("Function " + spec.name + " already exists.");
    }
    spec.created_ms = it != functions_.end() ? it->second.created_ms : WallMillis();
    MESHD_TRY(store_.Put(FunctionKey(spec.name), ToJson(spec)));
    std::string log_path =
        (std::filesystem::path(options_.data_dir) / "bus" / "functions" / (spec.name + ".log")).string();
    auto pit = pools_.find(spec.name);
    if (pit != pools_.end()) old = pit->second;
    pools_[spec.name] = std::make_shared<FunctionPool>(spec, shim_path_, log_path);
    functions_[spec.name] = spec;
  }
  if (old) old->Shutdown();
  return spec;
}

Status BusService::DeleteFunction(const std::string& name) {
  std::shared_ptr<FunctionPool> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = functions_.find(name);
    if (it == functions_.end()) return Status::NotFound("Function " + name + " does not exist.");
    MESHD_TRY(store_.Delete(FunctionKey(name)));
    functions_.erase(it);
    auto pit = pools_.find(name);
    if (pit != pools_.end()) {
      old = pit->second;
      pools_.erase(pit);
    }
  }
  if (old) old->Shutdown();
  return Status::Ok();
}

std::vector<FunctionSpec> BusService::ListFunctions() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<FunctionSpec> out;
  for (const auto& [n, f] : functions_) out.push_back(f);
  return out;
}

Result<FunctionSpec> BusService::GetFunction(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = functions_.find(name);
  if (it == functions_.end()) return Status::NotFound("Function " + name + " does not exist.");
  return it->second;
}

// ---------------------------------------------------------------- archives

Result<ArchiveSpec> BusService::CreateArchive(ArchiveSpec spec) {
  MESHD_TRY(ValidateName("archive", spec.name));
  if (!spec.event_pattern.empty()) {
    auto lint = LintPattern(spec.event_pattern);
    if (!lint.ok()) return lint.error();
  }
  std::string topic;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (archives_.count(spec.name)) return Status::AlreadyExists("Archive " + spec.name + " already exists.");
    auto bit = buses_.find(spec.bus);
    if (bit == buses_.end()) return Status::NotFound("Event bus " + spec.bus + " does not exist.");
    topic = bit->second->topic;
    spec.created_ms = WallMillis();
    MESHD_TRY(store_.Put(ArchiveKey(spec.name), ToJson(spec, options_.region)));
    archives_[spec.name] = spec;
  }
  // The archive is the bus topic itself: keep it at least as long as the
  // archive's retention (0 = forever).
  auto desc = log_.DescribeTopic(topic);
  if (desc.ok()) {
    int64_t want = spec.retention_days == 0 ? -1 : static_cast<int64_t>(spec.retention_days) * 86400000LL;
    int64_t have = desc->config.retention_ms;
    if (have != -1 && (want == -1 || want > have)) {
      Status s = log_.AlterTopicConfig(topic, {{"retention.ms", std::to_string(want)}});
      if (!s.ok()) logging::Get("bus")->warn("raising retention of {}: {}", topic, s.ToString());
    }
  }
  return spec;
}

Status BusService::DeleteArchive(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!archives_.count(name)) return Status::NotFound("Archive " + name + " does not exist.");
  MESHD_TRY(store_.Delete(ArchiveKey(name)));
  archives_.erase(name);
  return Status::Ok();
}

std::vector<ArchiveSpec> BusService::ListArchives() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ArchiveSpec> out;
  for (const auto& [n, a] : archives_) out.push_back(a);
  return out;
}

Result<ArchiveSpec> BusService::DescribeArchive(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = archives_.find(name);
  if (it == archives_.end()) return Status::NotFound("Archive " + name + " does not exist.");
  return it->second;
}

Result<ReplaySpec> BusService::StartReplay(ReplaySpec spec) {
  MESHD_TRY(ValidateName("replay", spec.name));
  std::lock_guard<std::mutex> lock(mu_);
  if (replays_.count(spec.name)) return Status::AlreadyExists("Replay " + spec.name + " already exists.");
  auto ait = archives_.find(spec.archive);
  if (ait == archives_.end()) return Status::NotFound("Archive " + spec.archive + " does not exist.");
  if (spec.destination_bus != ait->second.bus) {
    return Status::InvalidArgument("Destination bus must be the archive's source bus (" + ait->second.bus + ").");
  }
  if (!buses_.count(spec.destination_bus)) {
    return Status::NotFound("Event bus " + spec.destination_bus + " does not exist.");
  }
  if (spec.event_end_ms > WallMillis()) {
    return Status::InvalidArgument("Parameter EventEndTime is not valid. Reason: it is in the future.");
  }
  spec.state = "STARTING";
  spec.replay_start_ms = WallMillis();
  MESHD_TRY(store_.Put(ReplayKey(spec.name), ToJson(spec, options_.region)));
  replays_[spec.name] = spec;
  std::string name = spec.name;
  replay_threads_[name] = std::thread([this, name] { ReplayLoop(name); });
  return spec;
}

void BusService::ReplayLoop(std::string name) {
  auto logger = logging::Get("bus");
  ReplaySpec spec;
  ArchiveSpec archive;
  std::string topic;
  int32_t partitions = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto rit = replays_.find(name);
    if (rit == replays_.end()) return;
    spec = rit->second;
    auto ait = archives_.find(spec.archive);
    auto bit = buses_.find(spec.destination_bus);
    if (ait == archives_.end() || bit == buses_.end()) {
      rit->second.state = "FAILED";
      rit->second.state_reason = "archive or bus no longer exists";
      store_.Put(ReplayKey(name), ToJson(rit->second, options_.region)).IgnoreError();
      return;
    }
    archive = ait->second;
    topic = bit->second->topic;
    partitions = bit->second->partitions;
    rit->second.state = "RUNNING";
    store_.Put(ReplayKey(name), ToJson(rit->second, options_.region)).IgnoreError();
  }
  pattern::Matcher filter;
  bool has_filter = !archive.event_pattern.empty();
  if (has_filter) filter.AddRule("archive", archive.event_pattern).IgnoreError();
  // Archives hold events from their creation on.
  int64_t from_ms = std::max(spec.event_start_ms, archive.created_ms);
  int64_t replayed = 0;
  int64_t last_ms = 0;
  std::string failure;
  // A replay restarted after a crash may re-send events (at-least-once).
  for (int32_t p = 0; p < partitions && failure.empty(); ++p) {
    auto end = log_.GetOffsets(topic, p);
    auto start = log_.OffsetForTimestamp(topic, p, from_ms);
    if (!end.ok() || !start.ok()) {
      failure = !end.ok() ? end.error().ToString() : start.error().ToString();
      break;
    }
    int64_t offset = *start;
    int64_t stop_at = end->end_offset;  // events appended by this replay come later
    while (offset < stop_at && !stopping_) {
      auto recs = ReadRecords(log_, topic, p, offset);
      if (!recs.ok()) {
        failure = recs.error().ToString();
        break;
      }
      if (recs->empty()) break;
      for (auto& r : *recs) {
        if (r.offset >= stop_at) break;
        offset = r.offset + 1;
        if (!r.value || r.timestamp < from_ms || r.timestamp >= spec.event_end_ms) continue;
        bool replayed_before = false;
        for (const auto& h : r.headers) replayed_before |= (h.key == kReplayHeader);
        if (replayed_before) continue;  // replays are not archived
        if (has_filter && filter.MatchesForEvent(*r.value).empty()) continue;
        auto ev = ParseJson(*r.value, "archived event");
        if (!ev.ok() || !ev->is_object()) continue;
        ev->get_object()["replay-name"] = name;
        Status s = IngestEvent(spec.destination_bus, json::serialize(*ev), name);
        if (!s.ok()) {
          failure = s.ToString();
          break;
        }
        ++replayed;
        last_ms = r.timestamp;
      }
      if (!failure.empty()) break;
      if (!recs->empty() && recs->back().offset + 1 > offset) offset = recs->back().offset + 1;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto rit = replays_.find(name);
  if (rit == replays_.end()) return;
  if (stopping_ && failure.empty()) return;  // resumes (restarts) at next Start
  rit->second.events_replayed = replayed;
  rit->second.last_replayed_ms = last_ms;
  rit->second.replay_end_ms = WallMillis();
  rit->second.state = failure.empty() ? "COMPLETED" : "FAILED";
  rit->second.state_reason = failure;
  store_.Put(ReplayKey(name), ToJson(rit->second, options_.region)).IgnoreError();
  logger->info("replay {} {}: {} events", name, rit->second.state, replayed);
}

Result<ReplaySpec> BusService::DescribeReplay(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = replays_.find(name);
  if (it == replays_.end()) return Status::NotFound("Replay " + name + " does not exist.");
  return it->second;
}

std::vector<ReplaySpec> BusService::ListReplays() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ReplaySpec> out;
  for (const auto& [n, r] : replays_) out.push_back(r);
  return out;
}

}  // namespace meshd::bus
