#include "tests/integration/verdict_daemon.h"

#include <httplib.h>
#include <signal.h>

namespace verdict::integration {
HttpAnswer HttpCall(int port, const std::string& method, const std::string& path,
                    const std::string& body, const std::map<std::string, std::string>& headers,
                    int timeout_s) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(timeout_s, 0);
  client.set_write_timeout(timeout_s, 0);
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  const auto start = std::chrono::steady_clock::now();
  httplib::Result res = method == "GET"   ? client.Get(path.c_str(), h)
                        : method == "PUT" ? client.Put(path.c_str(), h, body, "application/json")
                                          : client.Post(path.c_str(), h, body, "application/json");
  HttpAnswer answer;
  answer.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (res) {
    answer.status = res->status;
    answer.body = res->body;
    answer.content_type = res->get_header_value("Content-Type");
  }
  return answer;
}

StatusOr<std::unique_ptr<VerdictDaemon>> VerdictDaemon::Start(const std::vector<std::string>& flags,
                                                              const std::string& log_path) {
  return StartCommand("serve", flags, log_path);
}

StatusOr<std::unique_ptr<VerdictDaemon>> VerdictDaemon::StartCommand(
    const std::string& command, const std::vector<std::string>& flags,
    const std::string& log_path) {
  const std::string kListening = "verdict " + command + ": listening on http://127.0.0.1:";
  std::vector<std::string> argv = {VERDICT_BINARY_PATH, command, "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto child = ChildProcess::Spawn(argv, log_path);
  if (!child.ok()) return child.status();
  std::unique_ptr<VerdictDaemon> daemon(new VerdictDaemon());
  daemon->process_ = std::move(*child);
  int code = 0;
  bool exited = false;
  const bool up = PollUntil(
      [&] {
        const std::string log = ReadFileOrEmpty(log_path);
        const size_t at = log.find(kListening);
        if (at != std::string::npos && log.find('\n', at) != std::string::npos) {
          daemon->port_ = std::atoi(log.c_str() + at + kListening.size());
          return true;
        }
        exited = daemon->process_->Exited(&code);
        return exited;
      },
      std::chrono::milliseconds(30000));
  if (!up || exited || daemon->port_ <= 0) {
    const std::string log = ReadFileOrEmpty(log_path);
    return UnavailableError("verdict " + command + " did not start (exited=" +
                            std::to_string(exited) + " code=" + std::to_string(code) +
                            "): " + log.substr(log.size() > 2000 ? log.size() - 2000 : 0));
  }
  return daemon;
}

VerdictDaemon::~VerdictDaemon() {
  if (process_) process_->Stop();
}

void VerdictDaemon::Signal(int signal) { ::kill(process_->pid(), signal); }

void VerdictDaemon::Kill() {
  ::kill(process_->pid(), SIGKILL);
  PollUntil([&] { return process_->Exited(); }, std::chrono::milliseconds(10000));
}

bool VerdictDaemon::WaitExit(std::chrono::milliseconds timeout, int* code) {
  return PollUntil([&] { return process_->Exited(code); }, timeout);
}

}  // namespace verdict::integration
