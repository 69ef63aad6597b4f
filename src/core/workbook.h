// A workbook made with libxlsxwriter (the administrators' XLSX exports):
// written to a private temporary file (mkstemp in $TMPDIR, else /tmp) and
// read back whole when closed; the file is removed either way. One owner;
// not copyable.
#pragma once

#include <xlsxwriter.h>

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"

namespace steward::core {

class Workbook {
 public:
  Workbook();
  ~Workbook();
  Workbook(const Workbook&) = delete;
  Workbook& operator=(const Workbook&) = delete;

  // The workbook to add sheets to; null when none could be started (Close
  // then says why).
  lxw_workbook* get() const { return wb_; }
  // Writes the workbook and returns its bytes (at most `max_bytes`).
  Result<std::string> Close(size_t max_bytes);

 private:
  std::string path_;
  lxw_workbook* wb_ = nullptr;
};

// A workbook of one sheet named `sheet`: a bold header row (frozen, with
// filters) and the rows as text cells, never formulas. At most `max_bytes`.
Result<std::string> TableXlsx(const std::string& sheet,
                              const std::vector<std::string>& header,
                              const std::vector<std::vector<std::string>>& rows,
                              size_t max_bytes = 256u << 20);

}  // namespace steward::core
