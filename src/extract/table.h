// Building the text of a table (a CSV, a sheet): one line per row, cells
// separated by tabs (tabs and newlines inside a cell become spaces), with
// an anchor per row so a finding's offset gives its row and, by counting
// tabs, its column. The first non-empty row is taken as the column headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "extract/part.h"

namespace steward::extract {

class TableText {
 public:
  // `sheet`: the sheet's name, "" for a CSV.
  TableText(std::string path, std::string content_type, std::string filename,
            std::string sheet);
  // Starts row `row` (1-based, as the file numbers it; rows only go up).
  void BeginRow(uint32_t row);
  // Sets column `col` (0-based) of the current row; columns only go up.
  void Cell(uint32_t col, std::string_view text);
  // The finished part (view "body"); empty text when nothing was written.
  TextPart Finish();

 private:
  void EndRow();
  TextPart part_;
  std::string sheet_;
  uint32_t row_ = 0;
  uint32_t col_ = 0;  // next column to write
  bool row_open_ = false, row_empty_ = true, header_done_ = false;
  size_t row_start_ = 0;
  std::vector<std::string> row_cells_;
};

// "A", "B", ... "Z", "AA": the spreadsheet name of column `col` (0-based).
std::string ColumnName(uint32_t col);

}  // namespace steward::extract
