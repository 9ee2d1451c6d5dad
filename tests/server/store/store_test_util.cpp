#include "tests/server/store/store_test_util.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <vector>

namespace verdict::server::store_test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "verdict-store-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) != nullptr) path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

std::string ExecRaw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    error = db != nullptr ? sqlite3_errmsg(db) : "cannot open";
  } else if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
  }
  sqlite3_close(db);
  return error;
}

ExclusiveLock::ExclusiveLock(const std::string& path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK ||
      sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    error_ = db_ != nullptr ? sqlite3_errmsg(db_) : "cannot open";
  }
}

ExclusiveLock::~ExclusiveLock() { Release(); }

void ExclusiveLock::Release() {
  if (db_ == nullptr) return;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db_);
  db_ = nullptr;
}

}  // namespace verdict::server::store_test
