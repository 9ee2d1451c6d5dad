// The query of GET /api/v1/argo/{namespace}/{name}, the endpoint for Argo
// Rollouts' `web` metric provider (docs/argo.md):
//   revision=HASH   required: the canary's revision, e.g. the AnalysisTemplate
//                   arg {{args.canary-hash}} (podTemplateHashValue: Latest).
//                   A run is keyed by (namespace, name, revision).
//   analysis=NAME   optional: an analysis of the serve config (else its rules)
//   KEY=VALUE       optional: values for the analysis' variables (e.g.
//                   service=api, control=v1, canary=v2), read when the run
//                   starts; as Flagger's metadata (docs/flagger.md "Metadata")
// A key given twice is refused (one value per variable).
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <string>

#include "stats/status.h"

namespace verdict::server {

struct ArgoQuery {
  std::string ns;
  std::string name;
  std::string revision;
  std::map<std::string, std::string> metadata;  // "analysis" and the variables
};

// kInvalidArgument naming the field: "revision: is required (...)",
// "namespace: \"Bad\" is not a Kubernetes name (...)", "query.service: given
// more than once", "query.service: longer than 1024 bytes".
StatusOr<ArgoQuery> ParseArgoQuery(const std::string& ns, const std::string& name,
                                   const std::multimap<std::string, std::string>& query);

}  // namespace verdict::server
