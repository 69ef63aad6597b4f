// CSV, TSV and PSV through libcsv, as tables.
#include "core/csv.h"
#include "core/text.h"
#include "extract/formats.h"
#include "extract/table.h"

namespace steward::extract {

void ReadDelimited(std::string_view bytes, const Declared& file, char delimiter,
                   Context& ctx) {
  const std::string type =
      delimiter == '\t' ? "text/tab-separated-values" : "text/csv";
  if (bytes.size() > ctx.limits().max_part_bytes) {
    ctx.Skip(file.path, type, file.name,
             "larger than " + std::to_string(ctx.limits().max_part_bytes) +
                 " bytes; only the start was read");
    bytes = bytes.substr(0, ctx.limits().max_part_bytes);
  }
  const std::string text = core::DecodeText(bytes);
  TableText table(file.path, type, file.name, "");
  uint32_t records = 0;
  core::Status s = core::ReadCsv(
      text,
      [&](const core::CsvRecord& r) {
        if ((++records & 1023) == 0 && !ctx.InTime(file.path)) return false;
        table.BeginRow(r.line);
        for (size_t i = 0; i < r.fields.size(); ++i)
          if (!r.fields[i].empty())
            table.Cell(static_cast<uint32_t>(i), r.fields[i]);
        return true;
      },
      delimiter);
  TextPart part = table.Finish();
  if (!s.ok()) {
    // What was read as a table stays; the rest is read as plain text so
    // nothing in it goes unseen.
    ctx.Skip(file.path, type, file.name,
             "not a well-formed table (" + s.message() +
                 "); the rest was read as plain text");
    size_t line = 1, pos = 0;
    std::string_view msg = s.message();
    uint64_t bad = 0;
    if (msg.rfind("line ", 0) == 0)
      for (char c : msg.substr(5)) {
        if (c < '0' || c > '9') break;
        bad = bad * 10 + (c - '0');
      }
    while (line < bad && pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) break;
      pos = nl + 1;
      ++line;
    }
    part.anchors.push_back({part.text.size(), "", 0, 0});
    part.text += text.substr(pos);
  }
  if (!part.text.empty()) ctx.out().texts.push_back(std::move(part));
}

}  // namespace steward::extract
