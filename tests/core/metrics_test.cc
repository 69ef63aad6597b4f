// core/metrics.h: the Prometheus page of every door.
#include "core/metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace steward::core {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos;
       p = text.find(what, p + 1))
    ++n;
  return n;
}

TEST(Metrics, OneHelpAndTypePerFamilyWithItsSamplesTogether) {
  MetricsPage page;
  // Samples of two families interleaved, as a door adds them route by route.
  page.Counter("requests_total", "Requests, by route", 3, {{"route", "/a"}});
  page.Gauge("open", "Open connections", 2);
  page.Counter("requests_total", "Requests, by route", 4, {{"route", "/b"}});
  EXPECT_EQ(page.Text(),
            "# HELP requests_total Requests, by route\n"
            "# TYPE requests_total counter\n"
            "requests_total{route=\"/a\"} 3\n"
            "requests_total{route=\"/b\"} 4\n"
            "# HELP open Open connections\n"
            "# TYPE open gauge\n"
            "open 2\n");
}

TEST(Metrics, AFamilyKeepsItsFirstType) {
  MetricsPage page;
  page.Counter("x_total", "X", 1);
  page.Gauge("x_total", "X", 5);
  std::string text = page.Text();
  EXPECT_EQ(Count(text, "# TYPE"), 1u);
  EXPECT_EQ(text.find("x_total 5"), std::string::npos) << text;
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  MetricsPage page;
  page.Gauge("steward_policy_info", "The pack\\in force\nnow", 1,
             {{"name", "a \"quoted\" \\ name\nline two"},
              {"version", "bad \xff byte"}});
  EXPECT_EQ(page.Text(),
            "# HELP steward_policy_info The pack\\\\in force\\nnow\n"
            "# TYPE steward_policy_info gauge\n"
            "steward_policy_info{name=\"a \\\"quoted\\\" \\\\ name\\nline "
            "two\",version=\"bad \xef\xbf\xbd byte\"} 1\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  // Values exact in binary, so the sum is exact.
  Histogram h({0.25, 1, 4});
  for (double v : {0.125, 0.25, 0.5, 2.0, 3.0, 8.0}) h.Observe(v);
  MetricsPage page;
  page.Histogram("verdict_seconds", "Time to verdict", h.Snapshot(),
                 {{"route", "GET /"}});
  EXPECT_EQ(page.Text(),
            "# HELP verdict_seconds Time to verdict\n"
            "# TYPE verdict_seconds histogram\n"
            "verdict_seconds_bucket{route=\"GET /\",le=\"0.25\"} 2\n"
            "verdict_seconds_bucket{route=\"GET /\",le=\"1\"} 3\n"
            "verdict_seconds_bucket{route=\"GET /\",le=\"4\"} 5\n"
            "verdict_seconds_bucket{route=\"GET /\",le=\"+Inf\"} 6\n"
            "verdict_seconds_sum{route=\"GET /\"} 13.875\n"
            "verdict_seconds_count{route=\"GET /\"} 6\n");
}

TEST(Metrics, EmptyHistogramStillHasEveryBucket) {
  Histogram h({0.5});
  MetricsPage page;
  page.Histogram("t_seconds", "T", h.Snapshot());
  EXPECT_EQ(page.Text(),
            "# HELP t_seconds T\n# TYPE t_seconds histogram\n"
            "t_seconds_bucket{le=\"0.5\"} 0\n"
            "t_seconds_bucket{le=\"+Inf\"} 0\n"
            "t_seconds_sum 0\nt_seconds_count 0\n");
}

}  // namespace
}  // namespace steward::core
