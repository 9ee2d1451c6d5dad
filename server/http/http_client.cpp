// Outgoing HTTP over cpp-httplib (server/http/http_client.h).
#include "server/http/http_client.h"

#include <httplib.h>

#include <cctype>
#include <exception>

namespace verdict::server {
namespace {

std::string FormatMs(std::chrono::milliseconds d) {
  return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s"
                               : std::to_string(d.count()) + " ms";
}

bool ParsePort(const std::string& text, int* port) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return false;
  *port = value;
  return true;
}

// httplib reports a read that timed out as a plain read error, so a failure
// that took the whole timeout counts as one.
Status TransportError(const HttpClientRequest& request, httplib::Error error,
                      std::chrono::steady_clock::duration elapsed) {
  const std::string what = request.method + " " + request.url + ": ";
  if (error == httplib::Error::ConnectionTimeout || elapsed >= request.timeout) {
    return DeadlineExceededError(what + "no answer within " + FormatMs(request.timeout) + " (" +
                                 httplib::to_string(error) + ")");
  }
  return UnavailableError(what + httplib::to_string(error));
}

}  // namespace

std::string HttpUrl::Origin() const { return scheme + "://" + host + ":" + std::to_string(port); }

StatusOr<HttpUrl> ParseHttpUrl(const std::string& url) {
  HttpUrl out;
  const size_t sep = url.find("://");
  if (sep == std::string::npos) {
    return InvalidArgumentError("\"" + url + "\": expected http://HOST[:PORT][/PATH]");
  }
  out.scheme = url.substr(0, sep);
  for (char& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.scheme != "http" && out.scheme != "https") {
    return InvalidArgumentError("\"" + url + "\": expected http:// or https://");
  }
  const size_t host_start = sep + 3;
  const size_t slash = url.find_first_of("/?", host_start);
  const std::string authority = url.substr(host_start, slash - host_start);
  if (slash != std::string::npos)
    out.path = url[slash] == '/' ? url.substr(slash) : "/" + url.substr(slash);
  if (authority.find('@') != std::string::npos) {
    return InvalidArgumentError("\"" + url + "\": user information in URLs is not supported");
  }
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) return InvalidArgumentError("\"" + url + "\": unclosed '['");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return InvalidArgumentError("\"" + url + "\": bad host");
      port_text = authority.substr(close + 2);
      if (port_text.empty()) return InvalidArgumentError("\"" + url + "\": empty port");
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return InvalidArgumentError("\"" + url + "\": empty port");
    }
  }
  if (out.host.empty()) return InvalidArgumentError("\"" + url + "\": no host");
  if (port_text.empty()) {
    out.port = out.scheme == "https" ? 443 : 80;
  } else if (!ParsePort(port_text, &out.port)) {
    return InvalidArgumentError("\"" + url + "\": port \"" + port_text + "\" is not in 1-65535");
  }
  return out;
}

StatusOr<HttpClientResponse> HttpSend(const HttpClientRequest& request) {
  auto url = ParseHttpUrl(request.url);
  if (!url.ok()) return url.status();
  if (request.method != "GET" && request.method != "POST" && request.method != "PUT") {
    return InvalidArgumentError("method \"" + request.method + "\" is not GET, POST or PUT");
  }
  const auto start = std::chrono::steady_clock::now();
  try {
    const std::string host =
        url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
    httplib::Client client(url->scheme + "://" + host + ":" + std::to_string(url->port));
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(request.timeout);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(request.timeout - seconds);
    client.set_connection_timeout(seconds.count(), micros.count());
    client.set_read_timeout(seconds.count(), micros.count());
    client.set_write_timeout(seconds.count(), micros.count());
    client.set_follow_location(false);
    client.set_keep_alive(false);
    httplib::Result res =
        request.method == "GET" ? client.Get(url->path.c_str())
        : request.method == "POST"
            ? client.Post(url->path.c_str(), request.body, request.content_type.c_str())
            : client.Put(url->path.c_str(), request.body, request.content_type.c_str());
    if (!res) {
      return TransportError(request, res.error(), std::chrono::steady_clock::now() - start);
    }
    return HttpClientResponse{res->status, res->body};
  } catch (const std::exception& e) {
    return UnavailableError(request.method + " " + request.url + ": " + e.what());
  }
}

}  // namespace verdict::server
