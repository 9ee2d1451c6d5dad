// The part of a Flagger Canary (flagger.app/v1beta1) that the rollout driver
// plays: who the canary is, the analysis' pace and the webhooks. Everything
// else in the manifest (targetRef, service, analysis.metrics, ...) is read
// past without a word, so a cluster's real Canary file can be used as is.
//
// Read fields and Flagger's defaults:
//   metadata.name                 required (a Kubernetes name)
//   metadata.namespace            "default"
//   spec.analysis.interval        "1m"   (a duration: 30s, 1m, 1m30s, 500ms)
//   spec.analysis.threshold       1      (1..1000: failed checks before a rollback)
//   spec.analysis.stepWeight      required, 1..100
//   spec.analysis.maxWeight       100    (1..100)
//   spec.analysis.webhooks[i]     name (required, unique), type (default
//                                 "rollout", one of the eight Flagger types),
//                                 url (required, http(s)://), timeout
//                                 (default "10s"), metadata (string: string)
// Refused, because the driver plays only the weighted canary strategy:
// spec.analysis.iterations (A/B testing and blue/green) and
// spec.analysis.stepWeights (a weight list).
//
// Errors (kInvalidArgument) name the file, line and field, one line each:
//   canary.yaml:12: spec.analysis.stepWeight: must be 1..100, got 0
//
// Thread safety: pure functions over values.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "server/api/flagger_decision.h"
#include "stats/status.h"

namespace verdict::server {

struct CanaryWebhook {
  std::string name;
  Hook type = Hook::kRollout;
  std::string url;
  std::chrono::milliseconds timeout{10000};     // Flagger's default per attempt
  std::map<std::string, std::string> metadata;  // sent with every call of this hook
};

struct CanarySpec {
  std::string name;
  std::string ns = "default";
  std::chrono::milliseconds interval{60000};
  int threshold = 1;
  int step_weight = 0;
  int max_weight = 100;
  std::vector<CanaryWebhook> webhooks;  // in the manifest's order

  // The webhooks of one type, in order.
  std::vector<CanaryWebhook> Hooks(Hook type) const;
};

// Parses YAML `text` holding one Canary (other documents, e.g. a Service in
// the same file, are skipped; zero or several Canaries are an error).
// `source` names the text in errors (usually the file path).
StatusOr<CanarySpec> ParseCanarySpec(const std::string& text, const std::string& source);
// Reads and parses the file at `path`.
StatusOr<CanarySpec> LoadCanarySpec(const std::string& path);

// Replaces the scheme, host and port of every webhook URL with `base_url`'s
// (http(s)://HOST:PORT), keeping each path, so a cluster's Canary can run
// against a local daemon. kInvalidArgument when `base_url` is not such a URL
// or carries a path other than "/".
Status RebaseWebhookUrls(CanarySpec& spec, const std::string& base_url);

}  // namespace verdict::server
