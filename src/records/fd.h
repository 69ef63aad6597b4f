// An owned file descriptor, for the register's sources (records/source.cc,
// records/mbox_file.cc), which open everything relative to a folder
// descriptor and never follow a link.
#pragma once

#include <unistd.h>

#include <utility>

namespace steward::records {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  bool ok() const { return fd >= 0; }
};

}  // namespace steward::records
