#pragma once
// Decodes a whole request frame (header + body) for any API and version meshd
// serves, without acting on it. Used by the fuzz harness and the corpus
// regression test, and handy for tools that dump traffic.

#include <string>
#include <string_view>

#include "base/result.h"
#include "kafka/protocol/header.h"

namespace meshd::kafka {

// OK if the frame (without the int32 size prefix) is a well-formed request
// of a supported (key, version); the returned string names it ("Produce v7").
Result<std::string> DecodeAnyRequest(std::string_view frame);

}  // namespace meshd::kafka
