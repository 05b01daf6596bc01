#pragma once
// Stream pipelines and the embedded warehouse as a MeshServer component:
// restarts the stored pipelines, applies `--pipeline FILE` definitions, and
// mounts /v1/pipelines and /v1/query on the HTTP listener.

#include <memory>
#include <string>

#include "app/mesh_server.h"
#include "catalog/product_catalog.h"
#include "stream/pipeline_service.h"

namespace meshd::app {

class PipelineComponent final : public Component {
 public:
  std::string name() const override { return "pipelines"; }
  Status Start(MeshServer& server) override {
    stream::PipelineServiceOptions po;
    po.data_dir = server.options().data_dir;
    po.pipeline_files = server.options().pipeline_files;
    po.brokers = server.options().pipeline_brokers;
    // Lineage: input topics -> pipeline -> tables, topics and buses.
    if (auto* catalog = dynamic_cast<catalog::ProductCatalog*>(server.product_directory())) {
      po.on_change = [catalog](const stream::PipelineSpec& spec, bool removed) {
        const std::string self = "pipeline:" + spec.name;
        auto edge = [&](const std::string& from, const std::string& to, const std::string& kind) {
          if (removed) catalog->RemoveLineageEdge(from, to, kind);
          else catalog->RegisterLineageEdge(from, to, kind);
        };
        for (const auto& in : spec.inputs) edge("topic:" + in, self, "reads");
        for (const auto& op : spec.operators) {
          if (op["join"] && op["join"]["table"]) edge("topic:" + op["join"]["table"].Scalar(), self, "joins");
          if (op["alert"] && op["alert"]["bus"]) edge(self, "bus:" + op["alert"]["bus"].Scalar(), "alerts");
          if (op["alert"] && op["alert"]["topic"]) edge(self, "topic:" + op["alert"]["topic"].Scalar(), "alerts");
        }
        for (const auto& out : spec.outputs) {
          const char* kind = out.kind == stream::OutputSpec::Kind::kTable  ? "table:"
                             : out.kind == stream::OutputSpec::Kind::kTopic ? "topic:"
                                                                            : "bus:";
          edge(self, kind + out.name, "writes");
        }
      };
    }
    service_ = std::make_unique<stream::PipelineService>(server.log(), po);
    MESHD_TRY(service_->Start());
    service_->RegisterRoutes(server.http_router());
    // A data product's `transform:` is a pipeline: the catalog (below
    // stream) provisions it through these hooks.
    if (auto* catalog = dynamic_cast<catalog::ProductCatalog*>(server.product_directory())) {
      catalog_ = catalog;
      stream::PipelineService* service = service_.get();
      catalog::PipelineHooks hooks;
      hooks.apply = [service](const std::string& definition, bool dry_run, bool replace) -> Status {
        if (dry_run) return stream::ParsePipeline(definition).status();
        auto r = service->Create(definition, replace);
        return r.ok() ? Status::Ok() : r.error();
      };
      hooks.remove = [service](const std::string& name) { return service->Delete(name); };
      catalog->SetPipelineHooks(std::move(hooks));
    }
    return Status::Ok();
  }
  // Final checkpoints happen here, before the log closes.
  void Stop() override {
    if (catalog_) catalog_->SetPipelineHooks({});
    if (service_) service_->Stop();
  }

 private:
  catalog::ProductCatalog* catalog_ = nullptr;
  std::unique_ptr<stream::PipelineService> service_;
};

}  // namespace meshd::app
