// Detail of analyzer/prometheus_client.cpp: a bearer token kept in a file and
// re-read when the file changes (size, modification time or inode), so
// rotated secrets (e.g. Kubernetes projected tokens) are picked up. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "stats/status.h"

namespace verdict::analyzer::detail {

class TokenFile {
 public:
  explicit TokenFile(std::string path) : path_(std::move(path)) {}

  // The current token, without surrounding whitespace. If the file cannot be
  // read but a token was read before, the old token is kept (a rotation may be
  // in progress). Errors: kInvalidArgument when the file cannot be read and no
  // token is known, or the token is empty.
  StatusOr<std::string> Get();

  const std::string& path() const { return path_; }

 private:
  struct Stamp {
    uint64_t dev = 0, ino = 0;
    int64_t size = -1, mtime_ns = 0;
    bool operator==(const Stamp& o) const {
      return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns;
    }
  };

  const std::string path_;
  std::mutex mu_;
  Stamp stamp_;          // guarded by mu_
  std::string token_;    // guarded by mu_
  bool loaded_ = false;  // guarded by mu_
};

}  // namespace verdict::analyzer::detail
