// HttpSend against the real HttpServer on 127.0.0.1, port 0 (server/http/http_client.h).
#include "server/http/http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "server/http/http_server.h"
#include "tests/support/refusing_port.h"

namespace verdict::server {
namespace {

using ::verdict::testsupport::RefusingPort;

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.port = 0;
    options.worker_threads = 4;
    server_ = std::make_unique<HttpServer>(options, nullptr);
    server_->Route("POST", "/echo/:word", [](const HttpRequest& r) {
      return HttpResponse::Json(201, "{\"word\":\"" + r.path_params.at("word") +
                                         "\",\"body\":" + r.body + ",\"type\":\"" +
                                         r.Header("Content-Type") + "\"}");
    });
    server_->Route("PUT", "/put",
                   [](const HttpRequest& r) { return HttpResponse::Text(200, "put " + r.body); });
    server_->Route("GET", "/missing",
                   [](const HttpRequest&) { return HttpResponse::JsonError(404, "nothing here"); });
    server_->Route("GET", "/slow", [this](const HttpRequest&) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(10), [&] { return released_; });
      return HttpResponse::Text(200, "late");
    });
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_->Stop();
  }
  std::unique_ptr<HttpServer> server_;
  std::string base_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

TEST_F(HttpClientTest, PostsJsonAndReturnsAnyStatusWithItsBody) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = base_ + "/echo/hello";
  request.body = R"({"a":1})";
  auto answer = HttpSend(request);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->status, 201);
  EXPECT_EQ(answer->body, R"({"word":"hello","body":{"a":1},"type":"application/json"})");

  request.method = "PUT";
  request.url = base_ + "/put";
  request.body = "x";
  answer = HttpSend(request);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->body, "put x");

  request = HttpClientRequest{};
  request.url = base_ + "/missing";
  answer = HttpSend(request);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 404);
  EXPECT_NE(answer->body.find("nothing here"), std::string::npos);
}

TEST_F(HttpClientTest, APeerThatDoesNotAnswerInTimeIsDeadlineExceeded) {
  HttpClientRequest request;
  request.url = base_ + "/slow";
  request.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto answer = HttpSend(request);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kDeadlineExceeded) << answer.status().ToString();
  EXPECT_NE(answer.status().message().find("no answer within 300 ms"), std::string::npos);
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(HttpClient, RefusedConnectionIsUnavailable) {
  RefusingPort port;
  ASSERT_GT(port.port(), 0);
  HttpClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port.port()) + "/healthz";
  auto answer = HttpSend(request);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable) << answer.status().ToString();
}

TEST(HttpClient, BadUrlsAndMethodsAreInvalidArguments) {
  HttpClientRequest request;
  request.url = "ftp://x/";
  EXPECT_EQ(HttpSend(request).status().message(), "\"ftp://x/\": expected http:// or https://");
  request.url = "http://127.0.0.1:1/";
  request.method = "DELETE";
  EXPECT_EQ(HttpSend(request).status().message(), "method \"DELETE\" is not GET, POST or PUT");
}

TEST(HttpUrl, ParsesSchemeHostPortAndPath) {
  auto url = ParseHttpUrl("http://verdict.verdict.svc.cluster.local:8080/flagger/rollout?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "verdict.verdict.svc.cluster.local");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/flagger/rollout?x=1");
  EXPECT_EQ(url->Origin(), "http://verdict.verdict.svc.cluster.local:8080");
  url = ParseHttpUrl("HTTPS://example.org");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->ToString(), "https://example.org:443/");
  url = ParseHttpUrl("http://[::1]:9/a");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9);
  EXPECT_EQ(ParseHttpUrl("http://h:0/").status().message(),
            "\"http://h:0/\": port \"0\" is not in 1-65535");
  EXPECT_EQ(ParseHttpUrl("http://h:/").status().message(), "\"http://h:/\": empty port");
  EXPECT_EQ(ParseHttpUrl("http:///x").status().message(), "\"http:///x\": no host");
  EXPECT_EQ(ParseHttpUrl("127.0.0.1:8080").status().message(),
            "\"127.0.0.1:8080\": expected http://HOST[:PORT][/PATH]");
  EXPECT_EQ(ParseHttpUrl("http://u:p@h/").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace verdict::server
