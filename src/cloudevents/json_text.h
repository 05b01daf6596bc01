#pragma once
// JSON text output that keeps numbers readable: doubles are written in the
// shortest form that round-trips (std::to_chars), e.g. 12.5 rather than
// Boost.JSON 1.81's "1.25E1". Used for event data and API responses.

#include <boost/json.hpp>

#include <string>

namespace meshd::cloudevents {

std::string SerializeJson(const boost::json::value& v);
void SerializeJsonTo(const boost::json::value& v, std::string* out);

}  // namespace meshd::cloudevents
