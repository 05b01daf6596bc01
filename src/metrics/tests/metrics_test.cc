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

TEST(MetricsTest, CallbackCountersAreTypedCounterAndFollowTheirSource) {
  Registry r;
  std::vector<std::pair<Labels, double>> series{{{{"pipeline", "a"}}, 7}};
  r.SetCallbackCounter("meshd_things_total", "Things", [&series] { return series; });
  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE meshd_things_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("meshd_things_total{pipeline=\"a\"} 7\n"), std::string::npos) << text;
  series.clear();
  EXPECT_EQ(r.Render().find("meshd_things_total{"), std::string::npos);
}

TEST(MetricsTest, RemoveSeriesDropsOnlyMatchingChildren) {
  Registry r;
  r.GetHistogram("ckpt_seconds", "h", {{"pipeline", "a"}}, {1}).Observe(0.5);
  r.GetHistogram("ckpt_seconds", "h", {{"pipeline", "b"}}, {1}).Observe(0.5);
  r.GetCounter("other_total", "c", {{"pipeline", "a"}}).Inc();
  r.RemoveSeries("ckpt_seconds", {{"pipeline", "a"}});
  std::string text = r.Render();
  EXPECT_EQ(text.find("ckpt_seconds_count{pipeline=\"a\"}"), std::string::npos) << text;
  EXPECT_NE(text.find("ckpt_seconds_count{pipeline=\"b\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("other_total{pipeline=\"a\"} 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace meshd::metrics
