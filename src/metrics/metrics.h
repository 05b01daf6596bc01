#pragma once
// A small Prometheus metrics registry: counters, gauges and histograms with
// labels, rendered in the Prometheus text exposition format (version 0.0.4).
// Hot-path updates are lock-free (atomics); creating a labelled child takes a
// mutex once, so callers should keep the returned reference.
//
//   auto& in = metrics::Registry::Default().GetCounter(
//       "meshd_events_in_total", "Events accepted", {{"topic", t}});
//   in.Inc();

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace meshd::metrics {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void Inc(double v = 1) { Add(v); }
  void Add(double v);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, plus +Inf at the end.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Approximate quantile (0..1) by linear interpolation inside the bucket.
  double Quantile(double q) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Latency buckets in seconds from 50us to 10s.
std::vector<double> LatencyBuckets();

class Registry {
 public:
  static Registry& Default();

  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const Labels& labels = {},
                          const std::vector<double>& bounds = LatencyBuckets());
  // A gauge computed at scrape time (e.g. consumer lag); replaced if the same
  // name+labels is registered again.
  void SetCallbackGauge(const std::string& name, const std::string& help,
                        std::function<std::vector<std::pair<Labels, double>>()> fn);
  // The same for a counter kept elsewhere (e.g. a stream task's records
  // read): rendered with TYPE counter, so series of objects that are gone
  // simply stop being reported.
  void SetCallbackCounter(const std::string& name, const std::string& help,
                          std::function<std::vector<std::pair<Labels, double>>()> fn);
  // Drops the children of family `name` whose labels include every pair of
  // `match` (e.g. {"pipeline", p} when pipeline p is deleted). References
  // returned for them earlier dangle: callers must have stopped using them.
  void RemoveSeries(const std::string& name, const Labels& match);

  // Prometheus text format.
  std::string Render() const;

 private:
  struct Family {
    std::string type;  // counter | gauge | histogram
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
    std::function<std::vector<std::pair<Labels, double>>()> callback;
  };
  Family& FamilyFor(const std::string& name, const std::string& type, const std::string& help);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace meshd::metrics
