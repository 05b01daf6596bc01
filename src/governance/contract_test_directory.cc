#include "governance/contract_test_directory.h"

namespace meshd::governance {

std::vector<std::shared_ptr<const catalog::DataProduct>> InMemoryProductDirectory::List() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const catalog::DataProduct>> out;
  for (const auto& [name, p] : products_) out.push_back(p);
  return out;
}

std::shared_ptr<const catalog::DataProduct> InMemoryProductDirectory::Find(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = products_.find(name);
  return it == products_.end() ? nullptr : it->second;
}

catalog::ProductDirectory::TopicOwner InMemoryProductDirectory::FindByTopic(const std::string& topic) const {
  std::lock_guard lock(mu_);
  for (const auto& [name, p] : products_) {
    for (const auto& out : p->outputs) {
      if (out.topic == topic) return {p, &out};
    }
  }
  return {};
}

void InMemoryProductDirectory::OnChange(std::function<void()> listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

void InMemoryProductDirectory::Notify() {
  std::vector<std::function<void()>> ls;
  {
    std::lock_guard lock(mu_);
    ls = listeners_;
  }
  for (auto& l : ls) l();
}

void InMemoryProductDirectory::Put(catalog::DataProduct product) {
  {
    std::lock_guard lock(mu_);
    std::string name = product.name;
    products_[name] = std::make_shared<const catalog::DataProduct>(std::move(product));
  }
  Notify();
}

bool InMemoryProductDirectory::Remove(const std::string& name) {
  bool removed = false;
  {
    std::lock_guard lock(mu_);
    removed = products_.erase(name) > 0;
  }
  if (removed) Notify();
  return removed;
}

}  // namespace meshd::governance
