// The server side of cpp-httplib (0.11.4; http_client.cpp is the client side).
// httplib parses requests, reads bodies (with our limit), runs the worker pool
// and writes responses; routing, errors, the access log and request metrics
// are ours. Every httplib handler is a catch-all that hands over to
// Impl::Serve, because httplib matches its regexes against the already-decoded
// path (so "a%2Fb" could not stay one segment) and has no notion of 405.
#include "server/http/http_server.h"

#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <string_view>
#include <thread>

#include "server/http/connection_guard.h"
#include "server/http/connection_pool.h"
#include "server/http/request_log.h"
#include "server/http/route_table.h"

namespace verdict::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

// State of the request the current worker thread is serving. httplib runs the
// pre-routing handler, our handler and the logger of one request on the same
// thread, one request at a time, so a thread_local carries it between them.
struct RequestContext {
  bool started = false;  // the pre-routing handler ran
  SteadyClock::time_point start;
  std::string route = detail::kUnmatchedRoute;
  bool answered = false;  // Serve() wrote the response
};
thread_local RequestContext t_request;
// The server whose worker pool runs this thread (nullptr elsewhere).
thread_local const void* t_worker_of = nullptr;

// The connection the current worker thread is serving (nullptr elsewhere).
thread_local GuardedConnection* t_connection = nullptr;

// httplib's task queue on a ConnectionPool (a thread per open connection),
// each thread marked as belonging to `owner`.
class WorkerQueue final : public httplib::TaskQueue {
 public:
  WorkerQueue(size_t ready, size_t max_threads, const void* owner)
      : pool_(ready, max_threads, [owner] { t_worker_of = owner; }) {}
  void enqueue(std::function<void()> fn) override { pool_.Submit(std::move(fn)); }
  void shutdown() override { pool_.Shutdown(); }

 private:
  ConnectionPool pool_;
};

