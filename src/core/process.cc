#include "core/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace steward::core {

std::string FindProgram(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t colon = dirs.find(':', pos);
    std::string dir = dirs.substr(
        pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (!dir.empty()) {
      std::string full = dir + "/" + std::string(program);
      if (access(full.c_str(), X_OK) == 0) return full;
    }
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  return {};
}

namespace {

// A temporary file holding `bytes`, removed when it goes out of scope.
class TempFile {
 public:
  Status Write(std::string_view bytes) {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/steward-XXXXXX";
    int fd = mkostemp(path_.data(), O_CLOEXEC);
    if (fd < 0) {
      path_.clear();
      return Status::Io(std::string("cannot create a temporary file: ") +
                        std::strerror(errno));
    }
    fchmod(fd, 0600);
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = write(fd, bytes.data() + off, bytes.size() - off);
      if (n <= 0) {
        close(fd);
        return Status::Io("cannot write a temporary file");
      }
      off += static_cast<size_t>(n);
    }
    close(fd);
    return Status::Ok();
  }
  const std::string& path() const { return path_; }
  ~TempFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }

 private:
  std::string path_;
};

}  // namespace

Result<RunResult> RunProgram(std::vector<std::string> argv,
                             std::string_view input, const RunLimits& limits) {
  if (argv.empty() || argv[0].empty())
    return Status::NotFound("no program to run");
  const std::string name = argv[0].substr(argv[0].rfind('/') + 1);
  TempFile temp;
  bool use_file = false;
  for (auto& a : argv)
    if (a == "{}") use_file = true;
  if (use_file) {
    if (Status s = temp.Write(input); !s.ok()) return s;
    for (auto& a : argv)
      if (a == "{}") a = temp.path();
    input = {};
  }
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return Status::Io("pipe failed");
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return Status::Io("pipe failed");
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  char* const env[] = {const_cast<char*>("LANG=C.UTF-8"),
                       const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
  pid_t pid = fork();
  if (pid < 0) return Status::Io("cannot start " + name);
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    rlimit mem{limits.max_memory, limits.max_memory};
    setrlimit(RLIMIT_AS, &mem);
    rlimit cpu{limits.seconds, limits.seconds + 1};
    setrlimit(RLIMIT_CPU, &cpu);
    rlimit core{0, 0};
    setrlimit(RLIMIT_CORE, &core);
    execve(args[0], args.data(), env);
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  // SIGPIPE from a child that stops reading early must not end us.
  signal(SIGPIPE, SIG_IGN);
  RunResult r;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(limits.seconds);
  size_t written = 0;
  int in_fd = in_pipe[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  bool timed_out = false;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
    int n = poll(fds, in_fd >= 0 ? 2 : 1, static_cast<int>(left));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (in_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in_fd, input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN) written = input.size();
      if (written >= input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t got = read(out_pipe[0], buf, sizeof buf);
      if (got == 0) break;  // the child closed its output
      if (got < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        break;
      }
      size_t room = limits.max_output - r.output.size();
      if (static_cast<size_t>(got) > room) {
        r.output.append(buf, room);
        r.truncated = true;
        break;
      }
      r.output.append(buf, static_cast<size_t>(got));
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out_pipe[0]);
  if (timed_out || r.truncated) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return Status::Limit(name + " took longer than " +
                         std::to_string(limits.seconds) + " s and was stopped");
  if (WIFSIGNALED(status)) {
    r.exit_code = -WTERMSIG(status);
    if (!r.truncated)
      return Status::Internal(name + " ended on signal " +
                              std::to_string(WTERMSIG(status)));
  } else {
    r.exit_code = WEXITSTATUS(status);
    if (r.exit_code == 127)
      return Status::NotFound(name + " could not be started");
  }
  return r;
}

}  // namespace steward::core
