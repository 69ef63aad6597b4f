// A private temporary file's name, for libraries that write to a path
// (libxlsxwriter): made empty with mkstemp in $TMPDIR (else /tmp), removed
// when the TempPath goes. Not copyable; one owner.
#pragma once

#include <string>

namespace steward::core {

class TempPath {
 public:
  TempPath();
  ~TempPath();
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  // Empty when no file could be made (the caller reports an I/O error).
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace steward::core
