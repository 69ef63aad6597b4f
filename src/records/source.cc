#include "records/source.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/text.h"

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

// An owned file descriptor.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  bool ok() const { return fd >= 0; }
};

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

class FolderSource : public Source {
 public:
  FolderSource(std::string name, Fd root)
      : name_(std::move(name)), root_(std::move(root)) {}
  const std::string& Name() const override { return name_; }

  core::Result<std::vector<Entry>> List(
      std::vector<std::string>& errors) override {
    std::vector<Entry> out;
    if (IsDirAt(root_.fd, "cur") && IsDirAt(root_.fd, "new"))
      ListMaildir(out, errors);
    else
      ListTree(out, errors);
    return out;
  }

  core::Result<std::string> Read(const std::string& path, uint64_t max_bytes,
                                 Identity* identity) override {
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
  if (!root.ok())
    return core::Status::NotFound(
        path + ": not a folder (" + strerror(errno) +
        "; a symbolic link is not followed: name the folder itself)");
  return std::unique_ptr<Source>(new FolderSource(name, std::move(root)));
}

}  // namespace steward::records
