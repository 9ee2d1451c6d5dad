#include "server/api/traffic_api.h"

#include "analyzer/traffic/live_render.h"
#include "server/api/traffic_json.h"

namespace verdict::server {

void AddTrafficRoutes(HttpServer& http, traffic::LiveTraffic& t, double step_seconds) {
  auto state = [&t, step_seconds] {
    return HttpResponse::Json(200, TrafficStateJson(t.State(), step_seconds));
  };
  http.Route("GET", "/metrics", [&t](const HttpRequest&) {
    return HttpResponse::Text(200, traffic::RenderExposition(t.Snapshot()),
                              "text/plain; version=0.0.4");
  });
  http.Route("GET", "/control", [state](const HttpRequest&) { return state(); });
  http.Route(
      "PUT", "/control/weight",
      [&t, state](const HttpRequest& req) {
        auto weight = ParseWeightBody(req.body);
        if (!weight.ok()) return HttpResponse::JsonError(400, weight.status().message());
        if (Status s = t.SetCanaryWeight(*weight); !s.ok()) {
          return HttpResponse::JsonError(400, s.message());
        }
        return state();
      },
      400);
  http.Route(
      "PUT", "/control/subsets/:subset",
      [&t, state](const HttpRequest& req) {
        const std::string subset = req.path_params.at("subset");
        if (subset != "v1" && subset != "v2") {
          return HttpResponse::JsonError(404, "subset: \"" + subset + "\" is not v1 or v2");
        }
        const traffic::ControlState now = t.State();
        auto patched = ApplySubsetPatch(req.body, subset == "v1" ? now.v1 : now.v2);
        if (!patched.ok()) {
          return HttpResponse::JsonError(400, patched.status().message());
        }
        if (Status s = t.SetSubset(subset, *patched); !s.ok()) {
          return HttpResponse::JsonError(400, s.message());
        }
        return state();
      },
      400);
  http.Route(
      "POST", "/control/promote",
      [&t, state](const HttpRequest&) {
        t.Promote();
        return state();
      },
      400);
}

}  // namespace verdict::server
