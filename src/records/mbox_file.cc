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
#include <optional>
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

// The journal: a header line, then the bytes after the message removed.
//   STEWARD-MBOX-JOURNAL 1 PHASE INODE OFFSET OLD_SIZE TAIL_LEN TAIL_SHA
//   LEFT_SHA
// PHASE is one byte at a fixed place, rewritten as the removal goes:
//   P  prepared: the file is untouched;
//   S  shifting: the tail is being written over the message (the file is
//      partly shifted, never cut);
//   C  cutting: shifted whole; the file may or may not be cut yet;
//   D  done.
// LEFT_SHA is the hash of the file's last bytes that the cut removes (as
// many as the message): in phase C they tell an uncut file from a cut one
// that mail was appended to after a kill.
constexpr size_t kPhaseAt = kMagic.size() + 1;

core::Status SetPhase(int j, char phase, const std::string& jname) {
  if (auto s = WriteAll(j, std::string_view(&phase, 1), kPhaseAt, jname);
      !s.ok())
    return s;
  return ::fsync(j) == 0 ? core::Status::Ok() : Errno(jname);
}

// Reads `len` bytes from `from` in `fd`, chunk by chunk in increasing
// order, giving each to `use` with its offset within the range.
template <typename Use>
core::Status EachChunk(int fd, uint64_t from, uint64_t len,
                       const std::string& what, Use use) {
  std::string chunk;
  for (uint64_t at = 0; at < len; at += kChunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, len - at));
    if (auto s = ReadAll(fd, chunk, from + at, n, what); !s.ok()) return s;
    if (chunk.size() != n)
      return core::Status::Corrupt(what + ": shorter than recorded");
    if (auto s = use(chunk, at); !s.ok()) return s;
  }
  return {};
}

core::Status HashRange(int fd, uint64_t from, uint64_t len,
                       const std::string& what, std::string* hex) {
  core::Sha256 h;
  auto st =
      EachChunk(fd, from, len, what, [&](const std::string& chunk, uint64_t) {
        h.Update(chunk);
        return core::Status::Ok();
      });
  if (!st.ok()) return st;
  *hex = h.HexDigest();
  return {};
}

// Copies `len` bytes from `from` in `src` to `to` in `dst`, chunk by chunk
// in increasing order (safe within one file when `to` < `from`).
core::Status Copy(int src, uint64_t from, int dst, uint64_t to, uint64_t len,
                  const std::string& what) {
  return EachChunk(src, from, len, what,
                   [&](const std::string& chunk, uint64_t at) {
                     return WriteAll(dst, chunk, to + at, what);
                   });
}

