#include "temp_dir.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <system_error>
#include <vector>

namespace steward::testing {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix) {
  std::string name = prefix;
  for (char& c : name)
    if (c == '/') c = '_';
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string templ = (base / (name + "-XXXXXX")).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    std::fprintf(stderr, "cannot make a temporary folder %s: %s\n",
                 templ.c_str(), std::strerror(errno));
    std::abort();
  }
  path_ = buf.data();
  // Others may read it, as a folder made with mkdir: a test may run a
  // program as another user (root's tests scan as nobody).
  fs::permissions(path_,
                  fs::perms::owner_all | fs::perms::group_read |
                      fs::perms::group_exec | fs::perms::others_read |
                      fs::perms::others_exec,
                  ec);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name,
                           const std::string& text) const {
  fs::path p = path_ / name;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

}  // namespace steward::testing
