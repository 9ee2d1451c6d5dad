#include "analyzer/prom_http.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <mutex>
#include <vector>

namespace verdict::analyzer::detail {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string* body;
  size_t max_bytes;
  bool exceeded = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->body->size() + n > sink->max_bytes) {
    sink->exceeded = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* retry_after = static_cast<std::string*>(user);
  const size_t n = size * count;
  std::string line(data, n);
  static const std::string kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string head = line.substr(0, kName.size());
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == kName) {
      std::string value = line.substr(kName.size());
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
      *retry_after = value;
    }
  }
  return n;
}

// Maps a failed transfer to a Status and whether another attempt may help.
void MapCurlError(CURLcode code, CURL* curl, const Sink& sink, const HttpRequest& req,
                  const char* errbuf, HttpResponse* out) {
  const std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
  curl_off_t connect_us = 0;
  curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_us);
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      out->transport = UnavailableError(fmt::format("cannot reach the server: {}", detail));
      out->retryable = true;
      return;
    case CURLE_OPERATION_TIMEDOUT:
      out->timed_out = true;
      if (connect_us == 0) {
        out->transport = UnavailableError(
            fmt::format("no connection within {} ms: {}", req.connect_timeout_ms, detail));
        out->retryable = true;
      } else {
        out->transport = DeadlineExceededError(
            fmt::format("no complete answer within {} ms: {}", req.timeout_ms, detail));
      }
      return;
    case CURLE_PARTIAL_FILE:
      out->transport = DataLossError(fmt::format("response body truncated: {}", detail));
      return;
    case CURLE_FILESIZE_EXCEEDED:
      out->transport = ResourceExhaustedError(
          fmt::format("response larger than max_response_bytes={}", req.max_bytes));
      return;
    case CURLE_WRITE_ERROR:
      if (sink.exceeded) {
        out->transport = ResourceExhaustedError(fmt::format(
            "response body exceeded max_response_bytes={}; transfer aborted", req.max_bytes));
        return;
      }
      break;
    case CURLE_BAD_CONTENT_ENCODING:
      out->transport = DataLossError(fmt::format("response body cannot be decoded: {}", detail));
      return;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      out->transport = InvalidArgumentError(fmt::format(
          "TLS verification failed (set ca_file, or insecure_skip_verify): {}", detail));
      return;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      out->transport = InvalidArgumentError(fmt::format("bad URL {}: {}", req.url, detail));
      return;
    default:
      break;
  }
  out->transport = UnavailableError(fmt::format("transfer failed: {}", detail));
}

}  // namespace

struct HttpTransport::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;  // guarded by mu
};

HttpTransport::HttpTransport() : pool_(std::make_unique<Pool>()) { GlobalInitOnce(); }

HttpTransport::~HttpTransport() {
  for (CURL* c : pool_->idle) curl_easy_cleanup(c);
}

HttpResponse HttpTransport::Perform(const HttpRequest& req) {
  CURL* curl = nullptr;
  {
    std::lock_guard<std::mutex> lock(pool_->mu);
    if (!pool_->idle.empty()) {
      curl = pool_->idle.back();
      pool_->idle.pop_back();
    }
  }
  if (curl == nullptr) curl = curl_easy_init();
  HttpResponse out;
  if (curl == nullptr) {
    out.transport = InternalError("curl_easy_init failed");
    return out;
  }
  curl_easy_reset(curl);  // keeps the connection cache
  char errbuf[CURL_ERROR_SIZE] = {0};
  Sink sink{&out.body, req.max_bytes};
  curl_slist* headers = nullptr;
  for (const std::string& h : req.headers) headers = curl_slist_append(headers, h.c_str());

  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, req.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_bytes));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.retry_after);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  if (!req.user_agent.empty()) curl_easy_setopt(curl, CURLOPT_USERAGENT, req.user_agent.c_str());
  if (req.post) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.form.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.form.size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  if (!req.basic_user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, req.basic_user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, req.basic_password.c_str());
  }
  if (!req.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, req.ca_file.c_str());
  if (req.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  } else {
    MapCurlError(code, curl, sink, req, errbuf, &out);
    out.body.clear();
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  {
    std::lock_guard<std::mutex> lock(pool_->mu);
    pool_->idle.push_back(curl);
  }
  return out;
}

std::string FormEncode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

long long ParseHttpDate(const std::string& text) {
  const time_t t = curl_getdate(text.c_str(), nullptr);
  return t < 0 ? -1 : static_cast<long long>(t);
}

}  // namespace verdict::analyzer::detail