// Brings the locked file to a state a removal may leave it in, from its
// journal (none: Ok), and removes the journal. What others wrote after a
// kill is kept: mail appended beyond the file's old end.
core::Status Apply(int dir, const std::string& name, int file) {
  const std::string jname = JournalName(name);
  Fd j(::openat(dir, jname.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  if (!j.ok()) return errno == ENOENT ? core::Status::Ok() : Errno(jname);
  auto drop = [&]() -> core::Status {
    if (::unlinkat(dir, jname.c_str(), 0) != 0) return Errno(jname);
    (void)::fsync(dir);
    return {};
  };
  std::string head;
  if (auto st = ReadAll(j.fd, head, 0, 512, jname); !st.ok()) return st;
  size_t nl = head.find('\n');
  struct stat jst {};
  if (::fstat(j.fd, &jst) != 0) return Errno(jname);
  std::vector<std::string> f = nl == std::string::npos
                                   ? std::vector<std::string>{}
                                   : core::SplitList(head.substr(0, nl), ' ');
  // Not whole: written before the file was touched (phase P at most).
  if (f.size() != 9 || f[0] + " " + f[1] != kMagic || f[2].size() != 1)
    return drop();
  const char phase = f[2][0];
  auto ino = core::ParseInt(f[3], 0, INT64_MAX, "inode");
  auto offset = core::ParseInt(f[4], 0, INT64_MAX, "offset");
  auto old_size = core::ParseInt(f[5], 0, INT64_MAX, "size");
  auto tail_len = core::ParseInt(f[6], 0, INT64_MAX, "tail");
  if (!ino.ok() || !offset.ok() || !old_size.ok() || !tail_len.ok() ||
      static_cast<uint64_t>(jst.st_size) != nl + 1 + uint64_t(*tail_len) ||
      uint64_t(*offset) + uint64_t(*tail_len) >= uint64_t(*old_size))
    return drop();
  struct stat st {};
  if (::fstat(file, &st) != 0) return Errno(name);
  // Prepared or done; or another file now (replaced): nothing to finish.
  if (phase == 'P' || phase == 'D' ||
      static_cast<uint64_t>(st.st_ino) != uint64_t(*ino))
    return drop();
  std::string tail_sha;
  if (auto s = HashRange(j.fd, nl + 1, uint64_t(*tail_len), jname, &tail_sha);
      !s.ok() || tail_sha != f[7])
    return core::Status::Corrupt(
        jname + ": damaged while " + name +
        " was being changed; the file is left as it is for a person to check");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t done = uint64_t(*offset) + uint64_t(*tail_len);
  const uint64_t cut = uint64_t(*old_size) - done;  // the message's length
  if (phase == 'C') {
    // Cut already (and perhaps appended to since)? The bytes the cut
    // removes are still there only when it has not happened.
    std::string left;
    if (size < uint64_t(*old_size) ||
        !HashRange(file, done, cut, name, &left).ok() || left != f[8])
      return drop();
  } else if (phase == 'S') {
    if (size < uint64_t(*old_size))
      return core::Status::Corrupt(
          name +
          ": shorter than when a removal was interrupted; left as it "
          "is for a person to check (" +
          jname + ")");
    if (auto s = Copy(j.fd, nl + 1, file, uint64_t(*offset),
                      uint64_t(*tail_len), name);
        !s.ok())
      return s;
  } else {
    return core::Status::Corrupt(jname + ": unknown phase");
  }
  // The shift is whole: mail appended after the old end moves up to follow
  // the tail, then the file is cut.
  if (size > uint64_t(*old_size)) {
    if (auto s = Copy(file, uint64_t(*old_size), file, done,
                      size - uint64_t(*old_size), name);
        !s.ok())
      return s;
  }
  if (::ftruncate(file,
                  static_cast<off_t>(done + (size - uint64_t(*old_size)))) != 0)
    return Errno(name);
  if (::fsync(file) != 0) return Errno(name);
  return drop();
}

// Removes the first copy of `key` from the locked file; NotFound when there
// is none.
core::Status RemoveOne(int dir, const std::string& name, int file,
                       const std::string& key) {
  const std::string jname = JournalName(name);
  Fd j;
  uint64_t offset = 0, size = 0, tail_len = 0;
  {
    Mapped m;
    if (auto s = Map(file, name, m); !s.ok()) return s;
    const std::string_view bytes = m.view();
    std::optional<Span> found;
    for (const Span& s : Index(bytes))
      if (s.key == key) {
        found = s;
        break;
      }
    if (!found)
      return core::Status::NotFound(name + ": no longer holds message " + key);
    struct stat st {};
    if (::fstat(file, &st) != 0) return Errno(name);
    offset = found->from;
    size = bytes.size();
    std::string_view tail = bytes.substr(found->end);
    tail_len = tail.size();
    const uint64_t cut = found->end - found->from;
    std::string header = fmt::format("{} P {} {} {} {} {} {}\n", kMagic,
                                     static_cast<uint64_t>(st.st_ino), offset,
                                     size, tail_len, core::Sha256Hex(tail),
                                     core::Sha256Hex(bytes.substr(size - cut)));
    // The journal, whole and synced before the mbox is touched.
    j = Fd(::openat(dir, jname.c_str(),
                    O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!j.ok()) return Errno(jname);
    if (auto s = WriteAll(j.fd, header, 0, jname); !s.ok()) return s;
    if (auto s = WriteAll(j.fd, tail, header.size(), jname); !s.ok()) return s;
    if (::fsync(j.fd) != 0) return Errno(jname);
    (void)::fsync(dir);
  }
  if (auto s = SetPhase(j.fd, 'S', jname); !s.ok()) return s;
  // The journal's copy of the tail, never the file's own bytes being
  // overwritten.
  std::string head;
  if (auto s = ReadAll(j.fd, head, 0, 512, jname); !s.ok()) return s;
  const uint64_t body = head.find('\n') + 1;
  if (auto s = Copy(j.fd, body, file, offset, tail_len, name); !s.ok())
    return s;
  if (::fsync(file) != 0) return Errno(name);
  if (auto s = SetPhase(j.fd, 'C', jname); !s.ok()) return s;
  if (::ftruncate(file, static_cast<off_t>(offset + tail_len)) != 0)
    return Errno(name);
  if (::fsync(file) != 0) return Errno(name);
  if (auto s = SetPhase(j.fd, 'D', jname); !s.ok()) return s;
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
  if (key.size() != 1 + kKeyHex || !Hex(key.substr(1))) return false;
  if (out) {
    out->file = path.substr(0, at);
    out->key = std::string(key);
  }
  return true;
}

std::vector<Span> Index(std::string_view bytes) {
  std::vector<Span> out;
  core::ForEachMboxRecord(bytes, [&](const core::MboxRecord& r) {
    Span s;
    s.from = r.from;
    s.start = r.start;
    s.end = r.end;
    s.time = core::MboxFromLineTime(r.from_line);
    s.key = "m" + core::MboxRecordSha256(bytes.substr(r.start, r.end - r.start))
                      .substr(0, kKeyHex);
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
  std::string j = "." + name + ".steward-journal";
  // A name near the file system's limit: its hash instead.
  if (j.size() > 255)
    j = "." + core::Sha256Hex(name).substr(0, 32) + ".steward-journal";
  return j;
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
  return Apply(dir, name, l.fd());
}

core::Status Remove(int dir, const std::string& name, const std::string& key,
                    int wait_seconds) {
  Locked l(dir, name);
  if (auto s = l.Take(wait_seconds); !s.ok()) return s;
  if (auto s = Apply(dir, name, l.fd()); !s.ok()) return s;
  // Every copy: identical bytes are one message.
  auto first = RemoveOne(dir, name, l.fd(), key);
  if (!first.ok()) return first;
  for (;;) {
    auto more = RemoveOne(dir, name, l.fd(), key);
    if (more.code() == core::Code::kNotFound) return {};
    if (!more.ok()) return more;
  }
}

}  // namespace steward::records::mbox
