// GuardedConnection: one accepted HTTP connection's socket, read and written
// under limits that keep a slow or oversized client from holding a server
// thread (the HTTP server's stream, server/http/http_server.cpp, reads and
// writes through it). cpp-httplib only bounds each single wait for bytes (its
// read timeout), so a client sending one byte every few seconds would keep a
// thread forever; here every request has a total deadline:
//   - request_timeout: the request line, headers and body must all arrive
//     within this from the request's first byte; then reads fail, cut() is
//     kTimedOut and the answer is 408;
//   - read_timeout: the longest single wait for bytes (within the deadline);
//   - max_header_bytes (request line and headers together), max_header_line
//     (one header line) and max_header_count: over them reads fail and cut()
//     is kHeadersTooLarge (431), or kRequestLineTooLong (414) when the request
//     line alone is over max_header_bytes.
// The connection buffers what it receives (httplib reads headers a byte at a
// time) and counts header bytes up to the empty line that ends them; bytes
// of a pipelined next request stay buffered for it.
//
// Time is the steady clock: these are real network timeouts.
// Thread safety: one connection is used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace verdict::server {

struct RequestLimits {
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  size_t max_header_bytes = 64 << 10;
  size_t max_header_line = 8192;
  size_t max_header_count = 100;
};

enum class CutReason { kNone, kTimedOut, kRequestLineTooLong, kHeadersTooLarge };

// The HTTP status answering a cut request (0 for kNone), and its JSON error
// message naming the limit, e.g. "request not received within 10 s".
int CutStatus(CutReason reason);
std::string CutMessage(CutReason reason, const RequestLimits& limits);

class GuardedConnection {
 public:
  // `fd` is a connected stream socket; the caller keeps owning (and closes) it.
  GuardedConnection(int fd, RequestLimits limits);

  // Waits up to `idle` for the first byte of the next request (true), polling
  // `keep_waiting` every 100 ms (false from it stops the wait: the server
  // stops). False on timeout, end of stream or error.
  bool WaitForRequest(std::chrono::milliseconds idle, const std::function<bool()>& keep_waiting);
  // Starts the next request: its deadline and header accounting; clears cut().
  void BeginRequest();

  // Bytes can be read (buffered, or arriving within the read timeout and the
  // deadline), resp. written within the write timeout.
  bool Readable() const;
  bool Writable() const;
  // Like recv/send: > 0 bytes, 0 at end of stream, -1 on error, timeout or a
  // cut limit (then cut() says which).
  ssize_t Read(char* out, size_t size);
  ssize_t Write(const char* data, size_t size);

  CutReason cut() const { return cut_; }
  // Asks the server to close the connection after the current answer (an
  // answer to a request that could not be parsed); cleared by BeginRequest.
  void CloseAfterAnswer() { close_after_answer_ = true; }
  bool close_after_answer() const { return close_after_answer_; }
  // Some of the current request's answer was written.
  bool answered() const { return written_ > 0; }
  // Writes a whole HTTP/1.1 response for cut() (JSON error, Connection:
  // close); false when nothing is cut or the write fails.
  bool WriteRefusal();
  // Writes a whole HTTP/1.1 response: `status` `reason_phrase`, the JSON
  // body {"error": message}, Connection: close; false when the write fails.
  bool WriteJsonError(int status, const char* reason_phrase, const std::string& message);
  int fd() const { return fd_; }

 private:
  // Accounts request-line and header bytes; false (and cut_) over a limit.
  bool CountHeaderBytes(const char* data, size_t size);
  // Milliseconds to wait for bytes now: min(read timeout, time to the
  // deadline); 0 once the deadline passed.
  int ReadWaitMs() const;

  const int fd_;
  const RequestLimits limits_;
  std::chrono::steady_clock::time_point deadline_;
  CutReason cut_ = CutReason::kNone;
  bool close_after_answer_ = false;
  bool headers_done_ = true;  // the empty line ending the headers was read
  size_t header_bytes_ = 0;
  size_t line_bytes_ = 0;
  size_t lines_ = 0;    // lines ended, the request line included
  size_t headers_ = 0;  // header lines ended
  size_t written_ = 0;
  char buffer_[4096];
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace verdict::server
