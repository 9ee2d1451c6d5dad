// The exposition of several services at once (analyzer/traffic/live_render.h),
// as the daemon's end-to-end tests serve it: every family's HELP and TYPE
// once, the samples those of each service's own exposition, and Prometheus'
// own parser (promtool) accepts it. The one-service exposition is checked in
// live_traffic_test.cpp.
#include "analyzer/traffic/live_render.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/traffic/live_traffic.h"
#include "tests/support/promtool.h"

namespace verdict::traffic {
namespace {

std::unique_ptr<LiveTraffic> Service(const std::string& ns, const std::string& service,
                                     double error_rate, const analyzer::Clock& clock) {
  LiveTrafficConfig c;
  c.namespace_name = ns;
  c.service = service;
  c.canary_weight = 50;
  c.v2.error_rate = error_rate;
  c.noise = Noise::kNone;
  auto t = LiveTraffic::Create(c, &clock);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(*t);
}

// The comment lines (HELP, TYPE) or the sample lines of `text`.
std::multiset<std::string> Lines(const std::string& text, bool comments) {
  std::multiset<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && (line[0] == '#') == comments) out.insert(line);
  }
  return out;
}

TEST(LiveRender, SeveralServicesShareOneExpositionWithEachFamilyDeclaredOnce) {
  analyzer::SimulatedClock clock;
  auto a = Service("team-a", "api", 0.005, clock);
  auto b = Service("team-b", "api", 0.1, clock);
  auto c = Service("team-b", "web", 0.0, clock);
  clock.Advance(std::chrono::seconds(30));
  const std::vector<TrafficSnapshot> snaps = {a->Snapshot(), b->Snapshot(), c->Snapshot()};
  const std::string text = RenderExposition(snaps);

  // The samples are exactly the union of each service's own exposition.
  std::multiset<std::string> expected;
  for (const TrafficSnapshot& s : snaps) {
    const std::multiset<std::string> own = Lines(RenderExposition(s), false);
    expected.insert(own.begin(), own.end());
  }
  EXPECT_EQ(Lines(text, false), expected);
  // HELP and TYPE once per family: the comments of a single service's text.
  EXPECT_EQ(Lines(text, true), Lines(RenderExposition(snaps[0]), true));
  EXPECT_EQ(Lines(text, true).size(), 8u);  // 4 families x (HELP + TYPE)

  const test::ToolRun run = test::PromtoolCheckMetrics(text);
  EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 3) << run.exit_code << ": " << run.output;
  EXPECT_EQ(run.output.find("error"), std::string::npos) << run.output;
  // The oracle tells the cases apart: two one-service texts pasted together
  // declare every family twice, which promtool refuses.
  EXPECT_NE(
      test::PromtoolCheckMetrics(RenderExposition(snaps[0]) + RenderExposition(snaps[1])).exit_code,
      0);
}

}  // namespace
}  // namespace verdict::traffic
