#pragma once
// InMemoryProductDirectory: a ProductDirectory held in memory, the fake
// catalog of the contract unit tests.
//
// Thread-safety: all methods lock; listeners run on the caller's thread
// after the change, without the lock held.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/product_model.h"

namespace meshd::governance {

class InMemoryProductDirectory final : public catalog::ProductDirectory {
 public:
  std::vector<std::shared_ptr<const catalog::DataProduct>> List() const override;
  std::shared_ptr<const catalog::DataProduct> Find(const std::string& name) const override;
  TopicOwner FindByTopic(const std::string& topic) const override;
  void OnChange(std::function<void()> listener) override;

  // Adds or replaces a product (by name), then notifies listeners.
  void Put(catalog::DataProduct product);
  bool Remove(const std::string& name);

 private:
  void Notify();
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const catalog::DataProduct>> products_;
  std::vector<std::function<void()>> listeners_;
};

}  // namespace meshd::governance
