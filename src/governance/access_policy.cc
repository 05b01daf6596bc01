#include "governance/access_policy.h"

namespace meshd::governance {

const char* AccessActionName(AccessAction action) {
  switch (action) {
    case AccessAction::kProduce: return "produce";
    case AccessAction::kConsume: return "consume";
    case AccessAction::kManageTopic: return "manage";
  }
  return "?";
}

namespace {

bool GrantMatches(const catalog::Grant& g, const Identity& who) {
  if (!g.principal.empty()) return g.principal == who.name;
  return !g.domain.empty() && g.domain == who.domain;
}

}  // namespace

AccessDecision Decide(const Identity& who, AccessAction action, const std::string& topic,
                      const catalog::ProductDirectory* directory) {
  AccessDecision d;
  const std::string verb = AccessActionName(action);
  if (!who.authenticated) {
    d.reason = "not authenticated";
    return d;
  }
  if (who.admin) {
    d.allowed = true;
    d.pii_clear = true;
    d.reason = "admin";
    if (directory != nullptr) {
      auto owner = directory->FindByTopic(topic);
      d.product = owner.product;
      d.port = owner.port;
    }
    return d;
  }
  if (!topic.empty() && topic[0] == '_') {
    d.reason = "principal '" + who.name + "' may not " + verb + " internal topic '" + topic +
               "' (admins only)";
    return d;
  }
  catalog::ProductDirectory::TopicOwner owner;
  bool quarantine = false;
  if (directory != nullptr) {
    owner = directory->FindByTopic(topic);
    if (!owner.product && topic.size() > kQuarantineSuffix.size() &&
        topic.compare(topic.size() - kQuarantineSuffix.size(), kQuarantineSuffix.size(),
                      kQuarantineSuffix) == 0) {
      owner = directory->FindByTopic(topic.substr(0, topic.size() - kQuarantineSuffix.size()));
      quarantine = owner.product != nullptr;
    }
  }
  if (!owner.product) {
    d.allowed = true;
    d.reason = "topic '" + topic + "' is not part of a data product";
    return d;
  }
  d.product = owner.product;
  d.port = owner.port;
  const catalog::DataProduct& product = *owner.product;
  const bool own_domain = !who.domain.empty() && who.domain == product.domain;
  if (own_domain) {
    d.allowed = true;
    d.pii_clear = true;
    d.reason = "domain '" + who.domain + "' owns product '" + product.name + "'";
    return d;
  }
  if (quarantine) {
    d.reason = "principal '" + who.name + "' (domain '" + who.domain + "') may not " + verb +
               " quarantine topic '" + topic + "' of product '" + product.name +
               "' (owner domain '" + product.domain + "' only)";
    return d;
  }
  bool may_read = false, may_write = false, pii = false;
  if (owner.port != nullptr) {
    for (const catalog::Grant& g : owner.port->grants) {
      if (!GrantMatches(g, who)) continue;
      may_read = may_read || g.read;
      may_write = may_write || g.write;
      pii = pii || g.pii;
    }
  }
  if (action == AccessAction::kConsume && may_read) {
    d.allowed = true;
    d.pii_clear = pii;
    d.reason = "read grant on product '" + product.name + "'";
    return d;
  }
  if (action != AccessAction::kConsume && may_write) {
    d.allowed = true;
    d.reason = "write grant on product '" + product.name + "'";
    return d;
  }
  d.reason = "principal '" + who.name + "' (domain '" + who.domain + "') may not " + verb +
             " topic '" + topic + "' of product '" + product.name + "' owned by domain '" +
             product.domain + "'" + (action == AccessAction::kConsume ? " without a read grant" : "");
  return d;
}

}  // namespace meshd::governance
