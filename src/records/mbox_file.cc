#include "records/mbox_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include "core/hash.h"
#include "core/mbox.h"
#include "core/text.h"
#include "records/fd.h"

namespace steward::records::mbox {

namespace {

constexpr std::string_view kMagic = "STEWARD-MBOX-JOURNAL 1";
constexpr size_t kKeyHex = 32;
constexpr size_t kChunk = size_t{1} << 20;
// Mail delivered after a kill, kept when a journal is applied: at most this.
constexpr uint64_t kMaxAppended = uint64_t{1} << 30;

core::Status Errno(const std::string& what) {
  int e = errno;
  std::string m = what + ": " + strerror(e);
  return e == ENOENT || e == ENOTDIR ? core::Status::NotFound(m)
                                     : core::Status::Io(m);
}

bool Hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The file's bytes, mapped read-only; empty for an empty file.
struct Mapped {
  const char* data = nullptr;
  size_t size = 0;
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;
  Mapped() = default;
  ~Mapped() {
    if (data) ::munmap(const_cast<char*>(data), size);
  }
  std::string_view view() const { return {data ? data : "", size}; }
};

core::Status Map(int fd, const std::string& what, Mapped& m) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Errno(what);
  m.size = static_cast<size_t>(st.st_size);
  if (m.size == 0) return {};
  void* p = ::mmap(nullptr, m.size, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    m.size = 0;
    return Errno(what);
  }
  m.data = static_cast<const char*>(p);
  return {};
}

core::Status WriteAll(int fd, std::string_view bytes, uint64_t at,
                      const std::string& what) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                         static_cast<off_t>(at + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno(what);
    done += static_cast<size_t>(n);
  }
  return {};
}

