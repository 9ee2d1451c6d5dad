// HTTP implementations of the rollout driver's effects (server/rollout/effects.h).
#include "server/rollout/effects.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "server/http/http_client.h"

namespace verdict::server {

HookReply HttpHookCaller::Post(const std::string& url, const std::string& payload,
                               std::chrono::milliseconds timeout) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = url;
  request.body = payload;
  request.timeout = timeout;
  auto response = HttpSend(request);
  HookReply reply;
  if (!response.ok()) {
    reply.error = response.status().message();
    return reply;
  }
  reply.status = response->status;
  reply.body = std::move(response->body);
  return reply;
}

HttpTrafficRouter::HttpTrafficRouter(std::string base_url, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), timeout_(timeout) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Status HttpTrafficRouter::Send(const std::string& method, const std::string& path,
                               const std::string& body) {
  HttpClientRequest request;
  request.method = method;
  request.url = base_url_ + path;
  request.body = body;
  request.timeout = timeout_;
  auto response = HttpSend(request);
  if (!response.ok()) return response.status();
  if (response->status == 200) return Status::Ok();
  const nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
  const std::string why =
      answer.is_object() && answer.contains("error") && answer["error"].is_string()
          ? answer["error"].get<std::string>()
          : response->body.substr(0, 200);
  return FailedPreconditionError(method + " " + request.url + ": " +
                                 std::to_string(response->status) + " " + why);
}

Status HttpTrafficRouter::SetCanaryWeight(int percent) {
  return Send("PUT", "/control/weight", nlohmann::json{{"canary_weight", percent}}.dump());
}

Status HttpTrafficRouter::Promote() { return Send("POST", "/control/promote", "{}"); }

}  // namespace verdict::server
