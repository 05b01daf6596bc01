#include "app/access_component.h"

#include <boost/json.hpp>

#include "base/logging.h"
#include "catalog/descriptor.h"
#include "governance/access_http.h"
#include "governance/pii_batch_rewriter.h"

namespace meshd::app {

namespace {

governance::Identity IdentityFromRequest(const http::RequestContext& ctx) {
  governance::Identity id;
  id.name = ctx.principal;
  id.domain = ctx.principal_domain;
  id.admin = ctx.principal_admin;
  id.authenticated = !ctx.principal.empty();
  return id;
}

// Thread-safe: AccessControl is.
class KafkaAccessHook final : public kafka::AccessHook {
 public:
  explicit KafkaAccessHook(governance::AccessControl& access) : access_(access) {}

  bool RequireSasl() const override { return access_.enforced(); }

  bool VerifyPassword(const std::string& user, std::string_view password) const override {
    return access_.principals().VerifyPassword(user, password);
  }

  std::optional<ScramCredential> Scram(const std::string& user) const override {
    auto c = access_.principals().Scram(user);
    if (!c) return std::nullopt;
    return ScramCredential{std::move(c->salt), std::move(c->stored_key), std::move(c->server_key),
                           c->iterations};
  }

  bool Authorize(const std::string& principal, Operation op, const std::string& topic) override {
    const governance::Identity who = access_.IdentityForName(principal);
    switch (op) {
      case Operation::kWrite:
        return access_.Check(who, governance::AccessAction::kProduce, topic).allowed;
      case Operation::kRead:
        return access_.Check(who, governance::AccessAction::kConsume, topic).allowed;
      case Operation::kManage:
        return access_.Check(who, governance::AccessAction::kManageTopic, topic).allowed;
      case Operation::kDescribe: {
        // Not audited: metadata is not data access.
        const auto* dir = access_.directory();
        return governance::Decide(who, governance::AccessAction::kConsume, topic, dir).allowed ||
               governance::Decide(who, governance::AccessAction::kProduce, topic, dir).allowed;
      }
    }
    return false;
  }

  BatchRewriter FetchRewriter(const std::string& principal, const std::string& topic) override {
    auto masker = access_.MaskerFor(access_.IdentityForName(principal), topic);
    if (!masker) return {};
    return [masker](std::string* batches) { return governance::RewriteBatches(*masker, batches); };
  }

 private:
  governance::AccessControl& access_;
};

// The domain of the product a POST /v1/products body describes: the body is
// a descriptor bundle {"file","content","files"} or the descriptor itself
// (as src/catalog/catalog_http.cc reads it).
Result<std::string> DescriptorDomain(const catalog::ProductDirectory* directory,
                                     const http::RequestContext& ctx) {
  const std::string& body = ctx.request.body();
  catalog::DescriptorBundle bundle;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  bool parsed = false;
  if (!ec && v.is_object() && v.get_object().contains("content") && v.get_object().contains("file")) {
    auto b = catalog::DescriptorBundle::FromJson(v);
    if (b.ok()) {
      bundle = std::move(*b);
      parsed = true;
    }
  }
  if (!parsed) {
    bundle.file = "request body";
    bundle.content = body;
  }
  MESHD_ASSIGN_OR_RETURN(catalog::Descriptor d, catalog::ParseDescriptor(bundle));
  if (d.kind == catalog::Descriptor::Kind::kProduct) return d.product.domain;
  auto product = directory ? directory->Find(d.patch.product) : nullptr;
  if (!product) return Status::NotFound("contract patch for unknown product");
  return product->domain;
}

}  // namespace

api::ReadFilter MakeReadFilter(governance::AccessControl& access) {
  if (!access.enforced()) return {};
  governance::AccessControl* ac = &access;
  return [ac](const http::RequestContext& ctx, const std::string& topic) -> api::ValueRewriter {
    auto masker = ac->MaskerFor(IdentityFromRequest(ctx), topic);
    if (!masker) return {};
    return [masker](std::string_view value) { return masker->RewriteValue(value); };
  };
}

std::shared_ptr<kafka::AccessHook> MakeKafkaAccessHook(governance::AccessControl& access) {
  if (!access.enforced()) return nullptr;
  return std::make_shared<KafkaAccessHook>(access);
}

Status AccessComponent::Start(MeshServer& server) {
  server_ = &server;
  auto mode = governance::ParseAuthMode(server.options().auth);
  if (!mode.ok()) return Status::InvalidArgument("--auth: " + mode.error().message());
  auto principals = governance::PrincipalStore::Open(&server.log());
  if (!principals.ok()) return principals.error();
  auto audit = governance::AuditLog::Open(&server.log());
  if (!audit.ok()) return audit.error();
  if (*mode == governance::AuthMode::kRequired) {
    auto written = (*principals)->BootstrapAdmin(server.options().data_dir);
    if (!written.ok()) return written.error();
  }
  access_ = std::make_unique<governance::AccessControl>(
      *mode, std::move(*principals), std::move(*audit),
      [s = &server]() -> const catalog::ProductDirectory* { return s->product_directory(); });
  server.set_access_control(access_.get());
  governance::AccessControl* ac = access_.get();
  governance::InstallHttpAccess(server.http_router(), *access_,
                                [ac](const http::RequestContext& ctx) {
                                  return DescriptorDomain(ac->directory(), ctx);
                                });
  logging::Get("governance")->info("access control auth={} principals={}",
                                   access_->enforced() ? "required" : "off",
                                   access_->principals().List().size());
  return Status::Ok();
}

void AccessComponent::Stop() {
  if (server_) server_->set_access_control(nullptr);
}

}  // namespace meshd::app
