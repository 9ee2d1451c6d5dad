// The baseline for scripts/bench-daemon.sh: the smallest cpp-httplib server
// that answers like a daemon would, so the benchmark measures what Verdict
// adds on top of httplib itself. Same httplib as `verdict serve`, the same
// worker count (its --http-threads default, 32, through new_task_queue) and
// the same keep-alive limits (server/http/http_server.h); every GET and POST
// gets one constant JSON body, with no routing, logging or metrics.
//
//   bare_http_server PORT [THREADS]   listens on 127.0.0.1:PORT (0: any free port)
//
// Prints "bare_http_server: listening on http://127.0.0.1:PORT" on stdout once
// it listens, and serves until it is killed. Exit 2 on bad arguments, 1 when
// the port cannot be bound.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

constexpr const char* kHost = "127.0.0.1";
constexpr const char* kBody = R"({"format_version":1,"status":"ok"})";

bool ParseInt(const char* text, int min, int max, int& out) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < min || value > max) return false;
  out = static_cast<int>(value);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 32;  // `verdict serve --http-threads` default
  if (argc < 2 || argc > 3 || !ParseInt(argv[1], 0, 65535, port) ||
      (argc == 3 && !ParseInt(argv[2], 1, 1024, threads))) {
    std::fprintf(stderr, "usage: %s PORT [THREADS]   (PORT 0-65535, 0: any free port)\n", argv[0]);
    return 2;
  }
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // As server/http/http_server.cpp sets them (httplib's own default is 5 requests per connection).
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(5);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_tcp_nodelay(true);
  const auto answer = [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kBody, "application/json");
  };
  server.Get("[\\s\\S]*", answer);
  server.Post("[\\s\\S]*", answer);

  const int bound = port == 0 ? server.bind_to_any_port(kHost) : (server.bind_to_port(kHost, port) ? port : -1);
  if (bound < 0) {
    std::fprintf(stderr, "bare_http_server: cannot bind %s:%d\n", kHost, port);
    return 1;
  }
  std::cout << "bare_http_server: listening on http://" << kHost << ":" << bound << std::endl;
  return server.listen_after_bind() ? 0 : 1;
}
