// `verdict judge --prometheus --deadline`: a Prometheus that accepts
// connections and never answers (the fault proxy's kHang) must not hold the
// command for 30 s per attempt, round after round: it ends at the deadline
// with exit 4 and one error line naming deadline_exceeded. This checks the
// bound, with an upper limit generous enough for a loaded machine; it is not
// a speed target.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/fault_proxy.h"
#include "tests/integration/process_util.h"
#include "tests/server/cli_test_util.h"

namespace verdict::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::string> JudgeArgs(const std::string& url, const std::string& deadline) {
  return {"judge",   "--prometheus",   url,     "--preset",         "istio",
          "--var",   "namespace=shop", "--var", "service=checkout", "--start",
          "now-30m", "--end",          "now",   "--deadline",       deadline};
}

TEST(JudgeDeadline, AHangingPrometheusEndsAtTheDeadlineWithExitFourAndOneLine) {
  RefusingPort backend;  // never reached: every request hangs in the proxy
  FaultProxy proxy(backend.port());
  ASSERT_TRUE(proxy.Start().ok());
  proxy.SetFault(FaultProxy::Fault::kHang);

  const auto started = std::chrono::steady_clock::now();
  const cli::testing::CliRun r = cli::testing::RunVerdict(JudgeArgs(proxy.url(), "3s"));
  const auto took = std::chrono::steady_clock::now() - started;
  proxy.Stop();

  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_EQ(r.out, "");  // never a verdict
  EXPECT_THAT(r.err, StartsWith("verdict judge: error: "));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(": deadline_exceeded: "));
  EXPECT_THAT(r.err, HasSubstr("deadline of 3s exceeded (1 attempt)"));
  EXPECT_THAT(r.err, HasSubstr("(no verdict: this metric could change it)"));
  EXPECT_GE(proxy.FaultsServed(), 1u);  // the queries did reach the hanging server
  // 3 s of deadline plus start-up; without it: 30 s per attempt, several rounds.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), 9000)
      << "took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), 2900);
}

}  // namespace
}  // namespace verdict::integration
