#include "decide/clamd.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace steward::decide {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

core::Status Connect(const std::string& spec, int timeout, Fd& s) {
  timeval tv{timeout, 0};
  if (spec.starts_with("unix:")) {
    std::string path = spec.substr(5);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof(a.sun_path))
      return core::Status::Invalid("clamd socket path too long: " + path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    s.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return core::Status::Io("cannot reach clamd at " + spec + ": " +
                              std::strerror(errno));
    return core::Status::Ok();
  }
  if (!spec.starts_with("inet:"))
    return core::Status::Invalid("clamd socket '" + spec +
                                 "' is not unix:PATH or inet:HOST:PORT");
  std::string hp = spec.substr(5);
  size_t colon = hp.rfind(':');
  if (colon == std::string::npos)
    return core::Status::Invalid("clamd address '" + spec + "' has no port");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(hp.substr(0, colon).c_str(), hp.substr(colon + 1).c_str(),
                  &hints, &res) != 0 ||
      !res)
    return core::Status::Io("cannot resolve clamd address " + spec);
  s.fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int rc = connect(s.fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0)
    return core::Status::Io("cannot reach clamd at " + spec + ": " +
                            std::strerror(errno));
  return core::Status::Ok();
}

bool SendAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

core::Result<std::string> ClamdScan(const std::string& socket,
                                    std::string_view bytes,
                                    int timeout_seconds) {
  Fd s;
  if (auto st = Connect(socket, timeout_seconds, s); !st.ok()) return st;
  static constexpr char kCommand[] = "zINSTREAM";
  bool ok = SendAll(s.fd, kCommand, sizeof kCommand);  // with its NUL
  constexpr size_t kChunk = size_t{64} * 1024;
  for (size_t off = 0; ok && off < bytes.size(); off += kChunk) {
    size_t n = std::min(kChunk, bytes.size() - off);
    uint32_t len = htonl(static_cast<uint32_t>(n));
    ok = SendAll(s.fd, &len, 4) && SendAll(s.fd, bytes.data() + off, n);
  }
  uint32_t end = 0;
  ok = ok && SendAll(s.fd, &end, 4);
  std::string reply;
  char buf[512];
  for (;;) {
    ssize_t r = recv(s.fd, buf, sizeof buf, 0);
    if (r <= 0) break;
    reply.append(buf, static_cast<size_t>(r));
    if (reply.find('\0') != std::string::npos || reply.size() > 4096) break;
  }
  if (size_t z = reply.find('\0'); z != std::string::npos) reply.resize(z);
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r'))
    reply.pop_back();
  if (reply.empty())
    return core::Status::Io(
        ok ? "clamd closed the connection without an answer"
           : "clamd stopped reading the message (size limit or time-out)");
  if (reply.ends_with(" OK")) return std::string();
  if (reply.ends_with(" FOUND")) {
    std::string name = reply.substr(0, reply.size() - 6);
    if (size_t c = name.find(": "); c != std::string::npos)
      name = name.substr(c + 2);
    return name;
  }
  return core::Status::Io("clamd: " + reply);
}

}  // namespace steward::decide
