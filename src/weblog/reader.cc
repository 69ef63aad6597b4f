#include "weblog/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace steward::weblog {

uint64_t InputSize(const std::string& path) {
  struct stat st {};
  if (path == "-" || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return 0;
  return static_cast<uint64_t>(st.st_size);
}

core::Status ReadLog(const std::string& path, Aggregator& agg,
                     const std::function<void(uint64_t)>& progress) {
  int fd =
      path == "-" ? STDIN_FILENO : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::Status::Io(path + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (fd != STDIN_FILENO) close(fd);
    return core::Status::Io(path + ": is a folder");
  }
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  agg.BeginInput(path == "-" ? "(stdin)" : path);
  constexpr size_t kPiece = 1 << 20;
  // The unfinished line (at most kMaxLine) followed by a fresh piece.
  std::vector<char> buf(kMaxLine + kPiece);
  size_t held = 0;        // bytes of the unfinished line at buf's start
  bool skipping = false;  // inside a line past kMaxLine, until its end
  uint64_t line_no = 0, total = 0;
  core::Status status;
  for (;;) {
    ssize_t n = read(fd, buf.data() + held, kPiece);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = core::Status::Io(path + ": " + std::strerror(errno));
      break;
    }
    total += static_cast<uint64_t>(n);
    size_t end = held + static_cast<size_t>(n);
    size_t start = 0;
    if (n == 0) {
      // The last line, with no line end.
      if (held > 0 && !skipping)
        agg.AddLine(std::string_view(buf.data(), held), ++line_no);
      break;
    }
    for (;;) {
      const char* nl = static_cast<const char*>(
          std::memchr(buf.data() + start, '\n', end - start));
      if (!nl) break;
      size_t len = static_cast<size_t>(nl - (buf.data() + start));
      if (skipping) {
        skipping = false;
      } else {
        std::string_view line(buf.data() + start, len);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        agg.AddLine(line, ++line_no);
      }
      start += len + 1;
    }
    held = end - start;
    if (skipping) {
      held = 0;
    } else if (held > kMaxLine) {
      agg.AddMalformed(++line_no, "line longer than 65536 bytes");
      skipping = true;
      held = 0;
    } else if (held > 0) {
      std::memmove(buf.data(), buf.data() + start, held);
    }
    if (progress) progress(total);
  }
  if (fd != STDIN_FILENO) close(fd);
  return status;
}

}  // namespace steward::weblog
