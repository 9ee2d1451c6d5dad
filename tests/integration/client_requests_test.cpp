// What the client puts on the wire (recorded by the proxy in front of a real
// Prometheus): the form-encoded POST with aligned step parameters, auth and
// tenant headers, a rotated bearer token, the base URL's path prefix; and TLS
// verification against a local HTTPS server with a self-signed certificate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <thread>

#include "tests/integration/engines.h"
#include "tests/integration/fault_proxy.h"
#include "tests/integration/process_util.h"
#include "tests/integration/proxied_prometheus.h"
#include "tests/integration/test_env.h"

namespace verdict::integration {
namespace {

using analyzer::SimulatedClock;
using ::testing::HasSubstr;

class ClientRequests : public ProxiedPrometheusTest {
 protected:
  TempDir dir_;
};

TEST_F(ClientRequests, RangeQueryIsAFormEncodedPostWithAlignedParameters) {
  auto client = MakeClient(proxy_->url(), &clock_);
  const std::string query = RequestsSelector("v1", true);
  auto grid =
      analyzer::AlignStepGrid(scenario_->grid.start_unix - 17, scenario_->grid.end_unix() + 59, 60);
  ASSERT_TRUE(grid.ok());
  ASSERT_TRUE(client->QueryRange(query, *grid).ok());
  const auto requests = proxy_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  const RecordedRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/api/v1/query_range");
  EXPECT_EQ(r.Header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.Header("Accept"), "application/json");
  EXPECT_EQ(r.Header("User-Agent"), "verdict");
  // start rounded up, end rounded down to whole steps: exactly the scenario's grid.
  EXPECT_THAT(r.body, HasSubstr("&start=" + std::to_string(scenario_->grid.start_unix) +
                                "&end=" + std::to_string(scenario_->grid.end_unix()) + "&step=60"));
  httplib::Params params;
  httplib::detail::parse_query_text(r.body, params);
  EXPECT_EQ(params.find("query")->second, query);
}

TEST_F(ClientRequests, BearerTokenComesFromTheFileAndFollowsItsRotation) {
  const std::string token_path = dir_.WriteFile("token", "token-one\n");
  auto client = MakeClient(proxy_->url(), &clock_, [&](analyzer::PrometheusOptions& o) {
    o.bearer_token_file = token_path;
  });
  ASSERT_TRUE(client->QueryInstant("up", scenario_->grid.end_unix()).ok());
  std::ofstream(token_path) << "token-two-rotated\n";
  ASSERT_TRUE(client->QueryInstant("up", scenario_->grid.end_unix()).ok());
  const auto requests = proxy_->Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("Authorization"), "Bearer token-one");
  EXPECT_EQ(requests[1].Header("Authorization"), "Bearer token-two-rotated");
}

TEST_F(ClientRequests, BasicAuthAndTenantHeaderAreSent) {
  auto client = MakeClient(proxy_->url(), &clock_, [](analyzer::PrometheusOptions& o) {
    o.basic_auth_user = "verdict";
    o.basic_auth_password = "s3cret";
    o.headers = {{"X-Scope-OrgID", "tenant-a"}};
  });
  ASSERT_TRUE(client->QueryInstant("up", scenario_->grid.end_unix()).ok());
  const auto requests = proxy_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("Authorization"),
            "Basic dmVyZGljdDpzM2NyZXQ=");  // base64("verdict:s3cret")
  EXPECT_EQ(requests[0].Header("X-Scope-OrgID"), "tenant-a");
}

TEST_F(ClientRequests, BaseUrlPathPrefixIsKept) {
  auto client = MakeClient(proxy_->url() + "/mimir/prometheus/", &clock_);
  auto r = client->QueryInstant("up", scenario_->grid.end_unix());
  ASSERT_FALSE(r.ok());  // Prometheus itself serves no prefix: 404
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  const auto requests = proxy_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/mimir/prometheus/api/v1/query");
}

TEST_F(ClientRequests, RawSamplesAskForTheWindowPlusLookbackAtTheGridEnd) {
  auto client = MakeClient(proxy_->url(), &clock_);
  const auto& grid = scenario_->grid;
  auto r = client->QueryRawSamples(RequestsSelector("v1", false), grid, 300);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  httplib::Params params;
  httplib::detail::parse_query_text(proxy_->Requests()[0].body, params);
  EXPECT_EQ(params.find("query")->second,
            RequestsSelector("v1", false) + "[" +
                std::to_string(grid.end_unix() - grid.start_unix + 300) + "s]");
  EXPECT_EQ(params.find("time")->second, std::to_string(grid.end_unix()));
  auto inc = analyzer::CounterIncrements(r->series, grid, FromZero(), "t", nullptr);
  ASSERT_TRUE(inc.ok());
  EXPECT_EQ(*inc, scenario_->truth.at("v1").total);
}

// An HTTPS server on 127.0.0.1 with a fresh self-signed certificate.
class TlsServer {
 public:
  explicit TlsServer(const TempDir& dir) {
    cert_ = dir.path() + "/cert.pem";
    key_ = dir.path() + "/key.pem";
    status_ = RunToCompletion({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                               "-keyout", key_, "-out", cert_, "-days", "1", "-subj",
                               "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                              dir.path() + "/openssl.log", std::chrono::milliseconds(30000));
    if (!status_.ok()) return;
    server_ = std::make_unique<httplib::SSLServer>(cert_.c_str(), key_.c_str());
    server_->Post("/api/v1/query", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"status":"success","data":{"resultType":"scalar","result":[1,"42"]}})",
                      "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    PollUntil([this] { return server_->is_running(); }, std::chrono::milliseconds(5000));
  }
  ~TlsServer() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  const Status& status() const { return status_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const std::string& cert() const { return cert_; }

 private:
  Status status_;
  std::string cert_, key_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST(ClientTls, VerifiesWithTheCaFileRefusesWithoutItAndSkipsOnlyWhenAskedTo) {
  TempDir dir;
  TlsServer tls(dir);
  ASSERT_TRUE(tls.status().ok()) << tls.status().ToString();
  SimulatedClock clock;

  auto untrusted = MakeClient(tls.url(), &clock)->QueryInstant("x", 1);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(untrusted.status().message(), HasSubstr("TLS verification failed"));

  auto with_ca = MakeClient(tls.url(), &clock, [&](analyzer::PrometheusOptions& o) {
                   o.ca_file = tls.cert();
                 })->QueryInstant("x", 1);
  ASSERT_TRUE(with_ca.ok()) << with_ca.status().ToString();
  EXPECT_EQ(with_ca->series[0].samples[0].value, 42);

  auto insecure = MakeClient(tls.url(), &clock, [](analyzer::PrometheusOptions& o) {
                    o.insecure_skip_verify = true;
                  })->QueryInstant("x", 1);
  EXPECT_TRUE(insecure.ok()) << insecure.status().ToString();
  EXPECT_TRUE(clock.Sleeps().empty());
}

}  // namespace
}  // namespace verdict::integration
