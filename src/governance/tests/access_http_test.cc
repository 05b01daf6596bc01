// The HTTP middleware against an in-memory principal store, audit log and
// fake product directory: authentication (401), the route table (403 on
// publish/consume/admin routes), self-service product apply, and the audit
// entries it writes.
#include "governance/access_http.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "governance/tests/fake_directory.h"
#include "http/error_mapping.h"

namespace meshd::governance {
namespace {

namespace json = boost::json;
using http::bhttp::status;
using http::Method;

class AccessHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(AuthMode::kRequired); }

  void Build(AuthMode mode) {
    dir_ = std::make_unique<testing::FakeDirectory>();
    dir_->Put(testing::PosProduct());
    auto store = PrincipalStore::Open(nullptr);
    ASSERT_TRUE(store.ok());
    admin_ = (*store)->Create("admin", "", true, "")->token;
    crm_ = (*store)->Create("crm-svc", "crm", false, "admin")->token;
    pos_ = (*store)->Create("pos-svc", "pos", false, "admin")->token;
    auto audit = AuditLog::Open(nullptr);
    ASSERT_TRUE(audit.ok());
    testing::FakeDirectory* d = dir_.get();
    access_ = std::make_unique<AccessControl>(mode, std::move(*store), std::move(*audit),
                                              [d] { return d; });
    router_ = std::make_unique<http::Router>();
    auto ok = [this](http::RequestContext& ctx) -> boost::asio::awaitable<http::Reply> {
      last_principal_ = ctx.principal;
      ++handled_;
      co_return http::Reply(http::JsonResponse(status::ok, "{}"));
    };
    for (const char* p : {"/v1/topics/{topic}/events", "/v1/topics", "/v1/products"})
      router_->Add(Method::post, p, ok);
    router_->Add(Method::get, "/v1/topics/{topic}/events", ok);
    router_->Add(Method::get, "/v1/topics", ok);
    router_->Add(Method::get, "/healthz", ok);
    router_->Add(Method::delete_, "/v1/products/{name}", ok);
    InstallHttpAccess(*router_, *access_, [](const http::RequestContext& ctx) -> Result<std::string> {
      // Test descriptor: the body is the domain.
      return ctx.request.body();
    });
  }

  http::Reply Send(Method m, std::string target, const std::string& token, std::string body = "") {
    http::Request req(m, target, 11);
    if (!token.empty()) req.set(http::bhttp::field::authorization, "Bearer " + token);
    req.body() = std::move(body);
    boost::asio::io_context ioc;
    http::RequestContext ctx{req};
    ctx.path = target.substr(0, target.find('?'));
    ctx.executor = ioc.get_executor();
    auto fut = boost::asio::co_spawn(ioc, router_->Dispatch(ctx), boost::asio::use_future);
    ioc.run();
    return fut.get();
  }

  static std::string Code(const http::Reply& r) {
    auto v = json::parse(r.response.body());
    return v.is_object() && v.as_object().contains("error_code")
               ? std::string(v.at("error_code").as_string())
               : std::string();
  }

  std::unique_ptr<testing::FakeDirectory> dir_;
  std::unique_ptr<AccessControl> access_;
  std::unique_ptr<http::Router> router_;
  std::string admin_, crm_, pos_, last_principal_;
  int handled_ = 0;
};

TEST_F(AccessHttpTest, AuthenticationIsRequiredExceptForHealth) {
  auto r = Send(Method::get, "/v1/topics", "");
  EXPECT_EQ(r.response.result(), status::unauthorized);
  EXPECT_EQ(Code(r), "UNAUTHENTICATED");
  EXPECT_FALSE(r.response[http::bhttp::field::www_authenticate].empty());
  EXPECT_EQ(Send(Method::get, "/v1/topics", "mshd_forged").response.result(), status::unauthorized);
  EXPECT_EQ(Send(Method::get, "/healthz", "").response.result(), status::ok);
  EXPECT_EQ(Send(Method::get, "/v1/topics", crm_).response.result(), status::ok);
  EXPECT_EQ(last_principal_, "crm-svc");
}

