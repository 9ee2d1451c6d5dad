#include "analyzer/prom_token.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace verdict::analyzer::detail {
namespace {

std::string Trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

StatusOr<std::string> TokenFile::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    const std::string why = std::strerror(errno);
    if (loaded_) {
      spdlog::warn("prometheus bearer_token_file={} unreadable=\"{}\" action=keep_previous_token",
                   path_, why);
      return token_;
    }
    return InvalidArgumentError(fmt::format("bearer token file {}: {}", path_, why));
  }
  Stamp now;
  now.dev = static_cast<uint64_t>(st.st_dev);
  now.ino = static_cast<uint64_t>(st.st_ino);
  now.size = static_cast<int64_t>(st.st_size);
  now.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (loaded_ && now == stamp_) return token_;

  std::ifstream in(path_, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in) {
    if (loaded_) return token_;
    return InvalidArgumentError(fmt::format("bearer token file {}: cannot read it", path_));
  }
  std::string token = Trim(text.str());
  if (token.empty()) {
    if (loaded_) return token_;
    return InvalidArgumentError(fmt::format("bearer token file {} is empty", path_));
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    return InvalidArgumentError(
        fmt::format("bearer token file {} holds more than one line", path_));
  }
  if (loaded_) spdlog::info("prometheus bearer_token_file={} event=reloaded", path_);
  token_ = std::move(token);
  stamp_ = now;
  loaded_ = true;
  return token_;
}

}  // namespace verdict::analyzer::detail
