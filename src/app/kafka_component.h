#pragma once
// The Kafka wire-protocol listener (`--kafka HOST:PORT`) as a MeshServer
// component: a kafka::KafkaServer on the shared io_context and event log.

#include <memory>
#include <string>

#include "app/mesh_server.h"
#include "kafka/server/kafka_server.h"

namespace meshd::app {

class KafkaComponent final : public Component {
 public:
  std::string name() const override { return "kafka"; }
  Status Start(MeshServer& server) override;
  void Stop() override;
  void Describe(boost::json::object& listening) const override;

 private:
  std::unique_ptr<kafka::KafkaServer> server_;
  std::string address_;
};

}  // namespace meshd::app
