#include "bus/model.h"

#include <cmath>

namespace meshd::bus {
namespace {

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }
int64_t Millis(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1000.0)); }

Result<std::map<std::string, std::string>> StringMap(const json::object& o, std::string_view key) {
  std::map<std::string, std::string> out;
  MESHD_ASSIGN_OR_RETURN(const json::object* m, OptObject(o, key));
  if (m == nullptr) return out;
  for (const auto& kv : *m) {
    if (!kv.value().is_string()) {
      return Status::InvalidArgument("'" + std::string(key) + "." + std::string(kv.key()) +
                                     "' must be a string");
    }
    out[std::string(kv.key())] = std::string(kv.value().get_string());
  }
  return out;
}

json::object MapToJson(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

std::string AfterLast(const std::string& s, char c) {
  size_t p = s.rfind(c);
  return p == std::string::npos ? s : s.substr(p + 1);
}

}  // namespace

std::string BusArn(const std::string& region, const std::string& bus) {
  return "arn:aws:events:" + region + ":" + kAccount + ":event-bus/" + bus;
}
std::string RuleArn(const std::string& region, const std::string& bus, const std::string& rule) {
  if (bus == kDefaultBus) return "arn:aws:events:" + region + ":" + kAccount + ":rule/" + rule;
  return "arn:aws:events:" + region + ":" + kAccount + ":rule/" + bus + "/" + rule;
}
std::string ArchiveArn(const std::string& region, const std::string& name) {
  return "arn:aws:events:" + region + ":" + kAccount + ":archive/" + name;
}
std::string ReplayArn(const std::string& region, const std::string& name) {
  return "arn:aws:events:" + region + ":" + kAccount + ":replay/" + name;
}

std::string BusNameFromArnOrName(const std::string& s) {
  if (s.empty()) return kDefaultBus;
  if (s.rfind("arn:meshd:bus:", 0) == 0) return s.substr(14);
  if (s.rfind("arn:", 0) == 0) {
    size_t p = s.find(":event-bus/");
    if (p != std::string::npos) return s.substr(p + 11);
    return AfterLast(s, ':');
  }
  return s;
}

std::string ArchiveNameFromArnOrName(const std::string& s) {
  if (s.rfind("arn:", 0) == 0) {
    size_t p = s.find(":archive/");
    if (p != std::string::npos) return s.substr(p + 9);
  }
  return s;
}

std::string RuleNameFromArnOrName(const std::string& s) {
  if (s.rfind("arn:", 0) == 0) return AfterLast(s, '/');
  return s;
}

