// End to end: every on-call route of `verdict serve` (server/api/oncall_api.cpp)
// refuses every request without the exact bearer token, with a JSON reason,
// and changes nothing.
#include <gtest/gtest.h>

#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

class DaemonAuth : public DaemonTest {};

const std::string kToken = "s3cret-token-0123456789";
const std::string kReason = R"({"reason":"customers report errors","who":"mallory"})";

struct BadAuthorization {
  const char* what;
  std::optional<std::string> header;  // nullopt: no Authorization header at all
};

std::vector<BadAuthorization> BadAuthorizations() {
  return {
      {"missing", std::nullopt},
      {"empty", ""},
      {"scheme only", "Bearer"},
      {"scheme and space", "Bearer "},
      {"wrong token", "Bearer wrong-token"},
      {"prefix of the token", "Bearer " + kToken.substr(0, kToken.size() - 1)},
      {"token and one more byte", "Bearer " + kToken + "0"},
      {"token, a space and more", "Bearer " + kToken + " x"},
      {"token, a tab and more", "Bearer " + kToken + "\tx"},
      {"token with a trailing space inside quotes", "Bearer \"" + kToken + " \""},
      {"token without the scheme", kToken},
      {"lower-case scheme", "bearer " + kToken},
      {"two spaces after the scheme", "Bearer  " + kToken},
      {"Basic scheme", "Basic " + kToken},
      {"token in upper case", "Bearer S3CRET-TOKEN-0123456789"},
      {"token and a control byte", "Bearer " + kToken + "\x01"},
  };
}

// What an on-call request may change, from GET /api/v1/runs/ns/name.
std::string RunState(const VerdictDaemon& daemon, const std::string& ns, const std::string& name) {
  const Json run = ParseJson(daemon.Get("/api/v1/runs/" + ns + "/" + name).body);
  if (!run.is_object()) return "(no run)";
  Json kept = Json::object();
  for (const char* key : {"state", "held", "hold_reason", "rollback_requested", "rollback_reason",
                          "end_reason", "actions", "checksum"}) {
    if (run.contains(key)) kept[key] = run[key];
  }
  return kept.dump();
}

TEST_F(DaemonAuth, EveryOnCallRouteRefusesEveryBadTokenWith401AndChangesNothing) {
  const std::string token_file = dir_.WriteFile("token", "  " + kToken + "\n");
  auto daemon = StartDaemon({"--token-file", token_file});
  ASSERT_NE(daemon, nullptr);
  ASSERT_EQ(daemon->Post("/flagger/confirm-rollout", Payload("auth", "api")).status, 200);
  const std::string before = RunState(*daemon, "auth", "api");
  ASSERT_NE(before, "(no run)");

  struct Route {
    std::string path;
    std::string body;
  };
  const std::vector<Route> routes = {
      {"/api/v1/runs/auth/api/rollback", kReason},
      {"/api/v1/runs/auth/api/hold", kReason},
      {"/api/v1/runs/auth/api/resume", kReason},
      {"/api/v1/runs", R"({"namespace":"auth","name":"intruder","checksum":"x1"})"},
  };
  for (const Route& route : routes) {
    for (const BadAuthorization& bad : BadAuthorizations()) {
      std::map<std::string, std::string> headers;
      if (bad.header) headers["Authorization"] = *bad.header;
      const HttpAnswer a = daemon->Post(route.path, route.body, headers);
      EXPECT_EQ(a.status, 401) << route.path << " with " << bad.what << ": " << a.body;
      const Json body = ParseJson(a.body);
      EXPECT_TRUE(body.is_object() && body.value("error", "") == "missing or wrong bearer token")
          << route.path << " with " << bad.what << ": " << a.body;
      EXPECT_NE(a.content_type.find("application/json"), std::string::npos) << a.content_type;
    }
  }
  EXPECT_EQ(RunState(*daemon, "auth", "api"), before);
  EXPECT_EQ(daemon->Get("/api/v1/runs/auth/intruder").status, 404);
  EXPECT_EQ(ParseJson(daemon->Get("/api/v1/runs/auth/api").body)["actions"].size(), 0u);

  // The right token (the file's surrounding whitespace is not part of it) is
  // let in. Whitespace at the end of the header line is not part of the
  // field value in HTTP (RFC 9110 section 5.5; httplib strips it), so this
  // is the exact token on the wire.
  const HttpAnswer hold = daemon->Post("/api/v1/runs/auth/api/hold", kReason,
                                       {{"Authorization", "Bearer " + kToken + " \t"}});
  EXPECT_EQ(hold.status, 200) << hold.body;
  EXPECT_NE(RunState(*daemon, "auth", "api"), before);
}

TEST_F(DaemonAuth, WithoutATokenFileEveryOnCallRouteIs403EvenWithAToken) {
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  ASSERT_EQ(daemon->Post("/flagger/confirm-rollout", Payload("noauth", "api")).status, 200);
  const std::string before = RunState(*daemon, "noauth", "api");
  for (const char* path : {"/api/v1/runs/noauth/api/rollback", "/api/v1/runs/noauth/api/hold",
                           "/api/v1/runs/noauth/api/resume", "/api/v1/runs"}) {
    for (const std::string& header : {std::string(), std::string("Bearer "), "Bearer " + kToken}) {
      const HttpAnswer a = daemon->Post(
          path, R"({"namespace":"noauth","name":"x","reason":"r"})",
          header.empty() ? std::map<std::string, std::string>{}
                         : std::map<std::string, std::string>{{"Authorization", header}});
      EXPECT_EQ(a.status, 403) << path << " " << header << ": " << a.body;
      EXPECT_NE(ParseJson(a.body).value("error", "").find("disabled"), std::string::npos) << a.body;
    }
  }
  EXPECT_EQ(RunState(*daemon, "noauth", "api"), before);
  EXPECT_EQ(daemon->Get("/api/v1/runs/noauth/x").status, 404);
}

}  // namespace
}  // namespace verdict::integration
