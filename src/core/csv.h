// CSV reading (RFC 4180, through libcsv) with the line each record starts on,
// so import errors can name file and line. Not thread-safe per reader.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace steward::core {

struct CsvRecord {
  uint32_t line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

// Calls `on_record` for every record of `data`; stops early when it returns
// false. A malformed file (an unterminated quote) is an error naming the line.
// `delimiter`: ',' for CSV, '\t' for TSV, '|' for PSV.
Status ReadCsv(std::string_view data,
               const std::function<bool(const CsvRecord&)>& on_record,
               char delimiter = ',');

// The first column of `header` named one of `names`, compared without
// case, spaces, underscores or dashes ("Student ID" is "student_id");
// nullopt when none is.
std::optional<size_t> FindColumn(const std::vector<std::string>& header,
                                 std::initializer_list<std::string_view> names);
std::optional<size_t> FindColumn(const std::vector<std::string>& header,
                                 const std::vector<std::string_view>& names);

// A CSV export whose first record is its header (an SIS's, a CMS's): each
// wanted column by the names FindColumn accepts, in the order of `columns`.
// `row` gets every later record with a reader of its cells by column
// number ("" when the column is absent or the record short); returning
// false stops the reading. The header must have every column numbered in
// `required`, else Invalid "FILE:1: the header needs NEEDS"; a malformed
// file is Invalid "FILE: what is wrong, line N".
using CellOf = std::function<std::string(size_t column)>;
Status ReadCsvTable(
    std::string_view data, const std::string& file,
    const std::vector<std::vector<std::string_view>>& columns,
    const std::vector<size_t>& required, std::string_view needs,
    const std::function<bool(const CsvRecord&, const CellOf&)>& row);

// True when a spreadsheet could read the cell as a formula: after any
// leading blanks (core::SkipBlank: spaces, no-break, typographic and
// zero-width spaces, a byte order mark, filler glyphs) it starts with
// = + - @, a TAB or a CR (OWASP's list for CSV injection), a line feed,
// | (DDE), or a full-width or small-form = + - @.
bool StartsLikeFormula(std::string_view s);

// One cell for a spreadsheet: always quoted, quotes doubled, and a cell that
// StartsLikeFormula() is prefixed with an apostrophe so it is never run.
std::string CsvField(std::string_view s);

// Cells as one CSV line (no line end).
std::string CsvRow(const std::vector<std::string>& cells);

}  // namespace steward::core
