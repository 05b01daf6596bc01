#include "app/mesh_server.h"

#include <algorithm>
#include <cstdlib>

#include "app/access_component.h"
#include "app/http_component.h"
#include "base/logging.h"
#include "base/thread_name.h"
#include "storage/local_log.h"

namespace meshd::app {

namespace asio = boost::asio;
namespace json = boost::json;

// ---- HttpComponent

HttpComponent::HttpComponent() : router_(std::make_shared<http::Router>()) {}
HttpComponent::~HttpComponent() { Stop(); }

Status HttpComponent::Start(MeshServer& server) {
  const ServeOptions& o = server.options();
  auto hp = http::ParseHostPort(o.http);
  if (!hp.ok()) return hp.error();
  api_ = std::make_unique<api::EventsApi>(server.log(), o.api);
  MESHD_TRY(api_->Start());
  api_->set_schema_registry(server.schema_registry());
  if (governance::AccessControl* access = server.access_control())
    api_->set_read_filter(MakeReadFilter(*access));
  api_->set_contract_enforcer(server.contract_enforcer());
  api_->Mount(*router_);
  http::ServerOptions so;
  so.name = "http";
  so.max_body_bytes = static_cast<uint64_t>(
      std::max<int64_t>(o.max_request_bytes, o.api.max_event_bytes + 64 * 1024));
  server_ = std::make_unique<http::HttpServer>(server.io_context(), router_, so);
  api::EventsApi* api = api_.get();
  server_->set_connection_closed([api](uint64_t id) { api->OnConnectionClosed(id); });
  auto ep = server_->Listen(hp->first, hp->second);
  if (!ep.ok()) return ep.error();
  std::string host = ep->address().to_string();
  if (ep->address().is_v6()) host = "[" + host + "]";
  address_ = host + ":" + std::to_string(ep->port());
  server_->Start();
  return Status::Ok();
}

void HttpComponent::Stop() {
  if (api_) api_->Shutdown();
  if (server_) server_->Stop();
}

void HttpComponent::Describe(json::object& listening) const { listening["http"] = address_; }

// ---- MeshServer

MeshServer::MeshServer(ServeOptions options)
    : options_(std::move(options)), ioc_(std::make_unique<asio::io_context>()) {
  components_.push_back(std::make_unique<HttpComponent>());
}

MeshServer::~MeshServer() { Stop(); }

void MeshServer::AddComponent(std::unique_ptr<Component> component) {
  components_.push_back(std::move(component));
}

void MeshServer::AddComponentFirst(std::unique_ptr<Component> component) {
  components_.insert(components_.begin(), std::move(component));
}

Status MeshServer::Start() {
  auto logger = logging::Get("server");
  storage::LocalLogOptions lo;
  lo.data_dir = options_.data_dir;
  auto opened = storage::LocalLog::Open(lo);
  if (!opened.ok()) return opened.error();
  log_ = std::move(*opened);
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      ioc_->get_executor());
  for (auto& c : components_) {
    Status s = c->Start(*this);
    if (!s.ok()) {
      std::string name = c->name();  // Stop() destroys the components
      logger->error("component {} failed to start: {}", name, s.ToString());
      Stop();
      return Status(s.code(), name + ": " + s.message());
    }
    ++started_;
    logger->info("component started name={}", c->name());
  }
  int n = options_.threads > 0 ? options_.threads
                               : std::max(2u, std::thread::hardware_concurrency());
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this, i] {
      NameThisThread("meshd-io-" + std::to_string(i));
      ioc_->run();
    });
  }
  running_ = true;
  logger->info("meshd serving data_dir={} threads={} {}", options_.data_dir, n, ListeningLine());
  return Status::Ok();
}

void MeshServer::Stop() {
  if (!log_) return;
  auto logger = logging::Get("server");
  for (size_t i = started_; i > 0; --i) {
    components_[i - 1]->Stop();
    logger->info("component stopped name={}", components_[i - 1]->name());
  }
  started_ = 0;
  // Let in-flight handlers observe their closed sockets, then stop.
  work_.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!ioc_->stopped() && std::chrono::steady_clock::now() < deadline && !threads_.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ioc_->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // Order matters: closing the log completes pending append callbacks (they
  // post onto the stopped io_context); the components go next (their
  // acceptors belong to the io_context); destroying the io_context then
  // destroys suspended handler frames, which may still cancel log watches;
  // the log object goes last.
  if (auto* local = dynamic_cast<storage::LocalLog*>(log_.get())) local->Close();
  components_.clear();
  schema_registry_ = nullptr;
  access_control_ = nullptr;
  contract_enforcer_ = nullptr;
  ioc_.reset();
  log_.reset();
  running_ = false;
  logger->info("meshd stopped");
}

std::string MeshServer::ListeningLine() const {
  json::object o;
  o["event"] = "listening";
  for (const auto& c : components_) c->Describe(o);
  return json::serialize(o);
}

http::Router& MeshServer::http_router() {
  // The constructor adds the HttpComponent; AddComponentFirst may put
  // others before it.
  for (auto& c : components_) {
    if (auto* h = dynamic_cast<HttpComponent*>(c.get())) return h->router();
  }
  std::abort();  // unreachable: the constructor always adds it
}

std::string MeshServer::http_url() const {
  for (const auto& c : components_) {
    if (auto* h = dynamic_cast<HttpComponent*>(c.get())) return "http://" + h->address();
  }
  return {};
}

}  // namespace meshd::app
