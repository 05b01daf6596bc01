#pragma once
// The authorization decision table, one pure function shared by every
// enforcement point (HTTP, bus, Kafka). Rules, first match wins:
//
//   1. admins may do everything and read classified fields in clear;
//   2. internal topics (name starts with '_': _principals, _audit,
//      __consumer_offsets, _bus.*, _schemas, ...) are for admins only;
//   3. a topic owned by a product's output port (ProductDirectory::FindByTopic):
//        produce / manage: the product's own domain, or a grant with write
//                          for the principal's domain or name;
//        consume:          the product's own domain, or a grant with read;
//        classified fields in clear: own domain, or a grant with pii;
//      `<port topic>.quarantine` belongs to the same product, for its own
//      domain only (grants do not extend to quarantined events);
//   4. any other topic (not part of a data product) is open to every
//      authenticated principal: plain topics keep working as before, and a
//      topic becomes governed by declaring it as a product's output port.
//
// Thread-safety: pure; the directory must be thread-safe (it is).

#include <string>

#include "catalog/product_model.h"
#include "governance/principal.h"

namespace meshd::governance {

enum class AccessAction {
  kProduce,      // publish / Produce / bus topic target
  kConsume,      // consume / Fetch / ListOffsets / OffsetCommit
  kManageTopic,  // create, delete, alter config, add partitions
};

const char* AccessActionName(AccessAction action);

struct AccessDecision {
  bool allowed = false;
  // Consume only: the reader sees classified fields in clear.
  bool pii_clear = false;
  // The product owning the topic (null for unowned topics).
  std::shared_ptr<const catalog::DataProduct> product;
  const catalog::OutputPort* port = nullptr;
  // Why, for error messages and the audit log.
  std::string reason;
};

AccessDecision Decide(const Identity& who, AccessAction action, const std::string& topic,
                      const catalog::ProductDirectory* directory);

inline constexpr std::string_view kQuarantineSuffix = ".quarantine";

}  // namespace meshd::governance