Status ValidateName(const std::string& what, const std::string& name) {
  if (name.empty() || name.size() > 64) {
    return Status::InvalidArgument(what + " name '" + name + "' must be 1..64 characters");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument(what + " name '" + name +
                                     "' may contain only letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

json::object ToJson(const TargetSpec& t) {
  json::object o;
  o["Id"] = t.id;
  o["Arn"] = t.arn;
  if (t.input) o["Input"] = *t.input;
  if (t.input_path) o["InputPath"] = *t.input_path;
  if (t.partition_key_path) o["KinesisParameters"] = json::object{{"PartitionKeyPath", *t.partition_key_path}};
  if (t.input_transformer) {
    json::object it;
    it["InputPathsMap"] = MapToJson(t.input_transformer->input_paths_map);
    it["InputTemplate"] = t.input_transformer->input_template;
    o["InputTransformer"] = std::move(it);
  }
  o["RetryPolicy"] = json::object{
      {"MaximumRetryAttempts", t.retry_policy.maximum_retry_attempts},
      {"MaximumEventAgeInSeconds", t.retry_policy.maximum_event_age_seconds}};
  if (!t.dead_letter_arn.empty()) o["DeadLetterConfig"] = json::object{{"Arn", t.dead_letter_arn}};
  if (!t.webhook.headers.empty()) {
    o["HttpParameters"] = json::object{{"HeaderParameters", MapToJson(t.webhook.headers)}};
  }
  if (t.arn.rfind("http", 0) == 0) {
    o["Webhook"] = json::object{{"Method", t.webhook.method},
                                {"TimeoutSeconds", Seconds(t.webhook.timeout_ms)},
                                {"RateLimitPerSecond", t.webhook.rate_limit_per_second}};
  }
  return o;
}

Result<TargetSpec> TargetFromJson(const json::object& o) {
  TargetSpec t;
  MESHD_ASSIGN_OR_RETURN(t.id, ReqString(o, "Id"));
  MESHD_ASSIGN_OR_RETURN(t.arn, ReqString(o, "Arn"));
  MESHD_TRY(ValidateName("target", t.id));
  MESHD_ASSIGN_OR_RETURN(t.input, OptString(o, "Input"));
  MESHD_ASSIGN_OR_RETURN(t.input_path, OptString(o, "InputPath"));
  MESHD_ASSIGN_OR_RETURN(const json::object* kinesis, OptObject(o, "KinesisParameters"));
  if (kinesis != nullptr) {
    MESHD_ASSIGN_OR_RETURN(std::string key_path, ReqString(*kinesis, "PartitionKeyPath"));
    t.partition_key_path = std::move(key_path);
  }
  MESHD_ASSIGN_OR_RETURN(const json::object* it, OptObject(o, "InputTransformer"));
  if (it != nullptr) {
    InputTransformerSpec spec;
    MESHD_ASSIGN_OR_RETURN(spec.input_paths_map, StringMap(*it, "InputPathsMap"));
    MESHD_ASSIGN_OR_RETURN(spec.input_template, ReqString(*it, "InputTemplate"));
    t.input_transformer = std::move(spec);
  }
  int given = (t.input ? 1 : 0) + (t.input_path ? 1 : 0) + (t.input_transformer ? 1 : 0);
  if (given > 1) {
    return Status::InvalidArgument("target '" + t.id +
                                   "': only one of Input, InputPath and InputTransformer");
  }
  if (t.input) {
    auto parsed = ParseJson(*t.input, "target '" + t.id + "' Input");
    if (!parsed.ok()) return parsed.error();
  }
  MESHD_ASSIGN_OR_RETURN(const json::object* rp, OptObject(o, "RetryPolicy"));
  if (rp != nullptr) {
    MESHD_ASSIGN_OR_RETURN(auto attempts, OptInt(*rp, "MaximumRetryAttempts"));
    MESHD_ASSIGN_OR_RETURN(auto age, OptInt(*rp, "MaximumEventAgeInSeconds"));
    if (attempts) {
      if (*attempts < 0 || *attempts > 185) {
        return Status::InvalidArgument("target '" + t.id +
                                       "': RetryPolicy.MaximumRetryAttempts must be 0..185");
      }
      t.retry_policy.maximum_retry_attempts = static_cast<int32_t>(*attempts);
    }
    if (age) {
      // AWS requires >= 60; meshd allows from 1 s so tests can exercise expiry.
      if (*age < 1 || *age > 86400) {
        return Status::InvalidArgument("target '" + t.id +
                                       "': RetryPolicy.MaximumEventAgeInSeconds must be 1..86400");
      }
      t.retry_policy.maximum_event_age_seconds = static_cast<int32_t>(*age);
    }
  }
  MESHD_ASSIGN_OR_RETURN(const json::object* dlq, OptObject(o, "DeadLetterConfig"));
  if (dlq != nullptr) {
    MESHD_ASSIGN_OR_RETURN(auto arn, OptString(*dlq, "Arn"));
    if (arn && !arn->empty()) {
      if (arn->rfind("arn:meshd:topic:", 0) != 0 || arn->size() == 16) {
        return Status::InvalidArgument("target '" + t.id + "': DeadLetterConfig.Arn '" + *arn +
                                       "' must be a topic ARN (arn:meshd:topic:<name>)");
      }
      t.dead_letter_arn = *arn;
    }
  }
  MESHD_ASSIGN_OR_RETURN(const json::object* hp, OptObject(o, "HttpParameters"));
  if (hp != nullptr) {
    MESHD_ASSIGN_OR_RETURN(t.webhook.headers, StringMap(*hp, "HeaderParameters"));
  }
  MESHD_ASSIGN_OR_RETURN(const json::object* wh, OptObject(o, "Webhook"));
  if (wh != nullptr) {
    MESHD_ASSIGN_OR_RETURN(auto method, OptString(*wh, "Method"));
    if (method) {
      if (*method == "CONNECT" || *method == "TRACE" || method->empty()) {
        return Status::InvalidArgument("target '" + t.id + "': Webhook.Method '" + *method +
                                       "' is not allowed");
      }
      t.webhook.method = *method;
    }
    MESHD_ASSIGN_OR_RETURN(auto timeout, OptNumber(*wh, "TimeoutSeconds"));
    if (timeout) {
      if (*timeout <= 0 || *timeout > 300) {
        return Status::InvalidArgument("target '" + t.id +
                                       "': Webhook.TimeoutSeconds must be in (0, 300]");
      }
      t.webhook.timeout_ms = Millis(*timeout);
    }
    MESHD_ASSIGN_OR_RETURN(auto rate, OptNumber(*wh, "RateLimitPerSecond"));
    if (rate) {
      if (*rate < 0) {
        return Status::InvalidArgument("target '" + t.id + "': Webhook.RateLimitPerSecond < 0");
      }
      t.webhook.rate_limit_per_second = *rate;
    }
    MESHD_ASSIGN_OR_RETURN(auto headers, StringMap(*wh, "Headers"));
    for (auto& [k, v] : headers) t.webhook.headers[k] = v;
  }
  const std::string& a = t.arn;
  bool known = a.rfind("http://", 0) == 0 || a.rfind("https://", 0) == 0 ||
               (a.rfind("arn:meshd:topic:", 0) == 0 && a.size() > 16) ||
               (a.rfind("arn:meshd:bus:", 0) == 0 && a.size() > 14) ||
               (a.rfind("arn:meshd:function:", 0) == 0 && a.size() > 19);
  if (!known) {
    return Status::InvalidArgument(
        "target '" + t.id + "': Arn '" + a +
        "' is not supported (arn:meshd:topic:<n>, arn:meshd:bus:<n>, arn:meshd:function:<n>, "
        "or an http(s):// URL)");
  }
  return t;
}

json::object ToJson(const RuleSpec& r, const std::string& region) {
  json::object o;
  o["Name"] = r.name;
  o["Arn"] = RuleArn(region, r.bus, r.name);
  o["EventPattern"] = r.event_pattern;
  o["State"] = r.enabled ? "ENABLED" : "DISABLED";
  if (!r.description.empty()) o["Description"] = r.description;
  o["EventBusName"] = r.bus;
  o["CreatedBy"] = kAccount;
  return o;
}

Result<RuleSpec> RuleFromJson(const json::object& o) {
  RuleSpec r;
  MESHD_ASSIGN_OR_RETURN(r.name, ReqString(o, "Name"));
  MESHD_TRY(ValidateName("rule", r.name));
  MESHD_ASSIGN_OR_RETURN(auto bus, OptString(o, "EventBusName"));
  r.bus = BusNameFromArnOrName(bus.value_or(kDefaultBus));
  auto pit = o.find("EventPattern");
  if (pit != o.end() && pit->value().is_object()) {
    r.event_pattern = json::serialize(pit->value());  // YAML/REST may give an object
  } else {
    MESHD_ASSIGN_OR_RETURN(auto pattern, OptString(o, "EventPattern"));
    r.event_pattern = pattern.value_or("");
  }
  MESHD_ASSIGN_OR_RETURN(auto state, OptString(o, "State"));
  if (state && *state != "ENABLED" && *state != "DISABLED") {
    return Status::InvalidArgument("rule '" + r.name + "': State must be ENABLED or DISABLED");
  }
  r.enabled = !state || *state == "ENABLED";
  MESHD_ASSIGN_OR_RETURN(auto desc, OptString(o, "Description"));
  r.description = desc.value_or("");
  MESHD_ASSIGN_OR_RETURN(const json::array* targets, OptArray(o, "Targets"));
  if (targets != nullptr) {
    for (const auto& tv : *targets) {
      if (!tv.is_object()) return Status::InvalidArgument("rule '" + r.name + "': bad target");
      MESHD_ASSIGN_OR_RETURN(auto t, TargetFromJson(tv.get_object()));
      r.targets.push_back(std::move(t));
    }
  }
  MESHD_ASSIGN_OR_RETURN(auto created, OptInt(o, "CreatedMs"));
  r.created_ms = created.value_or(0);
  return r;
}

json::object ToJson(const BusSpec& b, const std::string& region) {
  return json::object{{"Name", b.name},
                      {"Arn", BusArn(region, b.name)},
                      {"Partitions", b.partitions},
                      {"CreationTime", Seconds(b.created_ms)}};
}

Result<BusSpec> BusFromJson(const json::object& o) {
  BusSpec b;
  MESHD_ASSIGN_OR_RETURN(b.name, ReqString(o, "Name"));
  MESHD_TRY(ValidateName("bus", b.name));
  MESHD_ASSIGN_OR_RETURN(auto parts, OptInt(o, "Partitions"));
  if (parts && (*parts < 1 || *parts > 64)) {
    return Status::InvalidArgument("bus '" + b.name + "': Partitions must be 1..64");
  }
  b.partitions = static_cast<int32_t>(parts.value_or(1));
  MESHD_ASSIGN_OR_RETURN(auto created, OptNumber(o, "CreationTime"));
  b.created_ms = created ? Millis(*created) : 0;
  return b;
}

json::object ToJson(const FunctionSpec& f) {
  json::object o;
  o["Name"] = f.name;
  o["Arn"] = "arn:meshd:function:" + f.name;
  o["Runtime"] = f.runtime;
  if (!f.handler.empty()) o["Handler"] = f.handler;
  if (!f.command.empty()) {
    json::array a;
    for (const auto& c : f.command) a.emplace_back(c);
    o["Command"] = std::move(a);
  }
  o["Concurrency"] = f.concurrency;
  o["TimeoutSeconds"] = Seconds(f.timeout_ms);
  if (!f.environment.empty()) o["Environment"] = MapToJson(f.environment);
  o["CreationTime"] = Seconds(f.created_ms);
  return o;
}

Result<FunctionSpec> FunctionFromJson(const json::object& o) {
  FunctionSpec f;
  MESHD_ASSIGN_OR_RETURN(f.name, ReqString(o, "Name"));
  MESHD_TRY(ValidateName("function", f.name));
  MESHD_ASSIGN_OR_RETURN(auto runtime, OptString(o, "Runtime"));
  f.runtime = runtime.value_or("python3");
  MESHD_ASSIGN_OR_RETURN(auto handler, OptString(o, "Handler"));
  f.handler = handler.value_or("");
  MESHD_ASSIGN_OR_RETURN(const json::array* cmd, OptArray(o, "Command"));
  if (cmd != nullptr) {
    for (const auto& c : *cmd) {
      if (!c.is_string()) return Status::InvalidArgument("function '" + f.name + "': Command items must be strings");
      f.command.emplace_back(c.get_string());
    }
  } else {
    MESHD_ASSIGN_OR_RETURN(auto cmd_str, OptString(o, "Command"));
    if (cmd_str && !cmd_str->empty()) f.command = {"/bin/sh", "-c", *cmd_str};
  }
  if (f.runtime == "python3") {
    if (f.handler.find(':') == std::string::npos || f.handler.find(".py:") == std::string::npos) {
      return Status::InvalidArgument("function '" + f.name +
                                     "': Handler must be path/file.py:function for python3");
    }
  } else if (f.runtime == "exec") {
    if (f.command.empty()) {
      return Status::InvalidArgument("function '" + f.name + "': runtime exec needs Command");
    }
  } else {
    return Status::InvalidArgument("function '" + f.name + "': Runtime '" + f.runtime +
                                   "' is not supported (python3 or exec)");
  }
  MESHD_ASSIGN_OR_RETURN(auto conc, OptInt(o, "Concurrency"));
  if (conc && (*conc < 1 || *conc > 64)) {
    return Status::InvalidArgument("function '" + f.name + "': Concurrency must be 1..64");
  }
  f.concurrency = static_cast<int32_t>(conc.value_or(1));
  MESHD_ASSIGN_OR_RETURN(auto timeout, OptNumber(o, "TimeoutSeconds"));
  if (timeout && (*timeout <= 0 || *timeout > 900)) {
    return Status::InvalidArgument("function '" + f.name + "': TimeoutSeconds must be in (0, 900]");
  }
  if (timeout) f.timeout_ms = Millis(*timeout);
  MESHD_ASSIGN_OR_RETURN(f.environment, StringMap(o, "Environment"));
  MESHD_ASSIGN_OR_RETURN(auto created, OptNumber(o, "CreationTime"));
  f.created_ms = created ? Millis(*created) : 0;
  return f;
}

json::object ToJson(const ArchiveSpec& a, const std::string& region) {
  json::object o;
  o["ArchiveName"] = a.name;
  o["ArchiveArn"] = ArchiveArn(region, a.name);
  o["EventSourceArn"] = BusArn(region, a.bus);
  if (!a.event_pattern.empty()) o["EventPattern"] = a.event_pattern;
  if (!a.description.empty()) o["Description"] = a.description;
  o["RetentionDays"] = a.retention_days;
  o["State"] = "ENABLED";
  o["CreationTime"] = Seconds(a.created_ms);
  return o;
}

Result<ArchiveSpec> ArchiveFromJson(const json::object& o) {
  ArchiveSpec a;
  MESHD_ASSIGN_OR_RETURN(a.name, ReqString(o, "ArchiveName"));
  MESHD_TRY(ValidateName("archive", a.name));
  MESHD_ASSIGN_OR_RETURN(auto src, ReqString(o, "EventSourceArn"));
  a.bus = BusNameFromArnOrName(src);
  MESHD_ASSIGN_OR_RETURN(auto pattern, OptString(o, "EventPattern"));
  a.event_pattern = pattern.value_or("");
  MESHD_ASSIGN_OR_RETURN(auto desc, OptString(o, "Description"));
  a.description = desc.value_or("");
  MESHD_ASSIGN_OR_RETURN(auto days, OptInt(o, "RetentionDays"));
  if (days && *days < 0) return Status::InvalidArgument("archive '" + a.name + "': RetentionDays < 0");
  a.retention_days = static_cast<int32_t>(days.value_or(0));
  MESHD_ASSIGN_OR_RETURN(auto created, OptNumber(o, "CreationTime"));
  a.created_ms = created ? Millis(*created) : 0;
  return a;
}

json::object ToJson(const ReplaySpec& r, const std::string& region) {
  json::object o;
  o["ReplayName"] = r.name;
  o["ReplayArn"] = ReplayArn(region, r.name);
  if (!r.description.empty()) o["Description"] = r.description;
  o["State"] = r.state;
  if (!r.state_reason.empty()) o["StateReason"] = r.state_reason;
  o["EventSourceArn"] = ArchiveArn(region, r.archive);
  json::object dest{{"Arn", BusArn(region, r.destination_bus)}};
  if (!r.filter_rules.empty()) {
    json::array f;
    for (const auto& n : r.filter_rules) f.emplace_back(RuleArn(region, r.destination_bus, n));
    dest["FilterArns"] = std::move(f);
  }
  o["Destination"] = std::move(dest);
  o["EventStartTime"] = Seconds(r.event_start_ms);
  o["EventEndTime"] = Seconds(r.event_end_ms);
  if (r.last_replayed_ms) o["EventLastReplayedTime"] = Seconds(r.last_replayed_ms);
  o["ReplayStartTime"] = Seconds(r.replay_start_ms);
  if (r.replay_end_ms) o["ReplayEndTime"] = Seconds(r.replay_end_ms);
  o["EventsReplayed"] = r.events_replayed;  // meshd extension
  return o;
}

Result<ReplaySpec> ReplayFromJson(const json::object& o) {
  ReplaySpec r;
  MESHD_ASSIGN_OR_RETURN(r.name, ReqString(o, "ReplayName"));
  MESHD_TRY(ValidateName("replay", r.name));
  MESHD_ASSIGN_OR_RETURN(auto desc, OptString(o, "Description"));
  r.description = desc.value_or("");
  MESHD_ASSIGN_OR_RETURN(auto src, ReqString(o, "EventSourceArn"));
  r.archive = ArchiveNameFromArnOrName(src);
  MESHD_ASSIGN_OR_RETURN(const json::object* dest, OptObject(o, "Destination"));
  if (dest == nullptr) return Status::InvalidArgument("replay '" + r.name + "': Destination is required");
  MESHD_ASSIGN_OR_RETURN(auto dest_arn, ReqString(*dest, "Arn"));
  r.destination_bus = BusNameFromArnOrName(dest_arn);
  MESHD_ASSIGN_OR_RETURN(const json::array* filters, OptArray(*dest, "FilterArns"));
  if (filters != nullptr) {
    for (const auto& f : *filters) {
      if (!f.is_string()) return Status::InvalidArgument("replay '" + r.name + "': FilterArns must be strings");
      r.filter_rules.push_back(RuleNameFromArnOrName(std::string(f.get_string())));
    }
  }
  MESHD_ASSIGN_OR_RETURN(auto start, OptNumber(o, "EventStartTime"));
  MESHD_ASSIGN_OR_RETURN(auto end, OptNumber(o, "EventEndTime"));
  if (!start || !end) {
    return Status::InvalidArgument("replay '" + r.name + "': EventStartTime and EventEndTime are required");
  }
  r.event_start_ms = Millis(*start);
  r.event_end_ms = Millis(*end);
  if (r.event_end_ms <= r.event_start_ms) {
    return Status::InvalidArgument("replay '" + r.name + "': EventEndTime must be after EventStartTime");
  }
  MESHD_ASSIGN_OR_RETURN(auto state, OptString(o, "State"));
  if (state) r.state = *state;
  MESHD_ASSIGN_OR_RETURN(auto reason, OptString(o, "StateReason"));
  r.state_reason = reason.value_or("");
  MESHD_ASSIGN_OR_RETURN(auto rs, OptNumber(o, "ReplayStartTime"));
  if (rs) r.replay_start_ms = Millis(*rs);
  MESHD_ASSIGN_OR_RETURN(auto re, OptNumber(o, "ReplayEndTime"));
  if (re) r.replay_end_ms = Millis(*re);
  MESHD_ASSIGN_OR_RETURN(auto lr, OptNumber(o, "EventLastReplayedTime"));
  if (lr) r.last_replayed_ms = Millis(*lr);
  MESHD_ASSIGN_OR_RETURN(auto n, OptInt(o, "EventsReplayed"));
  r.events_replayed = n.value_or(0);
  return r;
}

}  // namespace meshd::bus