// The numeric host and port of socket `fd`'s peer (get = getpeername) or
// own end (getsockname); unchanged when they cannot be read.
template <typename Get>
void SocketAddress(Get get, int fd, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (get(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof(host), serv,
                    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

// httplib's Stream over a GuardedConnection.
class GuardedStream final : public httplib::Stream {
 public:
  explicit GuardedStream(GuardedConnection& connection) : connection_(connection) {}
  bool is_readable() const override { return connection_.Readable(); }
  bool is_writable() const override { return connection_.Writable(); }
  ssize_t read(char* ptr, size_t size) override { return connection_.Read(ptr, size); }
  ssize_t write(const char* ptr, size_t size) override { return connection_.Write(ptr, size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    SocketAddress(::getpeername, connection_.fd(), ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    SocketAddress(::getsockname, connection_.fd(), ip, port);
  }
  socket_t socket() const override { return connection_.fd(); }

 private:
  GuardedConnection& connection_;
};

constexpr const char* kConnectionsRefused = "verdict_http_connections_refused_total";

// httplib's Server with each connection served through a GuardedConnection:
// a total deadline per request and header limits (connection_guard.h) on
// top of httplib's own parsing, keep-alive count and idle timeout; and at
// most `per_address` connections open at once from one client address.
class GuardedServer final : public httplib::Server {
 public:
  // Re-listens the bound socket with room for `backlog` connections not yet
  // accepted (the kernel caps it at net.core.somaxconn): httplib listens
  // with 5, so a burst of connections had the rest's handshakes dropped and
  // retried by their clients a second or more later.
  bool SetListenBacklog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }

  GuardedServer(RequestLimits limits, size_t per_address, MetricsRegistry* metrics)
      : limits_(limits), per_address_(per_address), metrics_(metrics) {
    if (metrics_ != nullptr) {
      metrics_->DeclareCounter(kConnectionsRefused,
                               "HTTP connections refused at once (429) because their client "
                               "address had --http-max-connections-per-address open.");
    }
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    std::string peer;
    int peer_port = 0;
    SocketAddress(::getpeername, sock, peer, peer_port);
    // A peer whose address cannot be read is served, not counted: it would
    // share one count with every other such peer.
    const bool counted = !peer.empty();
    if (counted && !per_address_.TryOpen(peer)) {
      Refuse(sock, peer);
      return false;
    }
    const bool ok = Serve(sock);
    // Uncounted before the close: a client that saw the close finds its
    // place free.
    if (counted) per_address_.Close(peer);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  // Answers 429 without reading the request, then closes the connection: it
  // holds its thread for one write and at most kDrain more.
  void Refuse(socket_t sock, const std::string& peer) {
    if (metrics_ != nullptr) metrics_->Increment(kConnectionsRefused);
    LogRefusal(peer);
    GuardedConnection connection(sock, limits_);
    connection.WriteJsonError(429, "Too Many Requests",
                              "too many open connections from " + peer + " (limit " +
                                  std::to_string(per_address_.limit()) + ")");
    // What the client sends until it closes (its request, most often in
    // flight) is read and dropped, for up to kDrain and 64 KiB: closing with
    // unread bytes would reset the connection, and the client could lose the
    // answer.
    ::shutdown(sock, SHUT_WR);
    constexpr auto kDrain = std::chrono::milliseconds(200);
    const auto until = SteadyClock::now() + kDrain;
    char drop[4096];
    for (size_t dropped = 0; dropped < (64u << 10);) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyClock::now());
      pollfd p{sock, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      const ssize_t n = ::recv(sock, drop, sizeof(drop), 0);
      if (n <= 0) break;  // the client closed (or reset)
      dropped += static_cast<size_t>(n);
    }
    ::close(sock);
  }

  // One warning a second at most, with the refusals since the last one: a
  // client opening connections in a loop must not flood the log.
  void LogRefusal(const std::string& peer) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               SteadyClock::now().time_since_epoch())
                               .count();
    const uint64_t refused = ++refused_since_log_;
    int64_t last = last_refusal_log_ms_.load();
    if (now_ms - last < 1000 || !last_refusal_log_ms_.compare_exchange_strong(last, now_ms)) {
      return;
    }
    refused_since_log_ -= refused;
    spdlog::warn("http_connection_refused status=429 remote={} refused={} reason=\"{} "
                 "connections open from this address (--http-max-connections-per-address); "
                 "refused counts every address since the last such line\"",
                 detail::LogToken(peer), refused, per_address_.limit());
  }

  // Serves the connection's requests; the caller closes it.
  bool Serve(socket_t sock) {
    // httplib writes the headers and the body of a response in two send()s;
    // with Nagle on, the body waits for the client's delayed ACK of the
    // headers (about 40 ms on Linux) on every kept-alive request after the first few.
    int yes = 1;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    GuardedConnection connection(sock, limits_);
    GuardedStream stream(connection);
    t_connection = &connection;
    bool ok = false;
    const auto idle = std::chrono::seconds(keep_alive_timeout_sec_);
    const auto serving = [this] { return svr_sock_ != INVALID_SOCKET; };
    for (size_t left = keep_alive_max_count_; left > 0 && serving(); --left) {
      if (!connection.WaitForRequest(idle, serving)) break;
      connection.BeginRequest();
      bool closed = false;
      ok = process_request(stream, left == 1, closed, nullptr);
      if (connection.cut() != CutReason::kNone) {
        // httplib wrote nothing when the request line did not arrive whole.
        if (!connection.answered()) connection.WriteRefusal();
        spdlog::warn("http_request_cut status={} reason=\"{}\"", CutStatus(connection.cut()),
                     detail::LogQuoted(CutMessage(connection.cut(), limits_)));
        break;
      }
      if (!ok || closed || connection.close_after_answer()) break;
    }
    t_connection = nullptr;
    return ok;
  }

  const RequestLimits limits_;
  ConnectionsPerAddress per_address_;
  MetricsRegistry* const metrics_;
  std::atomic<int64_t> last_refusal_log_ms_{INT64_MIN / 2};
  std::atomic<uint64_t> refused_since_log_{0};
};

// SO_REUSEADDR only: httplib's default sets SO_REUSEPORT, which would let a
// second daemon bind the same port and silently share its traffic.
void ReuseAddrOnly(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

RequestLimits Limits(const HttpServerOptions& o) {
  RequestLimits limits;
  limits.read_timeout = std::chrono::seconds(std::max(1, o.read_timeout_seconds));
  limits.write_timeout = std::chrono::seconds(std::max(1, o.write_timeout_seconds));
  limits.request_timeout = std::chrono::milliseconds(std::max(1, o.request_timeout_ms));
  limits.max_header_bytes = std::max<size_t>(1024, o.max_header_bytes);
  limits.max_header_line = CPPHTTPLIB_HEADER_MAX_LENGTH;  // httplib's own line limit
  limits.max_header_count = static_cast<size_t>(std::max(1, o.max_headers));
  return limits;
}

std::string StatusText(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 415:
      return "unsupported media type";
    case 416:
      return "range not satisfiable";
    case 431:
      return "request header fields too large";
    default:
      return "HTTP " + std::to_string(status);
  }
}

void Write(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [name, value] : from.headers) to.set_header(name, value);
  if (!from.body.empty()) to.set_content(from.body, from.content_type);
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, MetricsRegistry* metrics)
      : options_(std::move(options)), metrics_(metrics) {
    detail::DeclareRequestMetrics(metrics_);
    Configure();
  }

  struct Entry {
    std::string method;
    std::string pattern;
    HttpHandler handler;
    int error_status;
  };

  void Route(Entry entry) {
    std::lock_guard<std::mutex> lock(lifecycle_mu_);
    if (started_) {
      spdlog::error("http route={} method={} event=ignored reason=\"Route() after Start()\"",
                    entry.pattern, entry.method);
      return;
    }
    entries_.push_back(std::move(entry));
  }

  Status Start();
  void Stop();
  int port() const { return port_.load(); }

 private:
  std::string Address(int port) const { return options_.host + ":" + std::to_string(port); }
  void Configure();
  void Serve(const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader* reader);
  HttpResponse Call(const Entry& entry, HttpRequest request);
  void Log(const httplib::Request& req, const httplib::Response& res);

  const HttpServerOptions options_;
  MetricsRegistry* const metrics_;
  GuardedServer server_{Limits(options_),
                       static_cast<size_t>(std::max(0, options_.max_connections_per_address)),
                       metrics_};
  std::vector<Entry> entries_;  // frozen at Start()
  detail::RouteTable table_;    // frozen at Start()
  std::atomic<int> port_{0};

  std::mutex lifecycle_mu_;  // serialises Route/Start/Stop's signalling
  std::condition_variable lifecycle_cv_;
  bool started_ = false;    // guarded by lifecycle_mu_
  bool stopped_ = false;    // guarded by lifecycle_mu_
  bool listening_ = false;  // guarded by lifecycle_mu_; the accept loop runs
  bool exited_ = false;     // guarded by lifecycle_mu_; the accept loop ended

  std::mutex join_mu_;  // one joiner at a time
  std::thread thread_;  // written in Start() under lifecycle_mu_, joined under join_mu_
};

