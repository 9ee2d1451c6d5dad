// BearerAuth: the on-call endpoints' token check. The token comes from a
// file (--token-file; surrounding whitespace ignored). Without a token the
// endpoints are disabled: every request is refused, never let in.
//
// Thread safety: immutable after construction; Check is safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "stats/status.h"

namespace verdict::server {

class BearerAuth {
 public:
  BearerAuth() = default;  // disabled
  // kInvalidArgument naming --token-file: unreadable, a directory, or empty.
  static StatusOr<BearerAuth> FromFile(const std::string& path);
  static BearerAuth WithToken(std::string token);  // tests

  bool enabled() const { return !token_.empty(); }
  // True when `authorization` is "Bearer <token>" with the right token. The
  // comparison takes the same time wherever the first difference is.
  bool Check(std::string_view authorization) const;

 private:
  std::string token_;
};

// Compares in time that depends only on the lengths, not on the contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace verdict::server
