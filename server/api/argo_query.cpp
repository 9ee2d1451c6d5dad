// Parsing the Argo web provider's query (server/api/argo_query.h).
#include "server/api/argo_query.h"

#include "server/api/flagger_payload.h"
#include "server/api/request_text.h"

namespace verdict::server {
namespace {

constexpr size_t kMaxValueBytes = 1024;
constexpr size_t kMaxRevisionBytes = 253;
constexpr size_t kMaxParameters = 64;

Status CheckValue(const std::string& field, const std::string& value) {
  if (value.size() > kMaxValueBytes) {
    return InvalidArgumentError(field + ": longer than " + std::to_string(kMaxValueBytes) +
                                " bytes");
  }
  if (value.find('\0') != std::string::npos)
    return InvalidArgumentError(field + ": holds a NUL byte");
  return Status::Ok();
}

}  // namespace

StatusOr<ArgoQuery> ParseArgoQuery(const std::string& ns, const std::string& name,
                                   const std::multimap<std::string, std::string>& query) {
  ArgoQuery out;
  out.ns = ns;
  out.name = name;
  for (auto [field, value] :
       {std::pair<const char*, const std::string*>{"namespace", &ns}, {"name", &name}}) {
    if (!IsKubernetesName(*value)) {
      return InvalidArgumentError(std::string(field) + ": " + QuoteValue(*value) +
                                  " is not a Kubernetes name (lowercase letters, digits, '-', "
                                  "'.')");
    }
  }
  if (query.size() > kMaxParameters) {
    return InvalidArgumentError("query: more than " + std::to_string(kMaxParameters) +
                                " parameters");
  }
  for (auto it = query.begin(); it != query.end(); it = query.upper_bound(it->first)) {
    const std::string field =
        "query." + QuoteValue(it->first).substr(1, QuoteValue(it->first).size() - 2);
    if (query.count(it->first) > 1) return InvalidArgumentError(field + ": given more than once");
    VERDICT_RETURN_IF_ERROR(CheckValue(field, it->second));
    if (it->first == "revision") {
      out.revision = it->second;
    } else {
      out.metadata[it->first] = it->second;
    }
  }
  if (out.revision.empty()) {
    return InvalidArgumentError(
        "revision: is required (the canary's revision, e.g. "
        "revision={{args.canary-hash}} with podTemplateHashValue: Latest)");
  }
  if (out.revision.size() > kMaxRevisionBytes) {
    return InvalidArgumentError("revision: longer than " + std::to_string(kMaxRevisionBytes) +
                                " bytes");
  }
  return out;
}

}  // namespace verdict::server
