#pragma once
// MeshServer: the running meshd process. Owns the event log, one io_context
// run by a thread pool, and an ordered list of Components (listeners and
// services). Start() opens the log, starts the components in order, then the
// threads; Stop() stops the components in reverse order, joins the threads
// and closes the log.
//
// Adding a listener (the Kafka protocol server, the schema registry) is one
// AddComponent() before Start(); its Start() binds and spawns its accept
// loop on io_context(), and Describe() adds its key ("kafka": "HOST:PORT")
// to the machine-readable listening line.
//
// Thread-safety: Start/Stop from one controlling thread.

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/serve_options.h"
#include "http/router.h"
#include "base/status.h"
#include "storage/event_log.h"

namespace meshd::schema {
class SchemaRegistry;
}
namespace meshd::catalog {
class ProductDirectory;
}
namespace meshd::governance {
class ContractEnforcer;
class AccessControl;
}

namespace meshd::app {

class MeshServer;

class Component {
 public:
  virtual ~Component() = default;
  virtual std::string name() const = 0;
  // Binds listeners and spawns work on server.io_context(). Called before
  // the I/O threads run.
  virtual Status Start(MeshServer& server) = 0;
  // Stops accepting and closes connections. Called before the threads join.
  virtual void Stop() = 0;
  // Adds "<key>": "<host:port>" entries for the listening line.
  virtual void Describe(boost::json::object& listening) const { (void)listening; }
};

class MeshServer {
 public:
  explicit MeshServer(ServeOptions options);
  ~MeshServer();
  MeshServer(const MeshServer&) = delete;
  MeshServer& operator=(const MeshServer&) = delete;

  // Appends a component (before Start). The HTTP API component is added by
  // the constructor, so it precedes every appended one.
  void AddComponent(std::unique_ptr<Component> component);
  // Inserts a component that starts before the HTTP API (and so is stopped
  // after it): the schema registry, which every publish path reads.
  void AddComponentFirst(std::unique_ptr<Component> component);

  // The schema registry the publish paths validate against (topic config
  // schema.validation); null when --registry is off. Set by the registry
  // component's Start, which runs before the other components' Start and
  // before the I/O threads, so readers need no synchronisation.
  schema::SchemaRegistry* schema_registry() const { return schema_registry_; }
  void set_schema_registry(schema::SchemaRegistry* registry) { schema_registry_ = registry; }

  // The data-product catalog (which product owns which topic, its contract
  // and grants); null until the catalog component starts. Same lifetime and
  // synchronisation rules as schema_registry().
  catalog::ProductDirectory* product_directory() const { return product_directory_; }
  void set_product_directory(catalog::ProductDirectory* directory) { product_directory_ = directory; }

  // Contract enforcement the publish paths (HTTP, Kafka, bus) consult; null
  // when the governance component is absent. Set by its Start, which runs
  // before the HTTP API's; same synchronisation rules as schema_registry().
  governance::ContractEnforcer* contract_enforcer() const { return contract_enforcer_; }
  void set_contract_enforcer(governance::ContractEnforcer* enforcer) { contract_enforcer_ = enforcer; }

  // Access control (principals, authorization, PII masking, audit); set by
  // the access component's Start, which runs before the HTTP API, Kafka
  // listener and bus start. Same synchronisation rules as schema_registry().
  governance::AccessControl* access_control() const { return access_control_; }
  void set_access_control(governance::AccessControl* access) { access_control_ = access; }

  Status Start();
  void Stop();

  // {"event":"listening","http":"127.0.0.1:PORT",...}
  std::string ListeningLine() const;
  // "http://127.0.0.1:PORT" of the HTTP API.
  std::string http_url() const;
  // The HTTP API listener's router: other modules (EventBridge API) mount
  // their routes here before Start().
  http::Router& http_router();

  boost::asio::io_context& io_context() { return *ioc_; }
  storage::EventLog& log() { return *log_; }
  const ServeOptions& options() const { return options_; }

 private:
  ServeOptions options_;
  // Destroyed after the components and before the log (see Stop()).
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<storage::EventLog> log_;
  std::vector<std::unique_ptr<Component>> components_;
  schema::SchemaRegistry* schema_registry_ = nullptr;
  catalog::ProductDirectory* product_directory_ = nullptr;
  governance::ContractEnforcer* contract_enforcer_ = nullptr;
  governance::AccessControl* access_control_ = nullptr;
  size_t started_ = 0;
  std::vector<std::thread> threads_;
  bool running_ = false;
};

}  // namespace meshd::app
