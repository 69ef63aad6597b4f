#include "core/listen.h"

#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/text.h"

namespace steward::core {

Result<int> ListenTcp(const std::string& host, int port, int backlog) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(),
                  &hints, &res) != 0 ||
      !res)
    return Status::Invalid("cannot resolve '" + host + "'");
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool ok = fd >= 0 && bind(fd, res->ai_addr, res->ai_addrlen) == 0 &&
                  ::listen(fd, backlog) == 0;
  const int err = errno;
  freeaddrinfo(res);
  if (!ok) {
    if (fd >= 0) ::close(fd);
    return Status::Io("cannot listen on " + host + ":" + service + " (" +
                      std::strerror(err) + ")");
  }
  return fd;
}

bool UnixPathFits(std::string_view path) {
  return !path.empty() && path.size() < sizeof(sockaddr_un::sun_path);
}

Result<int> ListenUnix(const std::string& path, int mode,
                       const std::string& group, int backlog) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!UnixPathFits(path))
    return Status::Invalid("socket path '" + path +
                           "' is empty or longer than " +
                           std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, path.data(), path.size());
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return Status::Invalid(path + " exists and is not a socket");
    unlink(path.c_str());
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Io("cannot make a socket for " + path);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, backlog) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::Io("cannot listen on " + path + " (" + std::strerror(err) +
                      ")");
  }
  if (chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    const int err = errno;
    ::close(fd);
    unlink(path.c_str());
    return Status::Io("cannot set the mode of " + path + " (" +
                      std::strerror(err) + ")");
  }
  if (!group.empty()) {
    struct group* g = getgrnam(group.c_str());
    if (!g || chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
      ::close(fd);
      unlink(path.c_str());
      return Status::Invalid("cannot give " + path + " to group '" + group +
                             "'" + (g ? "" : " (no such group)"));
    }
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  if (addr.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return 0;
}

bool SplitHostPort(const std::string& spec, std::string* host, int* port) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos) return false;
  std::string h = spec.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']')
    h = h.substr(1, h.size() - 2);
  auto p = ParseInt(spec.substr(colon + 1), 0, 65535, "port");
  if (!p.ok()) return false;
  *host = h;
  *port = static_cast<int>(*p);
  return true;
}

uint64_t RaiseFileLimit() {
  struct rlimit lim {};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return static_cast<uint64_t>(lim.rlim_cur);
}

}  // namespace steward::core
