#pragma once
// Standard base64 (RFC 4648, with padding), for CloudEvents `data_base64`.

#include <optional>
#include <string>
#include <string_view>

namespace meshd::cloudevents {

std::string Base64Encode(std::string_view in);
// nullopt when `in` is not valid padded base64 (whitespace is not allowed).
std::optional<std::string> Base64Decode(std::string_view in);
// True when `s` is well-formed UTF-8 (so it can be emitted as a JSON string).
bool IsValidUtf8(std::string_view s);

}  // namespace meshd::cloudevents
