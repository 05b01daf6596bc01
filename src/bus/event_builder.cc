#include "bus/event_builder.h"

#include <cmath>

#include "bus/model.h"
#include "cloudevents/cloud_event.h"

namespace meshd::bus {
namespace {

Status Fail(EntryError* error, std::string code, std::string message) {
  if (error != nullptr) {
    error->code = code;
    error->message = message;
  }
  return Status::InvalidArgument(message);
}

}  // namespace

size_t EntrySize(const json::object& entry) {
  size_t n = 0;
  auto add = [&](std::string_view key) {
    auto it = entry.find(key);
    if (it != entry.end() && it->value().is_string()) n += it->value().get_string().size();
  };
  add("Source");
  add("DetailType");
  add("Detail");
  if (entry.contains("Time")) n += 14;
  auto it = entry.find("Resources");
  if (it != entry.end() && it->value().is_array()) {
    for (const auto& r : it->value().get_array()) {
      if (r.is_string()) n += r.get_string().size();
    }
  }
  return n;
}

Result<BuiltEvent> BuildEvent(const json::object& entry, const std::string& region,
                              int64_t now_ms, EntryError* error) {
  auto source = OptString(entry, "Source");
  if (!source.ok() || !*source || (*source)->empty()) {
    return Fail(error, "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.");
  }
  auto detail_type = OptString(entry, "DetailType");
  if (!detail_type.ok() || !*detail_type || (*detail_type)->empty()) {
    return Fail(error, "InvalidArgument",
                "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
  }
  json::value detail = json::object();
  auto dit = entry.find("Detail");
  if (dit == entry.end() || dit->value().is_null()) {
    return Fail(error, "InvalidArgument",
                "Parameter Detail is not valid. Reason: Detail is a required argument.");
  }
  if (dit->value().is_string()) {
    boost::system::error_code ec;
    detail = json::parse(dit->value().get_string(), ec);
    if (ec) return Fail(error, "MalformedDetail", "Detail is malformed: " + ec.message());
  } else {
    detail = dit->value();  // REST callers may send the object itself
  }
  if (!detail.is_object()) {
    return Fail(error, "MalformedDetail", "Detail is malformed: it must be a JSON object");
  }
  json::array resources;
  auto rit = entry.find("Resources");
  if (rit != entry.end() && !rit->value().is_null()) {
    if (!rit->value().is_array()) {
      return Fail(error, "InvalidArgument", "Parameter Resources is not valid: must be a list");
    }
    for (const auto& r : rit->value().get_array()) {
      if (!r.is_string()) {
        return Fail(error, "InvalidArgument", "Parameter Resources is not valid: items must be strings");
      }
      resources.push_back(r);
    }
  }
  int64_t time_ms = now_ms;
  auto tit = entry.find("Time");
  if (tit != entry.end() && !tit->value().is_null()) {
    if (tit->value().is_number()) {
      time_ms = static_cast<int64_t>(std::llround(tit->value().to_number<double>() * 1000.0));
    } else if (tit->value().is_string()) {
      auto parsed = ParseRfc3339(tit->value().get_string());
      if (!parsed.ok()) return Fail(error, "InvalidArgument", "Parameter Time is not valid: " + parsed.error().message());
      time_ms = *parsed;
    } else {
      return Fail(error, "InvalidArgument", "Parameter Time is not valid");
    }
  }
  BuiltEvent out;
  auto bus = OptString(entry, "EventBusName");
  if (!bus.ok()) return Fail(error, "InvalidArgument", "Parameter EventBusName is not valid");
  if (*bus && !(*bus)->empty()) out.bus = BusNameFromArnOrName(**bus);
  out.id = cloudevents::NewUuid();
  out.source = **source;
  json::object ev;
  ev["version"] = "0";
  ev["id"] = out.id;
  ev["detail-type"] = **detail_type;
  ev["source"] = out.source;
  ev["account"] = kAccount;
  ev["time"] = FormatRfc3339(time_ms);
  ev["region"] = region;
  ev["resources"] = std::move(resources);
  ev["detail"] = std::move(detail);
  out.json = json::serialize(ev);
  return out;
}

}  // namespace meshd::bus
