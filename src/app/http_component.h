#pragma once
// The HTTP listener: the /v1 API (EventsApi) plus /metrics and /healthz on
// one HttpServer. Other modules can mount more routes on router() before
// Start (the EventBridge API shares this listener).

#include <memory>

#include "api/events_api.h"
#include "app/mesh_server.h"
#include "http/router.h"
#include "http/server.h"

namespace meshd::app {

class HttpComponent final : public Component {
 public:
  HttpComponent();
  ~HttpComponent() override;

  std::string name() const override { return "http"; }
  Status Start(MeshServer& server) override;
  void Stop() override;
  void Describe(boost::json::object& listening) const override;

  http::Router& router() { return *router_; }
  std::string address() const { return address_; }

 private:
  std::shared_ptr<http::Router> router_;
  std::unique_ptr<api::EventsApi> api_;
  std::unique_ptr<http::HttpServer> server_;
  std::string address_;
};

}  // namespace meshd::app
