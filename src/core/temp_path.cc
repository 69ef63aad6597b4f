#include "core/temp_path.h"

#include <unistd.h>

#include <cstdlib>

namespace steward::core {

TempPath::TempPath() {
  const char* dir = std::getenv("TMPDIR");
  path_ = std::string(dir && *dir ? dir : "/tmp") + "/steward-XXXXXX";
  int fd = mkstemp(path_.data());
  if (fd < 0) {
    path_.clear();
  } else {
    close(fd);
  }
}

TempPath::~TempPath() {
  if (!path_.empty()) unlink(path_.c_str());
}

}  // namespace steward::core
