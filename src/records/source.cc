#include "records/source.h"

#include <fcntl.h>
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

bool IsMaildir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p / "cur", ec) && fs::is_directory(p / "new", ec);
}

// Maildir++ folder directory ".Board.2024" as "Board/2024".
std::string MaildirFolder(const std::string& dir) {
  if (dir.empty()) return "INBOX";
  std::string f = dir.substr(1);
  std::replace(f.begin(), f.end(), '.', '/');
  return f;
}

int64_t MTime(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0;
}

class FolderSource : public Source {
 public:
  explicit FolderSource(fs::path root) : root_(std::move(root)), name_(root_) {}
  const std::string& Name() const override { return name_; }

  core::Result<std::vector<Entry>> List(
      std::vector<std::string>& errors) override {
    return IsMaildir(root_) ? ListMaildir() : ListTree(errors);
  }

  core::Result<std::string> Read(const std::string& path,
                                 uint64_t max_bytes) override {
    if (!Inside(path))
      return core::Status::Invalid(path + ": not inside " + name_);
    // A symbolic link put in an item's place is not followed.
    struct stat st {};
    fs::path full = root_ / path;
    if (::lstat(full.c_str(), &st) != 0)
      return core::Status::NotFound(path + ": " + strerror(errno));
    if (!S_ISREG(st.st_mode))
      return core::Status::Invalid(path + ": no longer a regular file");
    return core::ReadFile(full.string(), max_bytes);
  }

  core::Result<bool> Exists(const std::string& path) override {
    struct stat st {};
    return Inside(path) && ::lstat((root_ / path).c_str(), &st) == 0;
  }

  core::Status Remove(const std::string& path) override {
    if (!Inside(path))
      return core::Status::Invalid(path + ": not inside " + name_);
    fs::path full = root_ / path;
    if (::unlink(full.c_str()) != 0 && errno != ENOENT)
      return core::Status::Io(path + ": " + strerror(errno));
    // The removal reaches the disk before it is confirmed.
    int fd =
        ::open(full.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      (void)::fsync(fd);
      ::close(fd);
    }
    return {};
  }

 private:
  // A relative path with no ".." part: what the register stored.
  static bool Inside(const std::string& path) {
    if (path.empty() || path[0] == '/') return false;
    for (const auto& part : fs::path(path))
      if (part == "..") return false;
    return true;
  }

  std::vector<Entry> ListMaildir() {
    std::vector<Entry> out;
    std::error_code ec;
    std::vector<std::string> dirs = {""};
    for (const auto& e : fs::directory_iterator(root_, ec)) {
      std::string name = e.path().filename().string();
      if (name.size() > 1 && name[0] == '.' && name != ".." &&
          IsMaildir(e.path()))
        dirs.push_back(name);
    }
    std::sort(dirs.begin(), dirs.end());
    for (const auto& d : dirs) {
      for (const char* sub : {"new", "cur"}) {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(root_ / d / sub, ec))
          if (e.is_regular_file(ec) && !e.is_symlink(ec))
            names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        for (const auto& n : names) {
          Entry f;
          f.path = (fs::path(d) / sub / n).string();
          // The name without its flags (":2,S"): the same message as it
          // is read, flagged or moved from new/ to cur/.
          std::string base = n.substr(0, n.find(':'));
          f.locator = d.empty() ? base : d + "/" + base;
          f.folder = MaildirFolder(d);
          f.mail = true;
          f.time = MTime(root_ / f.path);
          out.push_back(std::move(f));
        }
      }
    }
    return out;
  }

  std::vector<Entry> ListTree(std::vector<std::string>& errors) {
    std::vector<Entry> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(
        root_, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      errors.push_back(name_ + ": " + ec.message());
      return out;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        errors.push_back(name_ + ": " + ec.message());
        break;
      }
      if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
      Entry f;
      fs::path rel = fs::relative(it->path(), root_, ec);
      f.path = f.locator = rel.string();
      f.folder = rel.parent_path().string();
      f.mail = rel.extension() == ".eml";
      f.time = MTime(it->path());
      out.push_back(std::move(f));
    }
    std::sort(out.begin(), out.end(),
              [](const Entry& a, const Entry& b) { return a.path < b.path; });
    return out;
  }

  fs::path root_;
  std::string name_;
};

}  // namespace

core::Result<std::unique_ptr<Source>> OpenFolder(const std::string& path) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::path(path), ec);
  if (ec || !fs::is_directory(root, ec))
    return core::Status::NotFound(path + ": not a folder");
  return std::unique_ptr<Source>(new FolderSource(root));
}

}  // namespace steward::records
