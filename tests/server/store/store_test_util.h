// Helpers for the store tests: a temporary directory, and raw SQLite access
// for what the Store interface cannot do (hold a lock from another
// connection, damage a schema). Only store_test_util.cpp includes sqlite3.h.
#pragma once

#include <string>

struct sqlite3;

namespace verdict::server::store_test {

// A fresh directory under the system temp dir, removed with its contents on
// destruction. path() is "" if it could not be made.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs `sql` on a connection of its own to `path`: "" on success, else
// SQLite's message.
std::string ExecRaw(const std::string& path, const std::string& sql);

// A second connection to `path` holding an exclusive write transaction from
// construction until Release() or destruction. error() is "" when held.
class ExclusiveLock {
 public:
  explicit ExclusiveLock(const std::string& path);
  ~ExclusiveLock();
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;

  const std::string& error() const { return error_; }
  void Release();

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

}  // namespace verdict::server::store_test
