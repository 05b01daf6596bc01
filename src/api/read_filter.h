#pragma once
// ReadFilter: the hook through which the HTTP consume paths let access
// control rewrite record values for one reader (PII masking of classified
// fields for readers without a PII grant). The app installs one backed by
// src/governance, so src/api does not depend on it.
//
// Thread-safety: called concurrently from every I/O thread.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace meshd::api {

// Rewrites one record value; nullopt keeps it unchanged.
using ValueRewriter = std::function<std::optional<std::string>(std::string_view value)>;
// The rewriter for this request's reader on `topic`, or an empty function
// when the reader receives values unchanged (the common case).
using ReadFilter = std::function<ValueRewriter(const http::RequestContext& ctx, const std::string& topic)>;

}  // namespace meshd::api
