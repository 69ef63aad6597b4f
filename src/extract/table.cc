#include "extract/table.h"

namespace steward::extract {

namespace {
// Empty columns written out as tabs before a cell; a wider gap is one tab
// and an anchor that says which column follows.
constexpr uint32_t kMaxPad = 64;
}  // namespace

std::string ColumnName(uint32_t col) {
  std::string s;
  uint64_t n = uint64_t{col} + 1;
  while (n > 0) {
    s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
    n = (n - 1) / 26;
  }
  return s;
}

TableText::TableText(std::string path, std::string content_type,
                     std::string filename, std::string sheet)
    : sheet_(std::move(sheet)) {
  part_.path = std::move(path);
  part_.view = core::View::kBody;
  part_.content_type = std::move(content_type);
  part_.filename = std::move(filename);
}

void TableText::EndRow() {
  if (!row_open_) return;
  row_open_ = false;
  if (row_empty_) {  // drop the row and its anchors
    part_.text.resize(row_start_);
    while (!part_.anchors.empty() && part_.anchors.back().offset >= row_start_)
      part_.anchors.pop_back();
    row_cells_.clear();
    return;
  }
  part_.text += '\n';
  if (!header_done_) {
    header_done_ = true;
    part_.columns = std::move(row_cells_);
  } else {
    ++part_.table_rows;
  }
  row_cells_.clear();
}

void TableText::BeginRow(uint32_t row) {
  EndRow();
  row_ = row;
  col_ = 0;
  row_open_ = true;
  row_empty_ = true;
  row_start_ = part_.text.size();
  part_.anchors.push_back({row_start_, sheet_, row_, 0});
}

void TableText::Cell(uint32_t col, std::string_view text) {
  if (!row_open_) BeginRow(row_ + 1);
  if (col < col_) col = col_;
  if (col_ > 0) part_.text += '\t';
  if (col - col_ <= kMaxPad) {
    part_.text.append(col - col_, '\t');
  } else {
    part_.anchors.push_back({part_.text.size(), sheet_, row_, col});
  }
  if (!header_done_) {
    row_cells_.resize(col + 1 <= 4096 ? col + 1 : row_cells_.size());
    if (col < row_cells_.size()) {
      // A header as written, without the spaces around it.
      size_t b = text.find_first_not_of(" \t\r\n");
      size_t e = text.find_last_not_of(" \t\r\n");
      row_cells_[col] = b == std::string_view::npos
                            ? std::string()
                            : std::string(text.substr(b, e - b + 1));
    }
  }
  for (char c : text)
    part_.text += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
  if (text.find_first_not_of(" \t\r\n") != std::string_view::npos)
    row_empty_ = false;
  col_ = col + 1;
}

TextPart TableText::Finish() {
  EndRow();
  return std::move(part_);
}

}  // namespace steward::extract