void HttpServer::Impl::Configure() {
  server_.set_socket_options(ReuseAddrOnly);
  server_.set_payload_max_length(options_.max_body_bytes);
  server_.set_read_timeout(std::max(1, options_.read_timeout_seconds), 0);
  server_.set_write_timeout(std::max(1, options_.write_timeout_seconds), 0);
  server_.set_keep_alive_max_count(static_cast<size_t>(std::max(1, options_.keep_alive_max_count)));
  server_.set_keep_alive_timeout(std::max(0, options_.keep_alive_timeout_seconds));
  const auto threads = static_cast<size_t>(std::max(1, options_.worker_threads));
  const auto max_threads = static_cast<size_t>(std::max(1, options_.max_connections));
  // httplib calls this once, in the accept loop's thread, right after it marks
  // itself running: the moment Start() may return.
  server_.new_task_queue = [this, threads, max_threads] {
    {
      std::lock_guard<std::mutex> lock(lifecycle_mu_);
      listening_ = true;
    }
    lifecycle_cv_.notify_all();
    return new WorkerQueue(threads, max_threads, this);
  };
  server_.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request = RequestContext{true, SteadyClock::now(), detail::kUnmatchedRoute, false};
    return httplib::Server::HandlerResponse::Unhandled;
  });
  const std::string any = "[\\s\\S]*";
  auto without_body = [this](const httplib::Request& req, httplib::Response& res) {
    Serve(req, res, nullptr);
  };
  auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) { Serve(req, res, &reader); };
  server_.Get(any, without_body);  // GET and HEAD
  server_.Options(any, without_body);
  server_.Post(any, with_body);
  server_.Put(any, with_body);
  server_.Patch(any, with_body);
  server_.Delete(any, with_body);
  // Answers httplib produced without Serve() (a malformed request line, an
  // over-long URI): a JSON error body like every other answer.
  server_.set_error_handler(httplib::Server::HandlerWithResponse(
      [limits = Limits(options_)](const httplib::Request&, httplib::Response& res) {
        if (t_request.answered || !res.body.empty()) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        // httplib's own answer to a request it could not parse (nothing of
        // it, e.g. Connection: close, was read): close after it.
        if (t_connection != nullptr) {
          t_connection->CloseAfterAnswer();
          res.set_header("Connection", "close");
        }
        // httplib's 400 for headers that did not arrive whole: say why.
        if (t_connection != nullptr && t_connection->cut() != CutReason::kNone) {
          res.status = CutStatus(t_connection->cut());
          Write(HttpResponse::JsonError(res.status, CutMessage(t_connection->cut(), limits)), res);
          return httplib::Server::HandlerResponse::Handled;
        }
        Write(HttpResponse::JsonError(res.status, StatusText(res.status)), res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  // Serve() catches everything a handler throws; this is for Serve() itself.
  server_.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("http_server_exception method={} path={} error=\"{}\"",
                      detail::LogToken(req.method), detail::LogToken(req.path),
                      detail::LogQuoted(what));
        t_request.answered = true;
        Write(HttpResponse::JsonError(500, "internal error: " + what), res);
      });
  // Runs for every answer with its final status, just before it is written:
  // once a client has a response, its metrics and log line exist.
  server_.set_post_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { Log(req, res); });
}

