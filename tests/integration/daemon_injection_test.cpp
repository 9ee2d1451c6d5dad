// End to end: hostile webhook metadata never reaches PromQL as anything but
// an escaped string value. `verdict serve` queries a real Prometheus through
// the FaultProxy, which records every query; each hostile value must appear
// in the queries only as the string literal written out by hand below (the
// oracle: PromQL's string escapes), and with that literal put back to the
// benign value the queries are the benign run's queries. Prometheus accepts
// every one of them (pre-rollout: 200 means it answered). Values over the
// payload limits are refused with 400 naming the field, and nothing is queried.
#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>
#include <set>

#include "tests/integration/daemon_env.h"
#include "tests/integration/fault_proxy.h"

namespace verdict::integration {
namespace {

class DaemonInjection : public DaemonTest {
 protected:
  // Starts a daemon behind a fresh proxy, sends pre-rollout with `service`
  // (and canary/control subsets) as metadata, waits for two evaluations and
  // returns the PromQL queries the proxy saw, and the pre-rollout answer.
  struct Outcome {
    HttpAnswer pre_rollout;
    HttpAnswer promotion;
    std::vector<std::string> queries;
    Json history;
  };
  Outcome Run(const std::string& service) {
    Outcome out;
    FaultProxy proxy(prometheus_->port());
    EXPECT_TRUE(proxy.Start().ok());
    auto daemon = StartDaemon({}, proxy.url());
    if (daemon == nullptr) return out;
    const Json payload = {
        {"name", "api"},
        {"namespace", "inject"},
        {"checksum", "c-" + std::to_string(runs_++)},
        {"metadata",
         {{"analysis", "istio"}, {"service", service}, {"canary", service}, {"control", "v1"}}}};
    out.pre_rollout = daemon->Post("/flagger/pre-rollout", payload.dump());
    if (out.pre_rollout.status == 200) {
      EXPECT_TRUE(WaitEvaluations(*daemon, "inject", "api", 2));
      out.promotion = daemon->Post("/flagger/confirm-promotion", payload.dump());
      out.history = ParseJson(daemon->Get("/api/v1/runs/inject/api/history").body);
    }
    daemon.reset();
    proxy.Stop();
    for (const RecordedRequest& r : proxy.Requests()) {
      if (r.target.rfind("/api/v1/query", 0) != 0) continue;
      httplib::Params params;
      const size_t q = r.target.find('?');
      httplib::detail::parse_query_text(
          r.method == "POST" ? r.body : (q == std::string::npos ? "" : r.target.substr(q + 1)),
          params);
      for (auto it = params.find("query"); it != params.end() && it->first == "query"; ++it) {
        out.queries.push_back(it->second);
      }
    }
    return out;
  }
  int runs_ = 0;
};

// Digits (times, windows, steps) vary between runs; the shape must not.
std::string Shape(const std::string& query) {
  return std::regex_replace(query, std::regex("[0-9]+"), "0");
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

TEST_F(DaemonInjection, HostileMetadataReachesPromqlOnlyAsAnEscapedStringLiteral) {
  const Outcome benign = Run("api");
  ASSERT_EQ(benign.pre_rollout.status, 200) << benign.pre_rollout.body;
  ASSERT_FALSE(benign.queries.empty());
  std::set<std::string> shapes;
  for (const std::string& q : benign.queries) {
    ASSERT_NE(q.find("destination_service_name=\"api\""), std::string::npos) << q;
    shapes.insert(Shape(q));
  }

  struct Case {
    std::string value;
    std::string literal;  // how it must be written inside "..." in PromQL
  };
  const std::vector<Case> cases = {
      {R"(api"} or vector(1) #)", R"(api\"} or vector(1) #)"},
      {R"(api\"} or on() vector(0))", R"(api\\\"} or on() vector(0))"},
      {"\n}or vector(1)", R"(\n}or vector(1))"},
      {"a\\b\\", R"(a\\b\\)"},
      {"{{ selector }}", "{{ selector }}"},
      {"{{ namespace }}\"", "{{ namespace }}\\\""},
      {"tab\there\r", R"(tab\there\r)"},
      {std::string("\x01") + "ctl\x7f", R"(\x01ctl\x7f)"},
      {"api-\xc3\xbcn\xc3\xaf-\xe2\x98\x83", "api-\xc3\xbcn\xc3\xaf-\xe2\x98\x83"},
      {std::string(1024, 'x'), std::string(1024, 'x')},  // a variable's limit
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.literal.substr(0, 60));
    const Outcome o = Run(c.value);
    // Prometheus answered every query (so each was valid PromQL).
    ASSERT_EQ(o.pre_rollout.status, 200) << o.pre_rollout.body;
    EXPECT_EQ(o.promotion.status, 412) << o.promotion.body;
    ASSERT_FALSE(o.queries.empty());
    const std::string quoted = "\"" + c.literal + "\"";
    for (const std::string& q : o.queries) {
      EXPECT_NE(q.find("destination_service_name=" + quoted), std::string::npos) << q;
      const std::string back = ReplaceAll(q, quoted, "\"api\"");
      EXPECT_EQ(shapes.count(Shape(back)), 1u)
          << "not a benign query's shape once the literal is put back: " << q;
    }
    for (const Json& e : o.history["evaluations"]) {
      EXPECT_NE(e["verdict"], "pass") << e.dump().substr(0, 300);
      EXPECT_EQ(e["error"], "") << e.dump().substr(0, 300);
    }
  }
}

TEST_F(DaemonInjection, MetadataOverTheLimitsIs400NamingTheFieldAndNothingIsQueried) {
  // A variable over 1024 bytes, a metadata value over 4096, and one far over.
  for (const std::string& value :
       {std::string(1025, 'x'), std::string(4097, 'x'), std::string(64 << 10, 'y')}) {
    const Outcome o = Run(value);
    EXPECT_EQ(o.pre_rollout.status, 400) << o.pre_rollout.body.substr(0, 300);
    EXPECT_NE(o.pre_rollout.body.find("metadata."), std::string::npos) << o.pre_rollout.body;
    EXPECT_TRUE(o.queries.empty()) << o.queries.size();
  }
}

}  // namespace
}  // namespace verdict::integration
