// Server-side SVG charts (server/report/svg_chart.h): the drawn coordinates,
// read back from the SVG text through its data-* axes, give the input numbers.
#include "server/report/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/server/report/report_test_util.h"

namespace verdict::server::report {
namespace {

using testing::AttributeNumber;
using testing::Count;
using testing::kInf;
using testing::PathD;
using testing::PathPoints;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The axes as the SVG states them.
struct Axes {
  double x_min, x_max, y_min, y_max, left, top, width, height;
  double Value(double py) const { return y_max - (py - top) / height * (y_max - y_min); }
  double Time(double px) const { return x_min + (px - left) / width * (x_max - x_min); }
  double Py(double v) const { return top + (y_max - v) / (y_max - y_min) * height; }
  // The largest value error of a coordinate written with 2 decimals.
  double YTolerance() const { return 0.006 / height * (y_max - y_min); }
  double XTolerance() const { return 0.006 / width * (x_max - x_min); }
};

Axes ReadAxes(const std::string& svg) {
  Axes a{};
  a.x_min = AttributeNumber(svg, "<svg[^>]*", "data-x-min");
  a.x_max = AttributeNumber(svg, "<svg[^>]*", "data-x-max");
  a.y_min = AttributeNumber(svg, "<svg[^>]*", "data-y-min");
  a.y_max = AttributeNumber(svg, "<svg[^>]*", "data-y-max");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(
      svg, m, std::regex("data-plot=\"([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+)\"")));
  a.left = std::stod(m[1]);
  a.top = std::stod(m[2]);
  a.width = std::stod(m[3]);
  a.height = std::stod(m[4]);
  return a;
}

ChartSpec Estimates(const std::vector<double>& xs, const std::vector<double>& ys,
                    const std::vector<double>& lows, const std::vector<double>& highs) {
  ChartSpec spec;
  spec.label = "test chart";
  ChartSeries s;
  s.css_class = "estimate";
  s.band = true;
  for (size_t i = 0; i < xs.size(); ++i) {
    ChartPoint p;
    p.x = xs[i];
    p.y = ys[i];
    p.low = lows[i];
    p.high = highs[i];
    p.css_class = "outcome-inconclusive";
    p.title = "point " + std::to_string(i);
    s.points.push_back(p);
  }
  spec.series.push_back(s);
  return spec;
}

TEST(RenderChart, TheLinesPointsMapBackToTheInputNumbers) {
  const std::vector<double> xs = {5, 10, 15, 20, 25, 30};
  const std::vector<double> ys = {1.31, 1.02, 0.97, 1.004, 0.998, 1.0012};
  const std::vector<double> lo = {0.2, 0.6, 0.8, 0.9, 0.93, 0.95};
  const std::vector<double> hi = {3.5, 1.6, 1.2, 1.1, 1.07, 1.05};
  ChartSpec spec = Estimates(xs, ys, lo, hi);
  spec.rules.push_back({1.1, "limit", "limit 1.1"});
  const std::string svg = RenderChart(spec);
  const Axes a = ReadAxes(svg);
  const auto points = PathPoints(PathD(svg, "line estimate"));
  ASSERT_EQ(points.size(), ys.size()) << svg;
  for (size_t i = 0; i < ys.size(); ++i) {
    EXPECT_NEAR(a.Time(points[i].first), xs[i], a.XTolerance()) << i;
    EXPECT_NEAR(a.Value(points[i].second), ys[i], a.YTolerance()) << i;
  }
  // One interval line per point, from low to high.
  const std::regex interval(
      "<line class=\"interval estimate\" x1=\"([0-9.]+)\" y1=\"([0-9.]+)\" x2=\"[0-9.]+\" "
      "y2=\"([0-9.]+)\"/>");
  size_t i = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), interval);
       it != std::sregex_iterator(); ++it, ++i) {
    ASSERT_LT(i, xs.size());
    EXPECT_NEAR(a.Value(std::stod((*it)[2])), std::max(lo[i], a.y_min), a.YTolerance()) << i;
    EXPECT_NEAR(a.Value(std::stod((*it)[3])), std::min(hi[i], a.y_max), a.YTolerance()) << i;
  }
  EXPECT_EQ(i, xs.size());
  // The band: highs left to right, then lows right to left.
  const auto band = PathPoints(PathD(svg, "band estimate"));
  ASSERT_EQ(band.size(), 2 * xs.size());
  EXPECT_NEAR(a.Value(band.back().second), std::max(lo[0], a.y_min), a.YTolerance());
  // The limit, and a dot with its tooltip per point.
  EXPECT_NEAR(a.Value(AttributeNumber(svg, "<line class=\"rule limit\"[^>]*", "y1")), 1.1,
              a.YTolerance());
  EXPECT_EQ(Count(svg, "<circle class=\"dot estimate outcome-inconclusive\""), xs.size());
  EXPECT_NE(svg.find("<title>point 5</title>"), std::string::npos);
}

