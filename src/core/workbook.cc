#include "core/workbook.h"

#include <unistd.h>

#include <cstdlib>

#include "core/text.h"

namespace steward::core {

Workbook::Workbook() {
  const char* dir = std::getenv("TMPDIR");
  path_ = std::string(dir && *dir ? dir : "/tmp") + "/steward-xlsx-XXXXXX";
  int fd = mkstemp(path_.data());
  if (fd < 0) {
    path_.clear();
    return;
  }
  close(fd);
  lxw_workbook_options options{};
  options.constant_memory = LXW_FALSE;
  options.tmpdir = nullptr;
  wb_ = workbook_new_opt(path_.c_str(), &options);
}

Workbook::~Workbook() {
  if (wb_) workbook_close(wb_);
  if (!path_.empty()) unlink(path_.c_str());
}

Result<std::string> Workbook::Close(size_t max_bytes) {
  if (path_.empty()) return Status::Io("cannot make a temporary file");
  if (!wb_) return Status::Io("cannot start the workbook");
  lxw_error err = workbook_close(wb_);
  wb_ = nullptr;
  if (err != LXW_NO_ERROR)
    return Status::Io(std::string("writing the workbook: ") +
                      lxw_strerror(err));
  return ReadFile(path_, max_bytes);
}

}  // namespace steward::core
