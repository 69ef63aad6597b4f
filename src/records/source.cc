#include "records/source.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "core/mbox.h"
#include "core/text.h"
#include "records/fd.h"
#include "records/mbox_file.h"

namespace steward::records {

namespace fs = std::filesystem;

namespace {

// A relative path with no empty, "." or ".." part: what the register
// stored, never a way out of the folder.
bool SafeRelative(const std::string& path) {
  if (path.empty() || path[0] == '/') return false;
  for (const auto& part : fs::path(path)) {
    const std::string p = part.string();
    if (p.empty() || p == "." || p == "..") return false;
  }
  return true;
}

// The folder `rel` below `dir`, each part opened without following a link.
// "" is `dir` itself. errno is kept on failure.
Fd OpenDirAt(int dir, const std::string& rel) {
  Fd cur(::dup(dir));
  if (!cur.ok() || rel.empty()) return cur;
  for (const auto& part : fs::path(rel)) {
    Fd next(::openat(cur.fd, part.c_str(),
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.ok()) return Fd();
    cur = std::move(next);
  }
  return cur;
}

enum class Kind { kOther, kFile, kDir };

struct Child {
  std::string name;
  Kind kind;
};

// The entries of an open folder, links and devices as kOther, in name
// order. False (errno kept) when it cannot be read.
bool Children(int dir, std::vector<Child>& out) {
  int copy = ::dup(dir);
  if (copy < 0) return false;
  DIR* d = ::fdopendir(copy);
  if (!d) {
    ::close(copy);
    return false;
  }
  ::rewinddir(d);
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    out.push_back({name, S_ISREG(st.st_mode)   ? Kind::kFile
                         : S_ISDIR(st.st_mode) ? Kind::kDir
                                               : Kind::kOther});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const Child& a, const Child& b) { return a.name < b.name; });
  return true;
}

bool IsDirAt(int dir, const char* name) {
  struct stat st {};
  return ::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISDIR(st.st_mode);
}

// Maildir++ folder directory ".Board.2024" as "Board/2024".
std::string MaildirFolder(const std::string& dir) {
  if (dir.empty()) return "INBOX";
  std::string f = dir.substr(1);
  std::replace(f.begin(), f.end(), '.', '/');
  return f;
}

// When a Maildir message was delivered: the seconds its unique name starts
// with ("1664816400.M1P1.host"), else the file's time.
int64_t Delivered(const std::string& name, int64_t mtime) {
  size_t dot = name.find('.');
  if (dot >= 9 && dot <= 11) {
    auto t = core::ParseInt(std::string_view(name).substr(0, dot), 0,
                            4102444800, "time");  // before 2100
    if (t.ok()) return *t;
  }
  return mtime;
}

// Whether the open file is an mbox (its first bytes).
bool MboxAt(int dir, const std::string& name) {
  Fd f(::openat(dir, name.c_str(),
                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!f.ok()) return false;
  char head[1024];
  ssize_t n = ::read(f.fd, head, sizeof head);
  return n > 0 && core::LooksLikeMbox(std::string_view(head, size_t(n)));
}

// A folder, or one mbox file (`only`: its name in the folder `root`).
class FolderSource : public Source {
 public:
  FolderSource(std::string name, Fd root, std::string only = "")
      : name_(std::move(name)),
        root_(std::move(root)),
        only_(std::move(only)) {}
  const std::string& Name() const override { return name_; }

  core::Result<std::vector<Entry>> List(
      std::vector<std::string>& errors) override {
    std::vector<Entry> out;
    if (!only_.empty())
      ListMbox(root_.fd, "", only_, "INBOX", out, errors);
    else if (IsDirAt(root_.fd, "cur") && IsDirAt(root_.fd, "new"))
      ListMaildir(out, errors);
    else
      ListTree(out, errors);
    return out;
  }

  core::Result<std::string> Read(const std::string& path, uint64_t max_bytes,
                                 Identity* identity) override {
    mbox::MessageName mn;
    if (IsMboxPath(path, &mn)) return ReadMessage(mn, max_bytes, identity);
    if (!only_.empty())
      return core::Status::Invalid(path + ": not a message of " + name_);
    Fd dir;
    std::string name;
    if (auto st = Parent(path, dir, name); !st.ok()) return st;
    Fd f(::openat(dir.fd, name.c_str(),
                  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!f.ok()) return Errno(path);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return Errno(path);
    if (!S_ISREG(st.st_mode))
      return core::Status::Invalid(path + ": not a regular file");
    if (static_cast<uint64_t>(st.st_size) > max_bytes)
      return core::Status::Limit(fmt::format("{}: {} bytes, larger than {}",
                                             path, st.st_size, max_bytes));
    std::string bytes;
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < bytes.size()) {
      ssize_t n = ::read(f.fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno(path);
      if (n == 0) break;  // shrank while read
      got += static_cast<size_t>(n);
    }
    bytes.resize(got);
    if (identity)
      *identity = {static_cast<uint64_t>(st.st_dev),
                   static_cast<uint64_t>(st.st_ino)};
    return bytes;
  }

  core::Result<bool> Exists(const std::string& path) override {
    mbox::MessageName mn;
    if (IsMboxPath(path, &mn)) {
      auto r = ReadMessage(mn, UINT64_MAX, nullptr);
      if (r.ok()) return true;
      if (r.status().code() == core::Code::kNotFound) return false;
      return r.status();
    }
    Fd dir;
    std::string name;
    if (auto st = Parent(path, dir, name); !st.ok())
      return st.code() == core::Code::kNotFound ? core::Result<bool>(false)
                                                : core::Result<bool>(st);
    struct stat st {};
    if (::fstatat(dir.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
      return true;
    if (errno == ENOENT) return false;
    return Errno(path);
  }

  core::Status Remove(const std::string& path,
                      const Identity& identity) override {
    mbox::MessageName mn;
    if (IsMboxPath(path, &mn)) return RemoveMessage(mn, identity);
    Fd dir;
    std::string name;
    if (auto st = Parent(path, dir, name); !st.ok()) return st;
    struct stat st {};
    if (::fstatat(dir.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return Errno(path);
    if (!S_ISREG(st.st_mode))
      return core::Status::Invalid(path + ": no longer a regular file");
    if (Identity{static_cast<uint64_t>(st.st_dev),
                 static_cast<uint64_t>(st.st_ino)} != identity)
      return core::Status::Invalid(
          path + ": replaced by another file after it was read");
    if (::unlinkat(dir.fd, name.c_str(), 0) != 0) return Errno(path);
    // The removal reaches the disk before it is confirmed.
    (void)::fsync(dir.fd);
    return {};
  }

 private:
  static core::Status Errno(const std::string& path) {
    int e = errno;
    std::string m = path + ": " + strerror(e);
    return e == ENOENT || e == ENOTDIR ? core::Status::NotFound(m)
                                       : core::Status::Io(m);
  }

  // The folder holding `path`, opened safely, and the file's name in it.
  core::Status Parent(const std::string& path, Fd& dir, std::string& name) {
    if (!SafeRelative(path))
      return core::Status::Invalid(path + ": not a path inside " + name_);
    fs::path p(path);
    name = p.filename().string();
    dir = OpenDirAt(root_.fd, p.parent_path().string());
    if (!dir.ok()) return Errno(p.parent_path().string());
    return {};
  }

  void ListMaildir(std::vector<Entry>& out, std::vector<std::string>& errors) {
    std::vector<Child> top;
    if (!Children(root_.fd, top)) {
      errors.push_back(name_ + ": " + strerror(errno));
      return;
    }
    std::vector<std::string> dirs = {""};
    for (const auto& c : top) {
      if (c.kind != Kind::kDir || c.name.size() < 2 || c.name[0] != '.')
        continue;
      Fd sub = OpenDirAt(root_.fd, c.name);
      if (sub.ok() && IsDirAt(sub.fd, "cur") && IsDirAt(sub.fd, "new"))
        dirs.push_back(c.name);
    }
    for (const auto& d : dirs) {
      for (const char* where : {"new", "cur"}) {
        std::string rel = d.empty() ? where : d + "/" + where;
        Fd fd = OpenDirAt(root_.fd, rel);
        std::vector<Child> files;
        if (!fd.ok() || !Children(fd.fd, files)) {
          errors.push_back(rel + ": " + strerror(errno));
          continue;
        }
        for (const auto& f : files) {
          if (f.kind != Kind::kFile) continue;
          Entry e;
          e.path = rel + "/" + f.name;
          // The name without its flags (":2,S"): the same message as it
          // is read, flagged or moved from new/ to cur/.
          std::string base = f.name.substr(0, f.name.find(':'));
          e.locator = d.empty() ? base : d + "/" + base;
          e.folder = MaildirFolder(d);
          e.mail = true;
          struct stat st {};
          int64_t mtime =
              ::fstatat(fd.fd, f.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0
                  ? static_cast<int64_t>(st.st_mtime)
                  : 0;
          e.time = Delivered(f.name, mtime);
          e.size = static_cast<int64_t>(st.st_size);
          out.push_back(std::move(e));
        }
      }
    }
  }

  // Where a file's messages were when it was last read: kept while the
  // file (device, inode, size, time) is unchanged, so indexing an mbox of
  // n messages reads it once, not n times.
  struct MboxIndex {
    uint64_t dev = 0, ino = 0, size = 0;
    int64_t mtime_ns = 0;
    std::vector<mbox::Span> spans;
  };

  // An fcntl read lock on the whole file, waited for up to 10 seconds;
  // released when the descriptor closes.
  static core::Status ReadLock(int fd, const std::string& rel) {
    for (int tries = 0;; ++tries) {
      struct flock fl {};
      fl.l_type = F_RDLCK;
      fl.l_whence = SEEK_SET;
      if (::fcntl(fd, F_SETLK, &fl) == 0) return {};
      if ((errno != EACCES && errno != EAGAIN) || tries >= 100)
        return core::Status::Io(rel +
                                ": locked by another program (fcntl); try "
                                "again later");
      ::usleep(100000);
    }
  }

  bool IsMboxPath(const std::string& path, mbox::MessageName* mn) const {
    if (!mbox::Split(path, mn)) return false;
    return only_.empty() || mn->file == only_;
  }

  // The spans of the mbox open as `fd` (`rel` in the source).
  core::Result<const MboxIndex*> Spans(int fd, const std::string& rel) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return Errno(rel);
    if (!S_ISREG(st.st_mode))
      return core::Status::Invalid(rel + ": not a regular file");
    MboxIndex& ix = mboxes_[rel];
    const int64_t mtime_ns =
        int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    if (ix.dev == static_cast<uint64_t>(st.st_dev) &&
        ix.ino == static_cast<uint64_t>(st.st_ino) &&
        ix.size == static_cast<uint64_t>(st.st_size) && ix.mtime_ns == mtime_ns)
      return &ix;
    ix = MboxIndex{static_cast<uint64_t>(st.st_dev),
                   static_cast<uint64_t>(st.st_ino),
                   static_cast<uint64_t>(st.st_size),
                   mtime_ns,
                   {}};
    // Mail programs change an mbox under an fcntl write lock: a read lock
    // keeps the file as it is while it is mapped (shrunk under a map, it
    // would end the process).
    if (auto l = ReadLock(fd, rel); !l.ok()) {
      ix = {};
      return l;
    }
    if (st.st_size > 0) {
      void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                       MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        ix = {};
        return Errno(rel);
      }
      ix.spans = mbox::Index(std::string_view(static_cast<const char*>(p),
                                              static_cast<size_t>(st.st_size)));
      ::munmap(p, static_cast<size_t>(st.st_size));
    }
    return &ix;
  }

  core::Result<std::string> ReadMessage(const mbox::MessageName& mn,
                                        uint64_t max_bytes,
                                        Identity* identity) {
    Fd dir;
    std::string name;
    if (auto st = Parent(mn.file, dir, name); !st.ok()) return st;
    if (auto st = mbox::Recover(dir.fd, name); !st.ok()) return st;
    Fd f(::openat(dir.fd, name.c_str(),
                  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!f.ok()) return Errno(mn.file);
    auto ix = Spans(f.fd, mn.file);
    if (!ix.ok()) return ix.status();
    for (const mbox::Span& s : (*ix)->spans) {
      if (s.key != mn.key) continue;
      // The limit is on the message as a record; the mail programs' state
      // fields it leaves out are a few lines at most.
      constexpr uint64_t kStateSlack = uint64_t{64} * 1024;
      const uint64_t limit = max_bytes > UINT64_MAX - kStateSlack
                                 ? max_bytes
                                 : max_bytes + kStateSlack;
      auto too_big = [&](uint64_t n) {
        return core::Status::Limit(
            fmt::format("{}: a message of {} bytes, larger than {}",
                        mbox::Join(mn.file, mn.key), n, max_bytes));
      };
      if (s.end - s.start > limit) return too_big(s.end - s.start);
      std::string raw;
      raw.resize(static_cast<size_t>(s.end - s.start));
      size_t got = 0;
      while (got < raw.size()) {
        ssize_t n = ::pread(f.fd, raw.data() + got, raw.size() - got,
                            static_cast<off_t>(s.start + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Errno(mn.file);
        got += static_cast<size_t>(n);
      }
      std::string bytes = core::MboxMessageBytes(raw);
      if (bytes.size() > max_bytes) return too_big(bytes.size());
      // Changed under the index (rewritten in the same second, same size).
      if (mbox::KeyOf(bytes) != mn.key.substr(0, mbox::KeyOf(bytes).size()))
        return core::Status::NotFound(mbox::Join(mn.file, mn.key) +
                                      ": the file changed while it was read");
      if (identity) *identity = {(*ix)->ino, mbox::KeyNumber(mn.key)};
      return bytes;
    }
    return core::Status::NotFound(mbox::Join(mn.file, mn.key) +
                                  ": no longer in the file");
  }

  core::Status RemoveMessage(const mbox::MessageName& mn,
                             const Identity& identity) {
    Fd dir;
    std::string name;
    if (auto st = Parent(mn.file, dir, name); !st.ok()) return st;
    struct stat st {};
    if (::fstatat(dir.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return Errno(mn.file);
    if (!S_ISREG(st.st_mode) ||
        static_cast<uint64_t>(st.st_ino) != identity.a ||
        mbox::KeyNumber(mn.key) != identity.b)
      return core::Status::Invalid(
          mn.file + ": replaced by another file after it was read");
    mboxes_.erase(mn.file);
    // A file found locked stays so for this run: its other messages are
    // kept at once rather than after another wait each.
    if (auto l = locked_.find(mn.file); l != locked_.end()) return l->second;
    auto removed = mbox::Remove(dir.fd, name, mn.key);
    if (removed.code() == core::Code::kIoError &&
        removed.message().find("locked by another program") !=
            std::string::npos)
      locked_.emplace(mn.file, removed);
    if (removed.code() == core::Code::kNotFound)
      return core::Status::NotFound(removed.message());
    return removed;
  }

  // The messages of the mbox `name` in the open folder `dir` (`rel`
  // within the source), as entries of `folder`.
  void ListMbox(int dir, const std::string& rel, const std::string& name,
                const std::string& folder, std::vector<Entry>& out,
                std::vector<std::string>& errors) {
    const std::string file = rel.empty() ? name : rel + "/" + name;
    if (auto st = mbox::Recover(dir, name); !st.ok()) {
      if (errors.size() < 100) errors.push_back(file + ": " + st.message());
      return;
    }
    Fd f(::openat(dir, name.c_str(),
                  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!f.ok()) {
      if (errors.size() < 100) errors.push_back(file + ": " + strerror(errno));
      return;
    }
    auto ix = Spans(f.fd, file);
    if (!ix.ok()) {
      if (errors.size() < 100) errors.push_back(ix.status().message());
      return;
    }
    struct stat st {};
    (void)::fstat(f.fd, &st);
    std::set<std::string> listed;  // copies of one message are one item
    for (const mbox::Span& s : (*ix)->spans) {
      if (!listed.insert(s.key).second) continue;
      Entry e;
      e.path = e.locator = mbox::Join(file, s.key);
      e.folder = folder;
      e.mail = true;
      e.time = s.time > 0 ? s.time : static_cast<int64_t>(st.st_mtime);
      e.size = static_cast<int64_t>(s.end - s.start);
      out.push_back(std::move(e));
    }
  }

  void ListTree(std::vector<Entry>& out, std::vector<std::string>& errors) {
    std::vector<std::string> stack = {""};
    while (!stack.empty()) {
      std::string rel = stack.back();
      stack.pop_back();
      Fd fd = OpenDirAt(root_.fd, rel);
      std::vector<Child> kids;
      if (!fd.ok() || !Children(fd.fd, kids)) {
        if (errors.size() < 100)
          errors.push_back((rel.empty() ? name_ : rel) + ": " +
                           strerror(errno));
        continue;
      }
      for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
        std::string child = rel.empty() ? it->name : rel + "/" + it->name;
        if (it->kind == Kind::kDir) {
          stack.push_back(child);
        } else if (it->kind == Kind::kFile) {
          // Steward's journals, and the dot-lock of an mbox beside it.
          if (mbox::IsOwnFile(it->name)) continue;
          if (it->name.size() > 5 &&
              it->name.compare(it->name.size() - 5, 5, ".lock") == 0 &&
              MboxAt(fd.fd, it->name.substr(0, it->name.size() - 5)))
            continue;
          if (MboxAt(fd.fd, it->name)) {
            // A mail folder in mbox form (Dovecot's ~/mail/Board): its
            // messages, each an item; "inbox" is INBOX.
            std::string folder = child;
            if (core::AsciiLower(folder) == "inbox") folder = "INBOX";
            ListMbox(fd.fd, rel, it->name, folder, out, errors);
            continue;
          }
          if (mbox::Split(child, nullptr)) {
            // Its name would read as a message of an mbox.
            if (errors.size() < 100)
              errors.push_back(child +
                               ": not indexed: a name ending in '#m' and 32 "
                               "hex digits names a message of an mbox; "
                               "rename the file");
            continue;
          }
          Entry e;
          e.path = e.locator = child;
          e.folder = rel;
          e.mail = fs::path(it->name).extension() == ".eml";
          struct stat st {};
          if (::fstatat(fd.fd, it->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) ==
              0) {
            e.time = static_cast<int64_t>(st.st_mtime);
            e.size = static_cast<int64_t>(st.st_size);
          }
          out.push_back(std::move(e));
        }
      }
    }
    std::sort(out.begin(), out.end(),
              [](const Entry& a, const Entry& b) { return a.path < b.path; });
  }

  std::string name_;
  Fd root_;
  std::string only_;
  std::map<std::string, MboxIndex> mboxes_;
  std::map<std::string, core::Status> locked_;
};

}  // namespace

core::Result<std::unique_ptr<Source>> OpenFolder(const std::string& path) {
  std::error_code ec;
  // The folder as named (its parents as they resolve), itself never a link.
  fs::path abs = fs::absolute(fs::path(path), ec).lexically_normal();
  if (ec) return core::Status::NotFound(path + ": " + ec.message());
  std::string name = abs.string();
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  fs::path parent = fs::path(name).parent_path();
  fs::path real_parent = fs::weakly_canonical(parent, ec);
  if (ec) return core::Status::NotFound(path + ": " + ec.message());
  name = (real_parent / fs::path(name).filename()).string();
  Fd root(
      ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.ok() && errno == ENOTDIR) {
    // One mbox file (/var/mail/bob): its folder, and only it.
    const std::string file = fs::path(name).filename().string();
    Fd dir(::open(fs::path(name).parent_path().c_str(),
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat st {};
    if (dir.ok() &&
        ::fstatat(dir.fd, file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && MboxAt(dir.fd, file))
      return std::unique_ptr<Source>(
          new FolderSource(name, std::move(dir), file));
    return core::Status::NotFound(path + ": neither a folder nor an mbox file");
  }
  if (!root.ok())
    return core::Status::NotFound(
        path + ": not a folder (" + strerror(errno) +
        "; a symbolic link is not followed: name the folder itself)");
  return std::unique_ptr<Source>(new FolderSource(name, std::move(root)));
}

}  // namespace steward::records