core::Status ReadAll(int fd, std::string& out, uint64_t at, size_t len,
                     const std::string& what) {
  out.resize(len);
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, out.data() + done, len - done,
                        static_cast<off_t>(at + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(what);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return {};
}

// The locks a mail program takes before it writes an mbox: "<name>.lock"
// made exclusively beside it, then fcntl on the file. Released (the
// dot-lock removed) when this ends.
class Locked {
 public:
  Locked(int dir, std::string name) : dir_(dir), name_(std::move(name)) {}
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;
  ~Locked() {
    file_ = Fd();  // the fcntl lock goes with the descriptor
    if (dotted_) ::unlinkat(dir_, (name_ + ".lock").c_str(), 0);
  }
  core::Status Take(int wait_seconds) {
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::seconds(std::max(wait_seconds, 0));
    const std::string lock = name_ + ".lock";
    for (;;) {
      Fd l(::openat(dir_, lock.c_str(),
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    0600));
      if (l.ok()) {
        dotted_ = true;
        break;
      }
      if (errno != EEXIST) return Errno(lock);
      if (std::chrono::steady_clock::now() >= until)
        return core::Status::Io(fmt::format(
            "{} is locked by another program ({} exists); try again later",
            name_, lock));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    file_ = Fd(::openat(dir_, name_.c_str(),
                        O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!file_.ok()) return Errno(name_);
    struct stat st {};
    if (::fstat(file_.fd, &st) != 0) return Errno(name_);
    if (!S_ISREG(st.st_mode))
      return core::Status::Invalid(name_ + ": not a regular file");
    for (;;) {
      struct flock fl {};
      fl.l_type = F_WRLCK;
      fl.l_whence = SEEK_SET;
      if (::fcntl(file_.fd, F_SETLK, &fl) == 0) return {};
      if (errno != EACCES && errno != EAGAIN) return Errno(name_);
      if (std::chrono::steady_clock::now() >= until)
        return core::Status::Io(fmt::format(
            "{} is locked by another program (fcntl); try again later", name_));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  int fd() const { return file_.fd; }

 private:
  int dir_;
  std::string name_;
  Fd file_;
  bool dotted_ = false;
};

// Applies the journal of `name` to the locked file; Ok when there is none.
// `fresh`: just written, the file not touched yet; otherwise a kill may
// have come at any point of an earlier Apply.
core::Status Apply(int dir, const std::string& name, int file, bool fresh) {
  const std::string jname = JournalName(name);
  Fd j(::openat(dir, jname.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!j.ok()) return errno == ENOENT ? core::Status::Ok() : Errno(jname);
  std::string head;
  if (auto st = ReadAll(j.fd, head, 0, 256, jname); !st.ok()) return st;
  size_t nl = head.find('\n');
  struct stat jst {};
  if (::fstat(j.fd, &jst) != 0) return Errno(jname);
  std::vector<std::string> f = nl == std::string::npos
                                   ? std::vector<std::string>{}
                                   : core::SplitList(head.substr(0, nl), ' ');
  auto drop = [&]() -> core::Status {
    // Never complete: the mbox was not touched (it is written only after
    // the journal is whole and synced).
    if (::unlinkat(dir, jname.c_str(), 0) != 0) return Errno(jname);
    (void)::fsync(dir);
    return {};
  };
  if (f.size() != 6 || f[0] + " " + f[1] != kMagic) return drop();
  auto offset = core::ParseInt(f[2], 0, INT64_MAX, "offset");
  auto old_size = core::ParseInt(f[3], 0, INT64_MAX, "size");
  auto tail_len = core::ParseInt(f[4], 0, INT64_MAX, "tail");
  if (!offset.ok() || !old_size.ok() || !tail_len.ok() ||
      static_cast<uint64_t>(jst.st_size) != nl + 1 + uint64_t(*tail_len) ||
      uint64_t(*offset) + uint64_t(*tail_len) > uint64_t(*old_size))
    return drop();
  // The tail, checked against its hash, chunk by chunk.
  core::Sha256 h;
  std::string chunk;
  for (uint64_t at = 0; at < uint64_t(*tail_len); at += kChunk) {
    size_t len = static_cast<size_t>(
        std::min<uint64_t>(kChunk, uint64_t(*tail_len) - at));
    if (auto st = ReadAll(j.fd, chunk, nl + 1 + at, len, jname); !st.ok())
      return st;
    if (chunk.size() != len) return drop();
    h.Update(chunk);
  }
  if (h.HexDigest() != f[5]) return drop();
  struct stat st {};
  if (::fstat(file, &st) != 0) return Errno(name);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t done_size = uint64_t(*offset) + uint64_t(*tail_len);
  // Already shifted and cut (killed before the journal was removed)? Then
  // what follows is mail delivered since, and stays. The file is cut only
  // after the shift: shorter than it was, it is done; as long, it is not
  // (mail appended after a cut would have to match the removed message's
  // length exactly); longer, the bytes at the offset tell.
  bool shifted = !fresh && size < uint64_t(*old_size);
  if (!fresh && size > uint64_t(*old_size)) shifted = *tail_len > 0;
  for (uint64_t at = 0;
       shifted && size > uint64_t(*old_size) && at < uint64_t(*tail_len);
       at += kChunk) {
    size_t len = static_cast<size_t>(
        std::min<uint64_t>(kChunk, uint64_t(*tail_len) - at));
    std::string want, have;
    if (auto s1 = ReadAll(j.fd, want, nl + 1 + at, len, jname); !s1.ok())
      return s1;
    if (auto s2 = ReadAll(file, have, uint64_t(*offset) + at, len, name);
        !s2.ok())
      return s2;
    shifted = want == have;
  }
  if (!shifted) {
    // Mail appended after the kill, beyond the file's old end, is kept.
    std::string appended;
    if (size > uint64_t(*old_size)) {
      if (size - uint64_t(*old_size) > kMaxAppended)
        return core::Status::Limit(name + ": too much appended to recover");
      if (auto s = ReadAll(file, appended, uint64_t(*old_size),
                           size - uint64_t(*old_size), name);
          !s.ok())
        return s;
    }
    for (uint64_t at = 0; at < uint64_t(*tail_len); at += kChunk) {
      size_t len = static_cast<size_t>(
          std::min<uint64_t>(kChunk, uint64_t(*tail_len) - at));
      if (auto s = ReadAll(j.fd, chunk, nl + 1 + at, len, jname); !s.ok())
        return s;
      if (auto s = WriteAll(file, chunk, uint64_t(*offset) + at, name); !s.ok())
        return s;
    }
    if (auto s = WriteAll(file, appended, done_size, name); !s.ok()) return s;
    if (::ftruncate(file, static_cast<off_t>(done_size + appended.size())) != 0)
      return Errno(name);
  }
  if (::fsync(file) != 0) return Errno(name);
  if (::unlinkat(dir, jname.c_str(), 0) != 0) return Errno(jname);
  (void)::fsync(dir);
  return {};
}

}  // namespace

std::string Join(const std::string& file, const std::string& key) {
  return file + "#" + key;
}

bool Split(const std::string& path, MessageName* out) {
  size_t at = path.rfind("#m");
  if (at == std::string::npos || at == 0) return false;
  std::string_view key = std::string_view(path).substr(at + 1);
  if (key.size() < 1 + kKeyHex || !Hex(key.substr(1, kKeyHex))) return false;
  std::string_view rest = key.substr(1 + kKeyHex);
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2 || rest.size() > 10) return false;
    for (char c : rest.substr(1))
      if (c < '0' || c > '9') return false;
  }
  if (out) {
    out->file = path.substr(0, at);
    out->key = std::string(key);
  }
  return true;
}

std::vector<Span> Index(std::string_view bytes) {
  std::vector<Span> out;
  std::map<std::string, int> copies;
  core::ForEachMboxRecord(bytes, [&](const core::MboxRecord& r) {
    Span s;
    s.from = r.from;
    s.start = r.start;
    s.end = r.end;
    s.time = core::MboxFromLineTime(r.from_line);
    std::string key =
        KeyOf(core::MboxMessageBytes(bytes.substr(r.start, r.end - r.start)));
    int n = ++copies[key];
    s.key = n == 1 ? key : fmt::format("{}.{}", key, n);
    out.push_back(std::move(s));
    return true;
  });
  return out;
}

std::string KeyOf(std::string_view record_bytes) {
  return "m" + core::Sha256Hex(record_bytes).substr(0, kKeyHex);
}

std::string RecordBytes(std::string_view bytes, const Span& s) {
  return core::MboxMessageBytes(bytes.substr(s.start, s.end - s.start));
}

uint64_t KeyNumber(const std::string& key) {
  uint64_t n = 0;
  for (size_t i = 1; i < key.size() && i <= 16; ++i) {
    char c = key[i];
    n = n * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return n;
}

std::string JournalName(const std::string& name) {
  return "." + name + ".steward-journal";
}

bool IsOwnFile(const std::string& name) {
  constexpr std::string_view kEnd = ".steward-journal";
  return name.size() > kEnd.size() + 1 && name[0] == '.' &&
         name.compare(name.size() - kEnd.size(), kEnd.size(), kEnd) == 0;
}

core::Status Recover(int dir, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir, JournalName(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? core::Status::Ok() : Errno(JournalName(name));
  Locked l(dir, name);
  if (auto s = l.Take(10); !s.ok()) return s;
  return Apply(dir, name, l.fd(), false);
}

core::Status Remove(int dir, const std::string& name, const std::string& key,
                    int wait_seconds) {
  Locked l(dir, name);
  if (auto s = l.Take(wait_seconds); !s.ok()) return s;
  if (auto s = Apply(dir, name, l.fd(), false); !s.ok()) return s;
  std::string header;
  {
    Mapped m;
    if (auto s = Map(l.fd(), name, m); !s.ok()) return s;
    const std::string_view bytes = m.view();
    const Span* found = nullptr;
    std::vector<Span> spans = Index(bytes);
    for (const Span& s : spans)
      if (s.key == key) found = &s;
    if (!found)
      return core::Status::NotFound(name + ": no longer holds message " + key);
    std::string_view tail = bytes.substr(found->end);
    header = fmt::format("{} {} {} {} {}\n", kMagic, found->from, bytes.size(),
                         tail.size(), core::Sha256Hex(tail));
    // The journal, whole and synced before the mbox is touched.
    const std::string jname = JournalName(name);
    Fd j(::openat(dir, jname.c_str(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!j.ok()) return Errno(jname);
    if (auto s = WriteAll(j.fd, header, 0, jname); !s.ok()) return s;
    if (auto s = WriteAll(j.fd, tail, header.size(), jname); !s.ok()) return s;
    if (::fsync(j.fd) != 0) return Errno(jname);
    (void)::fsync(dir);
  }
  return Apply(dir, name, l.fd(), true);
}

}  // namespace steward::records::mbox
