#include "engine/metrics/metrics.h"

#include <gtest/gtest.h>

namespace o2c::metrics {
namespace {

TEST(Metrics, CounterRendersHelpTypeAndEscapedLabels) {
  Registry r;
  Counter& c = r.AddCounter("o2c_webhooks_total", "Deliveries\nby verdict", {"source", "reason"});
  c.Inc({"shopify", "bad \"hmac\"\\x\ny"});
  c.Inc({"shopify", "bad \"hmac\"\\x\ny"}, 2);
  c.Inc({"shopify", "ok"}, -5);  // ignored: counters only go up
  EXPECT_EQ(r.Render(),
            "# HELP o2c_webhooks_total Deliveries\\nby verdict\n"
            "# TYPE o2c_webhooks_total counter\n"
            "o2c_webhooks_total{source=\"shopify\",reason=\"bad \\\"hmac\\\"\\\\x\\ny\"} 3\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  Histogram& h = r.AddHistogram("o2c_step_seconds", "Step latency", {}, {0.01, 0.1});
  h.Observe({}, 0.0078125);  // binary fractions, so the sum below is exact
  h.Observe({}, 0.0625);
  h.Observe({}, 0.0625);
  h.Observe({}, 3);
  EXPECT_EQ(r.Render(),
            "# HELP o2c_step_seconds Step latency\n"
            "# TYPE o2c_step_seconds histogram\n"
            "o2c_step_seconds_bucket{le=\"0.01\"} 1\n"
            "o2c_step_seconds_bucket{le=\"0.1\"} 3\n"
            "o2c_step_seconds_bucket{le=\"+Inf\"} 4\n"
            "o2c_step_seconds_sum 3.1328125\n"
            "o2c_step_seconds_count 4\n");
}

TEST(Metrics, GaugeReplaceAndScrapeHook) {
  Registry r;
  Gauge& g = r.AddGauge("o2c_workflows", "Workflows by status", {"status"});
  int scrapes = 0;
  r.OnScrape([&] { g.Replace({{{"running"}, 2}, {{"waiting"}, static_cast<double>(++scrapes)}}); });
  std::string text = r.Render();
  EXPECT_NE(text.find("o2c_workflows{status=\"running\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("o2c_workflows{status=\"waiting\"} 1\n"), std::string::npos);
  r.Render();
  EXPECT_EQ(g.Value({"waiting"}), 2);
}

TEST(Metrics, RefusesBadNamesWrongArityAndTypeClash) {
  Registry r;
  EXPECT_THROW(r.AddCounter("9lives", "x"), std::invalid_argument);
  EXPECT_THROW(r.AddCounter("ok_total", "x", {"le"}), std::invalid_argument);
  EXPECT_THROW(r.AddCounter("ok_total", "x", {"bad-label"}), std::invalid_argument);
  Counter& c = r.AddCounter("calls_total", "x", {"a"});
  EXPECT_EQ(&c, &r.AddCounter("calls_total", "x", {"a"}));
  EXPECT_THROW(r.AddGauge("calls_total", "x"), std::invalid_argument);
  EXPECT_THROW(c.Inc({}), std::invalid_argument);
  EXPECT_THROW(r.AddHistogram("h", "x", {}, {1, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace o2c::metrics
