#include "metrics/metrics.h"

#include <gtest/gtest.h>

namespace meshd::metrics {
namespace {

TEST(MetricsTest, RendersCountersWithLabels) {
  Registry r;
  r.GetCounter("meshd_events_in_total", "Events accepted", {{"topic", "orders"}}).Inc(3);
  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE meshd_events_in_total counter"), std::string::npos);
  EXPECT_NE(text.find("meshd_events_in_total{topic=\"orders\"} 3"), std::string::npos);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.GetHistogram("lat_seconds", "latency", {}, {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string text = r.Render();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 1"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_count 3"), std::string::npos);
}

}  // namespace
}  // namespace meshd::metrics
