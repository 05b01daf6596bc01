#pragma once
// The event bus (EventBridge semantics) as a MeshServer component. It shares
// the HTTP listener: REST routes under /v1 and the AWS JSON 1.1 endpoint.

#include <memory>
#include <string>

#include "app/mesh_server.h"
#include "bus/bus_service.h"

namespace meshd::app {

class BusComponent final : public Component {
 public:
  std::string name() const override { return "bus"; }
  Status Start(MeshServer& server) override;
  void Stop() override;

 private:
  std::unique_ptr<bus::BusService> service_;
};

}  // namespace meshd::app