TEST(RenderChart, TheRangeHoldsEveryValueAndRuleAndNiceTicks) {
  ChartSpec spec = Estimates({1, 2}, {0.0042, 0.0051}, {kNaN, kNaN}, {kNaN, kNaN});
  spec.rules.push_back({0.01, "limit", ""});
  const ChartLayout l = LayoutChart(spec);
  EXPECT_LE(l.y_min, 0.0042);
  EXPECT_GE(l.y_max, 0.01);
  const double k = (l.y_max - l.y_min) / l.y_step;
  EXPECT_NEAR(k, std::round(k), 1e-9);
  EXPECT_GE(std::round(k), 2);
  EXPECT_LE(std::round(k), 10);
  // The step is 1, 2 or 5 times a power of ten.
  const double mantissa = l.y_step / std::pow(10.0, std::floor(std::log10(l.y_step)));
  EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 ||
              std::fabs(mantissa - 5) < 1e-9)
      << l.y_step;
  EXPECT_EQ(l.x_min, 0);
  EXPECT_EQ(l.x_max, 2);
}

TEST(RenderChart, AnEarlyWideIntervalDoesNotFlattenTheRest) {
  // The first interval is 1000 times wider than the values: it is cut at the
  // plot's edge, and unbounded ends are drawn there too.
  ChartSpec spec = Estimates({1, 2, 3}, {1.0, 1.01, 1.02}, {0, 0.95, 0.97}, {1000, kInf, 1.07});
  spec.rules.push_back({1.1, "limit", ""});
  const ChartLayout l = LayoutChart(spec);
  EXPECT_LT(l.y_max, 2) << "the range follows the values, the limit and the last interval";
  const std::string svg = RenderChart(spec);
  const Axes a = ReadAxes(svg);
  const auto band = PathPoints(PathD(svg, "band estimate"));
  ASSERT_EQ(band.size(), 6u);
  EXPECT_NEAR(band[0].second, a.top, 0.01);  // 1000 at the top edge
  EXPECT_NEAR(band[1].second, a.top, 0.01);  // +inf at the top edge
  EXPECT_NEAR(a.Value(band[2].second), 1.07, a.YTolerance());
}

TEST(RenderChart, AGapStartsANewSubpathAndUnbandedPointsSplitTheBand) {
  ChartSpec spec = Estimates({1, 2, 3, 4, 5}, {1, 1.1, kNaN, 1.2, 1.3}, {0.5, 0.6, kNaN, 0.7, 0.8},
                             {1.5, 1.6, kNaN, 1.7, 1.8});
  const std::string svg = RenderChart(spec);
  const std::string line = PathD(svg, "line estimate");
  EXPECT_EQ(Count(line, "M"), 2u) << line;
  EXPECT_EQ(PathPoints(line).size(), 4u);
  EXPECT_EQ(Count(PathD(svg, "band estimate"), "Z"), 2u);
  EXPECT_EQ(Count(svg, "<circle "), 4u);
}