Status HttpServer::Impl::Start() {
  std::unique_lock<std::mutex> lock(lifecycle_mu_);
  if (started_ || stopped_) {
    return FailedPreconditionError("http server on " + Address(options_.port) +
                                   (stopped_ ? " was stopped" : " is already started"));
  }
  detail::RouteTable table;
  for (const Entry& entry : entries_) {
    VERDICT_RETURN_IF_ERROR(table.Add(entry.method, entry.pattern));
  }
  table_ = std::move(table);
  errno = 0;
  int bound = -1;
  if (options_.port == 0) {
    bound = server_.bind_to_any_port(options_.host);
  } else if (server_.bind_to_port(options_.host, options_.port)) {
    bound = options_.port;
  }
  if (bound < 0) {
    const int error = errno;
    return UnavailableError("http server cannot listen on " + Address(options_.port) + ": " +
                            (error != 0 ? std::strerror(error) : "bind failed"));
  }
  if (!server_.SetListenBacklog(std::max(1, options_.listen_backlog))) {
    spdlog::warn("http_server event=listen_backlog_unchanged backlog={} error=\"{}\"",
                 options_.listen_backlog, detail::LogQuoted(std::strerror(errno)));
  }
  started_ = true;
  port_ = bound;
  thread_ = std::thread([this] {
    server_.listen_after_bind();
    {
      std::lock_guard<std::mutex> done(lifecycle_mu_);
      exited_ = true;
    }
    lifecycle_cv_.notify_all();
  });
  // Bounded: the loop starts at once unless the machine is wedged.
  lifecycle_cv_.wait_for(lock, std::chrono::seconds(30), [this] { return listening_ || exited_; });
  if (!listening_) {
    return InternalError("http server on " + Address(bound) + " did not start its accept loop");
  }
  spdlog::info("http_server event=listening address={}", Address(bound));
  return Status::Ok();
}

