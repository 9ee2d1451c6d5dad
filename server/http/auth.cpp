// BearerAuth (server/http/auth.h).
#include "server/http/auth.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace verdict::server {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the longer input whole so the time does not tell where they differ.
  const size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

StatusOr<BearerAuth> BearerAuth::FromFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgumentError("--token-file: " + path + " is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgumentError("--token-file: cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string token = buf.str();
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!token.empty() && space(token.back())) token.pop_back();
  size_t start = 0;
  while (start < token.size() && space(token[start])) ++start;
  token = token.substr(start);
  if (token.empty()) return InvalidArgumentError("--token-file: " + path + " is empty");
  return WithToken(std::move(token));
}

BearerAuth BearerAuth::WithToken(std::string token) {
  BearerAuth auth;
  auth.token_ = std::move(token);
  return auth;
}

bool BearerAuth::Check(std::string_view authorization) const {
  if (token_.empty()) return false;
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() < kScheme.size() || authorization.substr(0, kScheme.size()) != kScheme) {
    return false;
  }
  return ConstantTimeEquals(authorization.substr(kScheme.size()), token_);
}

}  // namespace verdict::server
