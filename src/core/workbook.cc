#include "core/workbook.h"

#include <unistd.h>

#include <algorithm>
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

Result<std::string> TableXlsx(const std::string& sheet,
                              const std::vector<std::string>& header,
                              const std::vector<std::vector<std::string>>& rows,
                              size_t max_bytes) {
  Workbook book;
  lxw_workbook* wb = book.get();
  if (!wb) return book.Close(max_bytes);
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_worksheet* ws = workbook_add_worksheet(wb, sheet.c_str());
  if (!ws) return Status::Invalid("a sheet cannot be named '" + sheet + "'");
  std::vector<size_t> width(header.size(), 8);
  for (size_t c = 0; c < header.size(); ++c) {
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), header[c].c_str(),
                           bold);
    width[c] = std::max(width[c], header[c].size() + 2);
  }
  lxw_row_t r = 1;
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < header.size(); ++c) {
      // Text as text: libxlsxwriter writes it as a shared string, never as
      // a formula, whatever it begins with.
      // Valid UTF-8 with no control character, or the sheet is not XML.
      const std::string cell = CleanText(row[c], 32767, true);
      worksheet_write_string(ws, r, static_cast<lxw_col_t>(c), cell.c_str(),
                             nullptr);
      width[c] = std::min<size_t>(60, std::max(width[c], cell.size() + 2));
    }
    ++r;
  }
  for (size_t c = 0; c < header.size(); ++c)
    worksheet_set_column(ws, static_cast<lxw_col_t>(c),
                         static_cast<lxw_col_t>(c),
                         static_cast<double>(width[c]), nullptr);
  if (!header.empty()) {
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_autofilter(ws, 0, 0, r - 1,
                         static_cast<lxw_col_t>(header.size() - 1));
  }
  return book.Close(max_bytes);
}

}  // namespace steward::core
