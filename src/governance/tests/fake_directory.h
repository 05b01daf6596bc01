#pragma once
// In-memory ProductDirectory for access-control unit tests.

#include <map>
#include <memory>
#include <mutex>

#include "catalog/product_model.h"

namespace meshd::governance::testing {

class FakeDirectory final : public catalog::ProductDirectory {
 public:
  void Put(catalog::DataProduct p) {
    std::lock_guard lock(mu_);
    const std::string name = p.name;  // `p` is moved from below
    products_[name] = std::make_shared<const catalog::DataProduct>(std::move(p));
  }
  std::vector<std::shared_ptr<const catalog::DataProduct>> List() const override {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<const catalog::DataProduct>> out;
    for (const auto& [n, p] : products_) out.push_back(p);
    return out;
  }
  std::shared_ptr<const catalog::DataProduct> Find(const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = products_.find(name);
    return it == products_.end() ? nullptr : it->second;
  }
  TopicOwner FindByTopic(const std::string& topic) const override {
    std::lock_guard lock(mu_);
    for (const auto& [n, p] : products_) {
      for (const auto& port : p->outputs) {
        if (port.topic == topic) return TopicOwner{p, &port};
      }
    }
    return {};
  }
  void OnChange(std::function<void()> listener) override { (void)listener; }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const catalog::DataProduct>> products_;
};

// The retail example: pos owns pos_transactions (email classified, masked),
// granted read to crm (no PII) and to principal "fraud-svc" (with PII).
inline catalog::DataProduct PosProduct() {
  catalog::DataProduct p;
  p.name = "pos_transactions";
  p.domain = "pos";
  catalog::OutputPort port;
  port.name = "transactions";
  port.topic = "pos_transactions";
  port.contract.classified.push_back({"email", "pii", catalog::PiiTreatment::kMask});
  port.contract.classified.push_back({"customer.phone", "pii", catalog::PiiTreatment::kHash});
  port.grants.push_back({"crm", "", /*read=*/true, /*write=*/false, /*pii=*/false});
  port.grants.push_back({"", "fraud-svc", /*read=*/true, /*write=*/false, /*pii=*/true});
  port.grants.push_back({"digital_workplace", "", /*read=*/false, /*write=*/true, /*pii=*/false});
  p.outputs.push_back(std::move(port));
  return p;
}

}  // namespace meshd::governance::testing