void HttpServer::Impl::Stop() {
  {
    std::lock_guard<std::mutex> lock(lifecycle_mu_);
    if (!stopped_) {
      stopped_ = true;
      if (listening_ && !exited_) server_.stop();
    }
  }
  if (t_worker_of == this) return;  // a handler: joining here would wait on itself
  std::lock_guard<std::mutex> lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void HttpServer::Impl::Serve(const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader* reader) {
  t_request.answered = true;
  const detail::TargetParts target = detail::SplitTarget(req.target);
  const detail::RouteMatch match = table_.Find(req.method, target.path);
  if (match.kind != detail::MatchKind::kNotFound) t_request.route = match.pattern;

  // Read (or drain) the body before answering anything, so the connection
  // stays in step; over the limit it is discarded, not kept.
  std::string body;
  if (reader != nullptr) {
    bool too_large = false;
    auto keep = [&](const char* data, size_t n) {
      too_large = too_large || body.size() + n > options_.max_body_bytes;
      if (too_large) {
        body.clear();
      } else {
        body.append(data, n);
      }
      return true;
    };
    const bool multipart = req.is_multipart_form_data();
    const bool read = multipart ? (*reader)([](const httplib::MultipartFormData&) { return true; },
                                            [](const char*, size_t) { return true; })
                                : (*reader)(keep);
    const CutReason cut = t_connection != nullptr ? t_connection->cut() : CutReason::kNone;
    if (!read && cut != CutReason::kNone) {
      Write(HttpResponse::JsonError(CutStatus(cut), CutMessage(cut, Limits(options_))), res);
      res.set_header("Connection", "close");
      return;
    }
    if (!read && res.status != 413) {
      Write(HttpResponse::JsonError(400, "malformed request body"), res);
      res.set_header("Connection", "close");
      return;
    }
    if (!read || too_large) {
      Write(HttpResponse::JsonError(
                413, "request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes"),
            res);
      return;
    }
    if (multipart) {
      Write(HttpResponse::JsonError(415, "multipart/form-data bodies are not accepted"), res);
      return;
    }
  }

  if (match.kind == detail::MatchKind::kNotFound) {
    Write(HttpResponse::JsonError(404, "no route for " + req.path), res);
    return;
  }
  if (match.kind == detail::MatchKind::kMethodNotAllowed) {
    HttpResponse answer =
        HttpResponse::JsonError(405, "method " + req.method + " not allowed for " + req.path);
    answer.headers.emplace_back("Allow", match.allow);
    Write(answer, res);
    return;
  }

  HttpRequest request;
  request.method = req.method;
  request.path = req.path;
  request.path_params = match.params;
  request.query = detail::ParseQuery(target.query);
  for (const auto& [name, value] : req.headers) {
    // httplib files the peer and local addresses as pseudo-headers.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT") {
      continue;
    }
    request.headers.emplace(name, value);
  }
  request.body = std::move(body);
  request.remote_addr = req.remote_addr;
  const Entry& entry = entries_[match.index];
  HttpResponse answer = Call(entry, std::move(request));
  if (answer.status < 100 || answer.status > 599) {
    spdlog::error("http_handler_bad_status route={} status={}", detail::LogToken(entry.pattern),
                  answer.status);
    answer = HttpResponse::JsonError(
        500, "internal error: handler answered HTTP status " + std::to_string(answer.status));
  }
  Write(answer, res);
}

HttpResponse HttpServer::Impl::Call(const Entry& entry, HttpRequest request) {
  std::string what;
  try {
    return entry.handler(request);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  spdlog::error("http_handler_exception route={} method={} path={} status={} error=\"{}\"",
                detail::LogToken(entry.pattern), detail::LogToken(request.method),
                detail::LogToken(request.path), entry.error_status, detail::LogQuoted(what));
  return HttpResponse::JsonError(entry.error_status, "internal error: " + what);
}

void HttpServer::Impl::Log(const httplib::Request& req, const httplib::Response& res) {
  detail::RequestRecord record;
  record.method = req.method;
  record.path = std::string(detail::SplitTarget(req.target).path);
  record.route = t_request.route;
  record.status = res.status;
  if (t_request.started) {
    record.duration_seconds =
        std::chrono::duration<double>(SteadyClock::now() - t_request.start).count();
  }
  record.remote = req.remote_addr;
  spdlog::info("{}", detail::AccessLogLine(record));
  detail::RecordRequestMetrics(metrics_, record);
  t_request = RequestContext{};
}

HttpServer::HttpServer(HttpServerOptions options, MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), metrics)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& method, const std::string& pattern, HttpHandler handler,
                       int error_status) {
  impl_->Route({method, pattern, std::move(handler), error_status});
}

Status HttpServer::Start() { return impl_->Start(); }

int HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace verdict::server
