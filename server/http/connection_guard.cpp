// GuardedConnection (server/http/connection_guard.h).
#include "server/http/connection_guard.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace verdict::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

// poll() for `events` up to `ms`; > 0 ready, 0 timeout, < 0 error.
int WaitFor(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, ms);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0 && (p.revents & (POLLERR | POLLNVAL)) != 0 && (p.revents & events) == 0) return -1;
    return n;
  }
}

int Millis(std::chrono::milliseconds d) {
  return static_cast<int>(std::clamp<long long>(d.count(), 0, 1 << 30));
}

// "10 s", or "1500 ms" when not whole seconds.
std::string DurationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

int CutStatus(CutReason reason) {
  switch (reason) {
    case CutReason::kNone:
      return 0;
    case CutReason::kTimedOut:
      return 408;
    case CutReason::kRequestLineTooLong:
      return 414;
    case CutReason::kHeadersTooLarge:
      return 431;
  }
  return 400;
}

std::string CutMessage(CutReason reason, const RequestLimits& limits) {
  switch (reason) {
    case CutReason::kNone:
      return "";
    case CutReason::kTimedOut:
      return "request not received within " + DurationText(limits.request_timeout) +
             " (its line, headers and body)";
    case CutReason::kRequestLineTooLong:
      return "request line longer than " + std::to_string(limits.max_header_bytes) + " bytes";
    case CutReason::kHeadersTooLarge:
      return "request headers over the limits: " + std::to_string(limits.max_header_bytes) +
             " bytes in all, " + std::to_string(limits.max_header_line) + " bytes a line, " +
             std::to_string(limits.max_header_count) + " headers";
  }
  return "bad request";
}

GuardedConnection::GuardedConnection(int fd, RequestLimits limits)
    : fd_(fd), limits_(limits), deadline_(SteadyClock::now() + limits.request_timeout) {}

bool GuardedConnection::WaitForRequest(std::chrono::milliseconds idle,
                                       const std::function<bool()>& keep_waiting) {
  if (begin_ < end_) return true;
  const auto until = SteadyClock::now() + idle;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyClock::now());
    if (left.count() <= 0 || !keep_waiting()) return false;
    const int n = WaitFor(fd_, POLLIN, std::min(100, Millis(left)));
    if (n < 0) return false;
    if (n > 0) {
      // Readable may also mean the peer closed: peek to tell.
      char byte;
      const ssize_t got = ::recv(fd_, &byte, 1, MSG_PEEK);
      return got > 0;
    }
  }
}

void GuardedConnection::BeginRequest() {
  deadline_ = SteadyClock::now() + limits_.request_timeout;
  cut_ = CutReason::kNone;
  close_after_answer_ = false;
  headers_done_ = false;
  header_bytes_ = 0;
  line_bytes_ = 0;
  lines_ = 0;
  headers_ = 0;
  written_ = 0;
}

int GuardedConnection::ReadWaitMs() const {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - SteadyClock::now());
  return std::min(Millis(limits_.read_timeout), Millis(left));
}

bool GuardedConnection::Readable() const {
  if (cut_ != CutReason::kNone) return false;
  if (begin_ < end_) return true;
  const int wait = ReadWaitMs();
  return wait > 0 && WaitFor(fd_, POLLIN, wait) > 0;
}

bool GuardedConnection::Writable() const {
  return WaitFor(fd_, POLLOUT, Millis(limits_.write_timeout)) > 0;
}

ssize_t GuardedConnection::Read(char* out, size_t size) {
  if (cut_ != CutReason::kNone) return -1;
  if (begin_ == end_) {
    const int wait = ReadWaitMs();
    // A wait that runs out (per read or at the deadline) cuts the request.
    if (wait <= 0 || WaitFor(fd_, POLLIN, wait) == 0) {
      cut_ = CutReason::kTimedOut;
      return -1;
    }
    ssize_t n;
    do {
      n = ::recv(fd_, buffer_, sizeof(buffer_), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return n;
    begin_ = 0;
    end_ = static_cast<size_t>(n);
  }
  const size_t n = std::min(size, end_ - begin_);
  if (!headers_done_ && !CountHeaderBytes(buffer_ + begin_, n)) return -1;
  std::memcpy(out, buffer_ + begin_, n);
  begin_ += n;
  return static_cast<ssize_t>(n);
}

bool GuardedConnection::CountHeaderBytes(const char* data, size_t size) {
  for (size_t i = 0; i < size && !headers_done_; ++i) {
    ++header_bytes_;
    ++line_bytes_;
    if (data[i] == '\n') {
      // The request line is line 0; an empty line ("\r\n") ends the headers.
      if (lines_ > 0 && line_bytes_ <= 2) headers_done_ = true;
      if (lines_ > 0 && line_bytes_ > 2 && ++headers_ > limits_.max_header_count) {
        cut_ = CutReason::kHeadersTooLarge;
      }
      ++lines_;
      line_bytes_ = 0;
    } else if (lines_ == 0) {
      if (line_bytes_ > limits_.max_header_bytes) cut_ = CutReason::kRequestLineTooLong;
    } else if (header_bytes_ > limits_.max_header_bytes || line_bytes_ > limits_.max_header_line) {
      cut_ = CutReason::kHeadersTooLarge;
    }
    if (cut_ != CutReason::kNone) return false;
  }
  return true;
}

ssize_t GuardedConnection::Write(const char* data, size_t size) {
  if (!Writable()) return -1;
  ssize_t n;
  do {
    n = ::send(fd_, data, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n > 0) written_ += static_cast<size_t>(n);
  return n;
}

bool GuardedConnection::WriteRefusal() {
  const int status = CutStatus(cut_);
  if (status == 0) return false;
  const char* text = status == 408   ? "Request Timeout"
                     : status == 414 ? "URI Too Long"
                                     : "Request Header Fields Too Large";
  return WriteJsonError(status, text, CutMessage(cut_, limits_));
}

bool GuardedConnection::WriteJsonError(int status, const char* reason_phrase,
                                       const std::string& message) {
  const std::string body = nlohmann::json{{"error", message}}.dump();
  const std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t n = Write(response.data() + sent, response.size() - sent);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace verdict::server
