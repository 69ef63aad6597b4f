#include "core/csv.h"

#include <csv.h>

#include <algorithm>
#include <cctype>

#include "core/text.h"

namespace steward::core {

namespace {

struct ParseState {
  const std::function<bool(const CsvRecord&)>* cb;
  CsvRecord rec;
  uint32_t line = 1;         // line the parser has reached
  uint32_t record_line = 1;  // line the current record started on
  bool stop = false;
};

void OnField(void* s, size_t len, void* data) {
  auto* st = static_cast<ParseState*>(data);
  st->rec.fields.emplace_back(static_cast<const char*>(s), len);
}

void OnRecord(int, void* data) {
  auto* st = static_cast<ParseState*>(data);
  if (!st->stop) {
    st->rec.line = st->record_line;
    if (!(*st->cb)(st->rec)) st->stop = true;
  }
  st->rec.fields.clear();
}

}  // namespace

Status ReadCsv(std::string_view data,
               const std::function<bool(const CsvRecord&)>& on_record,
               char delimiter) {
  if (data.size() >= 3 && data.substr(0, 3) == "\xEF\xBB\xBF")
    data.remove_prefix(3);
  csv_parser p;
  if (csv_init(&p, CSV_APPEND_NULL | CSV_STRICT_FINI) != 0)
    return Status::Internal("csv_init failed");
  csv_set_delim(&p, static_cast<unsigned char>(delimiter));
  ParseState st;
  st.cb = &on_record;
  // Feed line by line so each record knows where it started.
  size_t pos = 0;
  while (pos < data.size() && !st.stop) {
    size_t nl = data.find('\n', pos);
    size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
    // A record starts at this line when the parser holds no partial record.
    if (p.pstate == 0 && p.entry_pos == 0 && st.rec.fields.empty())
      st.record_line = st.line;
    if (csv_parse(&p, data.data() + pos, end - pos, OnField, OnRecord, &st) !=
        end - pos) {
      std::string err = csv_strerror(csv_error(&p));
      csv_free(&p);
      return Status::Corrupt("line " + std::to_string(st.line) + ": " + err);
    }
    pos = end;
    ++st.line;
  }
  // libcsv accepts a quoted field left open at the end of the data; that is
  // a broken file (everything after the quote became one field).
  constexpr int kFieldBegun = 2;
  if (!st.stop && p.quoted && p.pstate == kFieldBegun) {
    csv_free(&p);
    return Status::Corrupt("line " + std::to_string(st.record_line) +
                           ": a quoted field is never closed");
  }
  if (!st.stop && csv_fini(&p, OnField, OnRecord, &st) != 0) {
    std::string err = csv_strerror(csv_error(&p));
    csv_free(&p);
    return Status::Corrupt("line " + std::to_string(st.record_line) + ": " +
                           err);
  }
  csv_free(&p);
  return Status::Ok();
}

namespace {
std::string HeaderKey(std::string_view s) {
  std::string k;
  for (char c : s) {
    if (c == ' ' || c == '_' || c == '-' || c == '\r' || c == '\t') continue;
    k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return k;
}
}  // namespace

std::optional<size_t> FindColumn(
    const std::vector<std::string>& header,
    std::initializer_list<std::string_view> names) {
  return FindColumn(header, std::vector<std::string_view>(names));
}

std::optional<size_t> FindColumn(const std::vector<std::string>& header,
                                 const std::vector<std::string_view>& names) {
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string k = HeaderKey(header[i]);
    for (std::string_view n : names)
      if (k == HeaderKey(n)) return i;
  }
  return std::nullopt;
}

Status ReadCsvTable(
    std::string_view data, const std::string& file,
    const std::vector<std::vector<std::string_view>>& columns,
    const std::vector<size_t>& required, std::string_view needs,
    const std::function<bool(const CsvRecord&, const CellOf&)>& row) {
  std::vector<std::optional<size_t>> at;
  bool header = true;
  Status header_error;
  auto st = ReadCsv(data, [&](const CsvRecord& r) {
    if (header) {
      header = false;
      for (const auto& names : columns)
        at.push_back(FindColumn(r.fields, names));
      for (size_t c : required)
        if (c >= at.size() || !at[c])
          header_error = Status::Invalid(file + ":1: the header needs " +
                                         std::string(needs));
      return header_error.ok();
    }
    const CellOf cell = [&](size_t c) -> std::string {
      return c < at.size() && at[c] && *at[c] < r.fields.size()
                 ? r.fields[*at[c]]
                 : std::string();
    };
    return row(r, cell);
  });
  if (!header_error.ok()) return header_error;
  if (!st.ok()) return Status::Invalid(file + ": " + st.message());
  return Status::Ok();
}

bool StartsLikeFormula(std::string_view s) {
  // Spreadsheets drop leading spaces before they look for a formula, and
  // some drop other blanks and invisible marks too: every one SkipBlank()
  // knows is skipped.
  s = SkipBlank(s);
  if (s.empty()) return false;
  // Full-width = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20) and the small
  // forms (U+FE66, U+FE62, U+FE63, U+FE6B), which an input method or a
  // normalisation may turn into the ASCII signs.
  static constexpr std::string_view kLookAlikes[] = {
      "\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0",
      "\xEF\xB9\xA6", "\xEF\xB9\xA2", "\xEF\xB9\xA3", "\xEF\xB9\xAB"};
  for (std::string_view w : kLookAlikes)
    if (s.substr(0, w.size()) == w) return true;
  return std::string_view("=+-@|\t\r\n").find(s[0]) != std::string_view::npos;
}

std::string CsvField(std::string_view raw) {
  // As in a workbook: valid UTF-8, no NUL (a reader in C stops there) or
  // other control character, nothing that reorders what the cell shows.
  const std::string s = CleanText(raw, raw.size(), true);
  std::string out = "\"";
  if (StartsLikeFormula(s)) out += '\'';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvRow(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += CsvField(cells[i]);
  }
  return out;
}

}  // namespace steward::core
