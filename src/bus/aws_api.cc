#include "bus/aws_api.h"

#include "bus/bus_service.h"

namespace meshd::bus {
namespace {

std::string BusParam(const json::object& in, std::string_view key = "EventBusName") {
  auto v = OptString(in, key);
  if (!v.ok() || !*v) return kDefaultBus;
  return BusNameFromArnOrName(**v);
}

json::array FailuresToJson(const std::vector<TargetFailure>& failures) {
  json::array a;
  for (const auto& f : failures) {
    a.push_back(json::object{{"TargetId", f.target_id}, {"ErrorCode", f.error_code}, {"ErrorMessage", f.error_message}});
  }
  return a;
}

}  // namespace

AwsError ToAwsError(const Status& s) {
  AwsError e;
  e.message = s.message();
  switch (s.code()) {
    case StatusCode::kNotFound: e.type = "ResourceNotFoundException"; break;
    case StatusCode::kAlreadyExists: e.type = "ResourceAlreadyExistsException"; break;
    case StatusCode::kTooLarge: e.type = "LimitExceededException"; break;
    case StatusCode::kConflict: e.type = "ConcurrentModificationException"; break;
    case StatusCode::kUnsupported: e.type = "UnknownOperationException"; break;
    case StatusCode::kInvalidArgument:
      e.type = s.message().rfind("Event pattern is not valid", 0) == 0 ? "InvalidEventPatternException"
                                                                     : "ValidationException";
      break;
    case StatusCode::kPermissionDenied: e.type = "AccessDeniedException"; break;
    default:
      e.type = "InternalException";
      e.http_status = 500;
  }
  return e;
}

Result<json::object> RunAwsOperation(BusService& svc, const std::string& op, const json::object& in) {
  const std::string& region = svc.region();
  if (op == "PutEvents") {
    MESHD_ASSIGN_OR_RETURN(const json::array* entries, OptArray(in, "Entries"));
    if (entries == nullptr) return Status::InvalidArgument("Entries is required");
    MESHD_ASSIGN_OR_RETURN(auto results, svc.PutEvents(*entries, kDefaultBus));
    json::array out;
    int failed = 0;
    for (const auto& r : results) {
      if (r.error_code.empty()) {
        out.push_back(json::object{{"EventId", r.event_id}});
      } else {
        ++failed;
        out.push_back(json::object{{"ErrorCode", r.error_code}, {"ErrorMessage", r.error_message}});
      }
    }
    return json::object{{"FailedEntryCount", failed}, {"Entries", std::move(out)}};
  }
  if (op == "PutRule") {
    MESHD_ASSIGN_OR_RETURN(auto sched, OptString(in, "ScheduleExpression"));
    if (sched) return Status::InvalidArgument("ScheduleExpression is not supported by meshd");
    MESHD_ASSIGN_OR_RETURN(RuleSpec spec, RuleFromJson(in));
    spec.targets.clear();
    MESHD_ASSIGN_OR_RETURN(auto res, svc.PutRule(spec));
    json::object o{{"RuleArn", res.rule_arn}};
    if (!res.warnings.empty()) {
      json::array w;
      for (const auto& x : res.warnings) w.emplace_back(x);
      o["Warnings"] = std::move(w);  // meshd extension; SDKs ignore it
    }
    return o;
  }
  if (op == "DescribeRule") {
    MESHD_ASSIGN_OR_RETURN(auto name, ReqString(in, "Name"));
    MESHD_ASSIGN_OR_RETURN(auto rule, svc.DescribeRule(BusParam(in), name));
    return ToJson(rule, region);
  }
  if (op == "ListRules") {
    MESHD_ASSIGN_OR_RETURN(auto prefix, OptString(in, "NamePrefix"));
    std::string bus = BusParam(in);
    if (!svc.DescribeBus(bus).ok()) return Status::NotFound("Event bus " + bus + " does not exist.");
    json::array rules;
    for (const auto& r : svc.ListRules(bus, prefix.value_or(""))) rules.push_back(ToJson(r, region));
    return json::object{{"Rules", std::move(rules)}};
  }
  if (op == "DeleteRule") {
    MESHD_ASSIGN_OR_RETURN(auto name, ReqString(in, "Name"));
    MESHD_ASSIGN_OR_RETURN(auto force, OptBool(in, "Force"));
    MESHD_TRY(svc.DeleteRule(BusParam(in), name, force.value_or(false)));
    return json::object{};
  }
  if (op == "EnableRule" || op == "DisableRule") {
    MESHD_ASSIGN_OR_RETURN(auto name, ReqString(in, "Name"));
    MESHD_TRY(svc.SetRuleEnabled(BusParam(in), name, op == "EnableRule"));
    return json::object{};
  }
  if (op == "PutTargets") {
    MESHD_ASSIGN_OR_RETURN(auto rule, ReqString(in, "Rule"));
    MESHD_ASSIGN_OR_RETURN(const json::array* targets, OptArray(in, "Targets"));
    if (targets == nullptr || targets->empty()) return Status::InvalidArgument("Targets is required");
    std::vector<TargetSpec> specs;
    std::vector<TargetFailure> failures;
    for (const auto& t : *targets) {
      if (!t.is_object()) return Status::InvalidArgument("Targets items must be objects");
      auto spec = TargetFromJson(t.get_object());
      if (!spec.ok()) {
        auto id = OptString(t.get_object(), "Id");
        failures.push_back({id.ok() && *id ? **id : "", "ValidationException", spec.error().message()});
        continue;
      }
      specs.push_back(std::move(*spec));
    }
    MESHD_ASSIGN_OR_RETURN(auto more, svc.PutTargets(BusParam(in), rule, specs));
    failures.insert(failures.end(), more.begin(), more.end());
    return json::object{{"FailedEntryCount", failures.size()}, {"FailedEntries", FailuresToJson(failures)}};
  }
  if (op == "ListTargetsByRule") {
    MESHD_ASSIGN_OR_RETURN(auto rule, ReqString(in, "Rule"));
    MESHD_ASSIGN_OR_RETURN(auto targets, svc.ListTargets(BusParam(in), rule));
    json::array a;
    for (const auto& t : targets) a.push_back(ToJson(t));
    return json::object{{"Targets", std::move(a)}};
  }
  if (op == "RemoveTargets") {
    MESHD_ASSIGN_OR_RETURN(auto rule, ReqString(in, "Rule"));
    MESHD_ASSIGN_OR_RETURN(const json::array* ids, OptArray(in, "Ids"));
    if (ids == nullptr) return Status::InvalidArgument("Ids is required");
    std::vector<std::string> v;
    for (const auto& id : *ids) {
      if (id.is_string()) v.emplace_back(id.get_string());
    }
    MESHD_ASSIGN_OR_RETURN(auto failures, svc.RemoveTargets(BusParam(in), rule, v));
    return json::object{{"FailedEntryCount", failures.size()}, {"FailedEntries", FailuresToJson(failures)}};
  }
  if (op == "TestEventPattern") {
    MESHD_ASSIGN_OR_RETURN(auto pattern, ReqString(in, "EventPattern"));
    MESHD_ASSIGN_OR_RETURN(auto event, ReqString(in, "Event"));
    MESHD_ASSIGN_OR_RETURN(bool result, BusService::TestEventPattern(pattern, event));
    return json::object{{"Result", result}};
  }
  if (op == "CreateEventBus") {
    MESHD_ASSIGN_OR_RETURN(auto name, ReqString(in, "Name"));
    MESHD_ASSIGN_OR_RETURN(auto parts, OptInt(in, "Partitions"));  // meshd extension
    MESHD_ASSIGN_OR_RETURN(auto bus, svc.CreateBus(name, static_cast<int32_t>(parts.value_or(0))));
    return json::object{{"EventBusArn", BusArn(region, bus.name)}};
  }
  if (op == "ListEventBuses") {
    MESHD_ASSIGN_OR_RETURN(auto prefix, OptString(in, "NamePrefix"));
    json::array a;
    for (const auto& b : svc.ListBuses(prefix.value_or(""))) {
      a.push_back(json::object{{"Name", b.name}, {"Arn", BusArn(region, b.name)}});
    }
    return json::object{{"EventBuses", std::move(a)}};
  }
  if (op == "DescribeEventBus") {
    MESHD_ASSIGN_OR_RETURN(auto name, OptString(in, "Name"));
    MESHD_ASSIGN_OR_RETURN(auto bus, svc.DescribeBus(BusNameFromArnOrName(name.value_or(kDefaultBus))));
    return json::object{{"Name", bus.name}, {"Arn", BusArn(region, bus.name)}};
  }
  if (op == "DeleteEventBus") {
    MESHD_ASSIGN_OR_RETURN(auto name, ReqString(in, "Name"));
    MESHD_TRY(svc.DeleteBus(BusNameFromArnOrName(name)));
    return json::object{};
  }
  if (op == "CreateArchive") {
    MESHD_ASSIGN_OR_RETURN(auto spec, ArchiveFromJson(in));
    MESHD_ASSIGN_OR_RETURN(auto a, svc.CreateArchive(spec));
    return json::object{{"ArchiveArn", ArchiveArn(region, a.name)},
                        {"State", "ENABLED"},
                        {"CreationTime", static_cast<double>(a.created_ms) / 1000.0}};
  }
  if (op == "DescribeArchive") {
    MESHD_ASSIGN_OR_RETURN(auto name, ReqString(in, "ArchiveName"));
    MESHD_ASSIGN_OR_RETURN(auto a, svc.DescribeArchive(name));
    return ToJson(a, region);
  }
  if (op == "ListArchives") {
    json::array a;
    for (const auto& x : svc.ListArchives()) a.push_back(ToJson(x, region));
    return json::object{{"Archives", std::move(a)}};
  }
  if (op == "DeleteArchive") {
    MESHD_ASSIGN_OR_RETURN(auto name, ReqString(in, "ArchiveName"));
    MESHD_TRY(svc.DeleteArchive(name));
    return json::object{};
  }
  if (op == "StartReplay") {
    MESHD_ASSIGN_OR_RETURN(auto spec, ReplayFromJson(in));
    MESHD_ASSIGN_OR_RETURN(auto r, svc.StartReplay(spec));
    return json::object{{"ReplayArn", ReplayArn(region, r.name)},
                        {"State", r.state},
                        {"ReplayStartTime", static_cast<double>(r.replay_start_ms) / 1000.0}};
  }
  if (op == "DescribeReplay") {
    MESHD_ASSIGN_OR_RETURN(auto name, ReqString(in, "ReplayName"));
    MESHD_ASSIGN_OR_RETURN(auto r, svc.DescribeReplay(name));
    return ToJson(r, region);
  }
  if (op == "ListReplays") {
    json::array a;
    for (const auto& x : svc.ListReplays()) a.push_back(ToJson(x, region));
    return json::object{{"Replays", std::move(a)}};
  }
  return Status::Unsupported("Operation AWSEvents." + op + " is not supported by meshd");
}

}  // namespace meshd::bus
