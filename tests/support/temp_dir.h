// A temporary folder of its own, for tests and fuzz targets: made fresh
// with mkdtemp under the system's temporary folder ($TMPDIR), so runs in
// parallel never share one, readable by others as a folder made with mkdir
// (a test may run a program as another user), and removed with everything
// in it when the object goes. Failing to make one ends the process:
// nothing can run.
#pragma once

#include <filesystem>
#include <string>

namespace steward::testing {

class TempDir {
 public:
  // The folder's name starts with `prefix` (which says whose a folder left
  // by a killed run is); '/' in it becomes '_'.
  explicit TempDir(const std::string& prefix = "steward-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to `name` under the folder (creating folders); the path.
  std::string Write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

}  // namespace steward::testing