TEST_F(AccessHttpTest, TopicRoutesFollowTheDecisionTable) {
  auto r = Send(Method::post, "/v1/topics/pos_transactions/events", crm_);
  EXPECT_EQ(r.response.result(), status::forbidden);
  EXPECT_EQ(Code(r), "FORBIDDEN");
  EXPECT_EQ(Send(Method::post, "/v1/topics/pos_transactions/events", pos_).response.result(), status::ok);
  EXPECT_EQ(Send(Method::get, "/v1/topics/pos_transactions/events", crm_).response.result(), status::ok);
  EXPECT_EQ(Send(Method::post, "/v1/topics", crm_, R"({"name":"pos_transactions"})").response.result(),
            status::forbidden);
  EXPECT_EQ(Send(Method::post, "/v1/topics", crm_, R"({"name":"crm_scratch"})").response.result(),
            status::ok);
  EXPECT_EQ(Send(Method::get, "/v1/audit", crm_).response.result(), status::forbidden);
  EXPECT_EQ(Send(Method::get, "/v1/audit", admin_).response.result(), status::ok);
}

TEST_F(AccessHttpTest, ProductsAreSelfServicePerDomain) {
  EXPECT_EQ(Send(Method::post, "/v1/products", crm_, "pos").response.result(), status::forbidden);
  EXPECT_EQ(Send(Method::post, "/v1/products", pos_, "pos").response.result(), status::ok);
  EXPECT_EQ(Send(Method::delete_, "/v1/products/pos_transactions", crm_).response.result(),
            status::forbidden);
  EXPECT_EQ(Send(Method::delete_, "/v1/products/pos_transactions", pos_).response.result(), status::ok);
}

TEST_F(AccessHttpTest, PrincipalsApiAndAudit) {
  auto r = Send(Method::post, "/v1/principals", crm_, R"({"name":"x","domain":"crm"})");
  EXPECT_EQ(r.response.result(), status::forbidden);
  r = Send(Method::post, "/v1/principals", admin_, R"({"domain":"risk"})");
  ASSERT_EQ(r.response.result(), status::created) << r.response.body();
  auto created = json::parse(r.response.body());
  EXPECT_EQ(created.at("principal").at("name"), "risk");
  std::string token(created.at("token").as_string());
  EXPECT_EQ(Send(Method::get, "/v1/whoami", token).response.result(), status::ok);
  EXPECT_EQ(Send(Method::post, "/v1/principals", admin_, R"({"domain":"risk"})").response.result(),
            status::conflict);
  EXPECT_EQ(Send(Method::delete_, "/v1/principals/risk", admin_).response.result(), status::ok);
  EXPECT_EQ(Send(Method::get, "/v1/whoami", token).response.result(), status::unauthorized);

  Send(Method::post, "/v1/topics/pos_transactions/events", crm_);
  auto entries = access_->audit().Read({});
  ASSERT_TRUE(entries.ok());
  auto has = [&](const char* who, const char* action, const char* resource, const char* outcome) {
    for (const auto& e : *entries) {
      if (e.at("principal") == who && e.at("action") == action && e.at("resource") == resource &&
          e.at("outcome") == outcome)
        return true;
    }
    return false;
  };
  EXPECT_TRUE(has("admin", "create", "/v1/principals", "ok"));
  EXPECT_TRUE(has("crm-svc", "create", "/v1/principals", "denied"));
  EXPECT_TRUE(has("admin", "delete", "/v1/principals/risk", "ok"));
  EXPECT_TRUE(has("crm-svc", "produce", "topic:pos_transactions", "denied"));
}

TEST_F(AccessHttpTest, OffModeEnforcesNothingButStillChecksTokens) {
  Build(AuthMode::kOff);
  EXPECT_EQ(Send(Method::get, "/v1/topics", "").response.result(), status::ok);
  EXPECT_EQ(last_principal_, "");
  EXPECT_EQ(Send(Method::post, "/v1/topics/pos_transactions/events", crm_).response.result(), status::ok);
  EXPECT_EQ(last_principal_, "crm-svc");
  EXPECT_EQ(Send(Method::get, "/v1/topics", "mshd_forged").response.result(), status::unauthorized);
  EXPECT_EQ(access_->MaskerFor(Identity{"crm-svc", "crm", false, true}, "pos_transactions"), nullptr);
}

TEST(BearerToken, Parsing) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer  abc "), "abc");
  EXPECT_EQ(BearerToken("Basic abc"), "");
  EXPECT_EQ(BearerToken("AWS4-HMAC-SHA256 Credential=x"), "");
  EXPECT_EQ(BearerToken(""), "");
}

}  // namespace
}  // namespace meshd::governance