TEST(RenderChart, WithoutValuesItSaysSoAndDrawsNoLine) {
  ChartSpec spec = Estimates({1, 2}, {kNaN, kNaN}, {kNaN, kNaN}, {kNaN, kNaN});
  spec.empty_text = "no estimate yet: canary 0 of 100 requests";
  const std::string svg = RenderChart(spec);
  EXPECT_EQ(svg.find("<path class=\"line"), std::string::npos);
  EXPECT_NE(svg.find(">no estimate yet: canary 0 of 100 requests</text>"), std::string::npos);
}

TEST(RenderChart, AFixedRangeIsKeptAndRulesOutsideItAreLeftOut) {
  ChartSpec spec = Estimates({1, 2}, {40, 55}, {kNaN, kNaN}, {kNaN, kNaN});
  spec.fixed_y_min = 0;
  spec.fixed_y_max = 100;
  spec.y_suffix = "%";
  spec.rules = {{20, "expected", "expected 20%"}, {150, "limit", ""}};
  const std::string svg = RenderChart(spec);
  const Axes a = ReadAxes(svg);
  EXPECT_EQ(a.y_min, 0);
  EXPECT_EQ(a.y_max, 100);
  EXPECT_NEAR(a.Value(AttributeNumber(svg, "<line class=\"rule expected\"[^>]*", "y1")), 20,
              a.YTolerance());
  EXPECT_EQ(svg.find("rule limit"), std::string::npos);
  EXPECT_NE(svg.find(">100%</text>"), std::string::npos);
  EXPECT_NE(svg.find(">expected 20%</text>"), std::string::npos);
}

TEST(RenderChart, EscapesTheLabelTitlesAndAttributeValues) {
  ChartSpec spec = Estimates({1, 2}, {1, 2}, {kNaN, kNaN}, {kNaN, kNaN});
  spec.label = "<script>alert(1)</script>";
  spec.series[0].points[0].title = "\"><img src=x onerror=alert(2)>";
  spec.attributes = {{"data-metric", "m\" onload=\"alert(3)"}};
  spec.rules = {{1.5, "limit", "</text><script>"}};
  const std::string svg = RenderChart(spec);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_EQ(svg.find("<img"), std::string::npos);
  EXPECT_EQ(svg.find("onload=\""), std::string::npos);
  EXPECT_NE(svg.find("aria-label=\"&lt;script&gt;alert(1)&lt;/script&gt;\""), std::string::npos);
  EXPECT_NE(svg.find("data-metric=\"m&quot; onload=&quot;alert(3)\""), std::string::npos);
  EXPECT_NE(svg.find("<title>&quot;&gt;&lt;img src=x onerror=alert(2)&gt;</title>"),
            std::string::npos);
}

TEST(RenderChart, Log10LabelsAreWholePowersOfTenOfTheQuantity) {
  // p-values 0.5, 0.02, 0.0004 drawn as log10.
  ChartSpec spec = Estimates({1, 2, 3}, {std::log10(0.5), std::log10(0.02), std::log10(0.0004)},
                             {kNaN, kNaN, kNaN}, {kNaN, kNaN, kNaN});
  spec.log10_labels = true;
  spec.fixed_y_min = -4;
  spec.fixed_y_max = 0;
  spec.height = 130;
  const std::string svg = RenderChart(spec);
  for (const char* tick :
       {">1</text>", ">0.1</text>", ">0.01</text>", ">0.001</text>", ">0.0001</text>"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  }
  EXPECT_NE(svg.find("viewBox=\"0 0 640.00 130.00\""), std::string::npos);
  const Axes a = ReadAxes(svg);
  const auto points = PathPoints(PathD(svg, "line estimate"));
  ASSERT_EQ(points.size(), 3u);
  EXPECT_NEAR(std::pow(10.0, a.Value(points[2].second)), 0.0004, 0.0004 * 0.01);
}

TEST(RenderChart, XTicksAreWholeDurations) {
  ChartSpec spec = Estimates({0, 600}, {1, 2}, {kNaN, kNaN}, {kNaN, kNaN});
  const ChartLayout l = LayoutChart(spec);
  EXPECT_EQ(l.x_step, 120);
  const std::string svg = RenderChart(spec);
  for (const char* tick : {">0s<", ">2m<", ">4m<", ">10m<"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  }
}

}  // namespace
}  // namespace verdict::server::report
