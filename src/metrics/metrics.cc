#include "metrics/metrics.h"

#include <charconv>
#include <cmath>

namespace meshd::metrics {
namespace {

void AtomicAdd(std::atomic<double>& a, double v) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string FormatLabels(const Labels& labels, const std::string& extra_key = "",
                         const std::string& extra_value = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"" + Escape(v) + "\"";
  }
  if (!extra_key.empty()) {
    if (!first) out += ",";
    out += extra_key + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
  return std::string(buf, res.ptr);
}

}  // namespace

void Counter::Add(double v) { AtomicAdd(value_, v); }
void Gauge::Add(double v) { AtomicAdd(value_, v); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

double Histogram::Quantile(double q) const {
  auto cum = CumulativeCounts();
  uint64_t total = cum.back();
  if (total == 0) return 0;
  double rank = q * static_cast<double>(total);
  for (size_t i = 0; i < cum.size(); ++i) {
    if (static_cast<double>(cum[i]) >= rank) {
      double lo = i == 0 ? 0 : bounds_[i - 1];
      double hi = i < bounds_.size() ? bounds_[i] : bounds_.back();
      uint64_t prev = i == 0 ? 0 : cum[i - 1];
      uint64_t in_bucket = cum[i] - prev;
      if (in_bucket == 0) return hi;
      return lo + (hi - lo) * ((rank - static_cast<double>(prev)) / static_cast<double>(in_bucket));
    }
  }
  return bounds_.empty() ? 0 : bounds_.back();
}

std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,    5,     10};
}

Registry& Registry::Default() {
  static Registry r;
  return r;
}

Registry::Family& Registry::FamilyFor(const std::string& name, const std::string& type,
                                      const std::string& help) {
  auto& f = families_[name];
  if (f.type.empty()) {
    f.type = type;
    f.help = help;
  }
  return f;
}

Counter& Registry::GetCounter(const std::string& name, const std::string& help,
                              const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, "counter", help).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, "gauge", help).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::GetHistogram(const std::string& name, const std::string& help,
                                  const Labels& labels, const std::vector<double>& bounds) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, "histogram", help).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

void Registry::SetCallbackGauge(const std::string& name, const std::string& help,
                                std::function<std::vector<std::pair<Labels, double>>()> fn) {
  std::lock_guard lock(mu_);
  FamilyFor(name, "gauge", help).callback = std::move(fn);
}

void Registry::SetCallbackCounter(const std::string& name, const std::string& help,
                                  std::function<std::vector<std::pair<Labels, double>>()> fn) {
  std::lock_guard lock(mu_);
  FamilyFor(name, "counter", help).callback = std::move(fn);
}

void Registry::RemoveSeries(const std::string& name, const Labels& match) {
  auto matches = [&match](const Labels& labels) {
    for (const auto& [k, v] : match) {
      auto it = labels.find(k);
      if (it == labels.end() || it->second != v) return false;
    }
    return true;
  };
  std::lock_guard lock(mu_);
  auto f = families_.find(name);
  if (f == families_.end()) return;
  std::erase_if(f->second.counters, [&](const auto& e) { return matches(e.first); });
  std::erase_if(f->second.gauges, [&](const auto& e) { return matches(e.first); });
  std::erase_if(f->second.histograms, [&](const auto& e) { return matches(e.first); });
}

std::string Registry::Render() const {
  // Copy callbacks out so they run without our lock (they may take their own).
  struct Callback {
    std::string name, type, help;
    std::function<std::vector<std::pair<Labels, double>>()> fn;
  };
  std::vector<Callback> callbacks;
  std::string out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : families_) {
      if (f.callback) {
        callbacks.push_back(Callback{name, f.type, f.help, f.callback});
        continue;
      }
      out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
      for (const auto& [labels, c] : f.counters)
        out += name + FormatLabels(labels) + " " + FormatValue(c->value()) + "\n";
      for (const auto& [labels, g] : f.gauges)
        out += name + FormatLabels(labels) + " " + FormatValue(g->value()) + "\n";
      for (const auto& [labels, h] : f.histograms) {
        auto cum = h->CumulativeCounts();
        for (size_t i = 0; i < h->bounds().size(); ++i)
          out += name + "_bucket" + FormatLabels(labels, "le", FormatValue(h->bounds()[i])) + " " +
                 std::to_string(cum[i]) + "\n";
        out += name + "_bucket" + FormatLabels(labels, "le", "+Inf") + " " +
               std::to_string(cum.back()) + "\n";
        out += name + "_sum" + FormatLabels(labels) + " " + FormatValue(h->sum()) + "\n";
        out += name + "_count" + FormatLabels(labels) + " " + std::to_string(h->count()) + "\n";
      }
    }
  }
  for (const auto& c : callbacks) {
    out += "# HELP " + c.name + " " + c.help + "\n# TYPE " + c.name + " " + c.type + "\n";
    for (const auto& [labels, v] : c.fn()) out += c.name + FormatLabels(labels) + " " + FormatValue(v) + "\n";
  }
  return out;
}

}  // namespace meshd::metrics
