// OOXML (DOCX, XLSX, PPTX) and OpenDocument (ODT, ODS, ODP): zip members
// read through ForEachMember, XML through XmlReader. Text keeps its place:
// headers, footers, comments, slides and notes are anchors; sheets are
// tables with cell references.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "core/text.h"
#include "extract/formats.h"
#include "extract/members.h"
#include "extract/table.h"
#include "extract/xml.h"

namespace steward::extract {

namespace {

using Members = std::map<std::string, std::string>;

// The number in "slide12.xml" (0 when none), for natural order.
uint32_t NumberIn(const std::string& name) {
  std::string base = BaseName(name);
  uint64_t n = 0;
  for (char c : base) {
    if (c >= '0' && c <= '9')
      n = std::min<uint64_t>(n * 10 + (c - '0'), 1u << 30);
  }
  return static_cast<uint32_t>(n);
}

std::vector<std::string> Matching(const Members& m, std::string_view prefix,
                                  std::string_view suffix) {
  std::vector<std::string> out;
  for (const auto& [name, data] : m)
    if (name.starts_with(prefix) && name.ends_with(suffix) &&
        name.find('/', prefix.size()) == std::string::npos)
      out.push_back(name);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    uint32_t x = NumberIn(a), y = NumberIn(b);
    return x != y ? x < y : a < b;
  });
  return out;
}

// Text flow of a word-processing or presentation part.
class Flow {
 public:
  Flow(TextPart& part) : part_(part) {}
  void Anchor(std::string label) {
    Break();
    part_.anchors.push_back({part_.text.size(), std::move(label), 0, 0});
  }
  void Add(std::string_view s) { part_.text.append(s); }
  void Char(char c) { part_.text += c; }
  void Break() {
    if (!part_.text.empty() && part_.text.back() != '\n') part_.text += '\n';
  }

 private:
  TextPart& part_;
};

// ForEachEvent over one member; damage is reported, naming the member.
template <typename F>
void Walk(const std::string& data, const std::string& member, Context& ctx,
          const Declared& file, F&& on_event) {
  if (!ForEachEvent(data, on_event))
    ctx.Skip(file.path, "", file.name,
             "the document part " + member +
                 " is damaged; only the text before the damage was read");
}

// Which elements of a text markup carry text and structure.
struct Markup {
  std::vector<std::string_view> text;      // runs of text
  std::vector<std::string_view> tab;       // a tab character
  std::vector<std::string_view> brk;       // a line break
  std::vector<std::string_view> line_end;  // paragraphs, table rows
  std::vector<std::string_view> cell_end;  // table cells
  const char* author = nullptr;            // comment author attribute
};

bool In(const std::vector<std::string_view>& names, std::string_view n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

// WordprocessingML: document, headers, footers, notes, comments.
const Markup kWord = {{"t", "delText"}, {"tab"}, {"br", "cr"},
                      {"p", "tr"},      {"tc"},  "w:author"};
// DrawingML (slides, notes) and presentation comments.
const Markup kDrawing = {{"t", "text"}, {}, {"br"}, {"p", "cm"}, {}, nullptr};

void TextPartOf(const std::string& data, const std::string& member,
                const std::string& label, const Markup& mk, Flow& flow,
                Context& ctx, const Declared& file) {
  flow.Anchor(label);
  bool in_text = false;
  Walk(data, member, ctx, file, [&](XmlReader::Event ev, XmlReader& x) {
    std::string_view n = x.Name();
    if (ev == XmlReader::Event::kStart) {
      if (In(mk.text, n)) {
        in_text = !x.Empty();
      } else if (In(mk.tab, n)) {
        flow.Char('\t');
      } else if (In(mk.brk, n)) {
        flow.Char('\n');
      } else if (mk.author && n == "comment") {
        std::string who = x.Attr(mk.author);
        flow.Anchor(who.empty() ? "comment" : "comment by " + who);
      }
    } else if (ev == XmlReader::Event::kEnd) {
      if (In(mk.text, n))
        in_text = false;
      else if (In(mk.line_end, n))
        flow.Char('\n');
      else if (In(mk.cell_end, n))
        flow.Char('\t');
    } else if (in_text) {
      flow.Add(x.Text());
    }
  });
}

// "B7" -> column 1, row 7. False when `ref` is no cell reference.
bool ParseCellRef(std::string_view ref, uint32_t* col, uint32_t* row) {
  uint64_t c = 0, r = 0;
  size_t i = 0;
  for (; i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z' && i < 4; ++i)
    c = c * 26 + (ref[i] - 'A' + 1);
  if (i == 0 || c == 0) return false;
  size_t digits = 0;
  for (; i < ref.size() && ref[i] >= '0' && ref[i] <= '9' && digits < 8;
       ++i, ++digits)
    r = r * 10 + (ref[i] - '0');
  if (digits == 0 || i != ref.size()) return false;
  *col = static_cast<uint32_t>(c - 1);
  *row = static_cast<uint32_t>(r);
  return true;
}

std::vector<std::string> SharedStrings(const std::string& data) {
  std::vector<std::string> out;
  bool in_t = false, in_phonetic = false;
  ForEachEvent(data, [&](XmlReader::Event ev, XmlReader& x) {
    std::string_view n = x.Name();
    if (ev == XmlReader::Event::kStart) {
      if (n == "si")
        out.emplace_back();
      else if (n == "rPh")
        in_phonetic = !x.Empty();
      else if (n == "t")
        in_t = !x.Empty();
    } else if (ev == XmlReader::Event::kEnd) {
      if (n == "t")
        in_t = false;
      else if (n == "rPh")
        in_phonetic = false;
    } else if (in_t && !in_phonetic && !out.empty() &&
               out.back().size() < (1u << 20)) {
      out.back().append(x.Text());
    }
  });
  return out;
}

// Relationship id -> target member, for a part's .rels file.
std::map<std::string, std::string> Relationships(const std::string& data,
                                                 const std::string& base_dir) {
  std::map<std::string, std::string> out;
  ForEachEvent(data, [&](XmlReader::Event ev, XmlReader& x) {
    if (ev != XmlReader::Event::kStart || x.Name() != "Relationship") return;
    std::string target = x.Attr("Target");
    if (target.empty()) return;
    out[x.Attr("Id")] = target[0] == '/' ? target.substr(1) : base_dir + target;
  });
  return out;
}

// Whether a number format shows a date: the built-in date formats, or a
// custom code with a day, month or year outside quotes and brackets.
bool IsDateFormat(uint32_t id, const std::string& code) {
  if ((id >= 14 && id <= 22) || (id >= 27 && id <= 36) ||
      (id >= 45 && id <= 47) || (id >= 50 && id <= 58))
    return true;
  bool quoted = false, bracket = false;
  for (char c : code) {
    if (c == '"')
      quoted = !quoted;
    else if (c == '[')
      bracket = true;
    else if (c == ']')
      bracket = false;
    else if (!quoted && !bracket &&
             (c == 'd' || c == 'D' || c == 'y' || c == 'Y'))
      return true;
  }
  return false;
}

// Per cell style (the s attribute): whether it shows a date.
std::vector<bool> DateStyles(const std::string& styles) {
  std::map<uint32_t, std::string> codes;
  std::vector<bool> out;
  bool in_xfs = false;
  ForEachEvent(styles, [&](XmlReader::Event ev, XmlReader& x) {
    std::string_view n = x.Name();
    if (ev == XmlReader::Event::kStart && n == "numFmt") {
      codes[static_cast<uint32_t>(std::atoi(x.Attr("numFmtId").c_str()))] =
          x.Attr("formatCode");
    } else if (ev == XmlReader::Event::kStart && n == "cellXfs") {
      in_xfs = !x.Empty();
    } else if (ev == XmlReader::Event::kEnd && n == "cellXfs") {
      in_xfs = false;
    } else if (ev == XmlReader::Event::kStart && n == "xf" && in_xfs &&
               out.size() < 65536) {
      auto id = static_cast<uint32_t>(std::atoi(x.Attr("numFmtId").c_str()));
      auto it = codes.find(id);
      out.push_back(IsDateFormat(id, it == codes.end() ? "" : it->second));
    }
  });
  return out;
}

// A date serial (days since 1899-12-30, Excel's 1900 system) as MM/DD/YYYY;
// "" when it is no plausible date.
std::string SerialDate(const std::string& value) {
  char* end = nullptr;
  double v = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || v < 1 || v > 2958465) return {};
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  int64_t z = static_cast<int64_t>(v) - 25569 + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", static_cast<int>(m),
                static_cast<int>(d), static_cast<int>(y));
  return buf;
}

void Sheet(const std::string& data, const std::string& member,
           const std::string& sheet_name,
           const std::vector<std::string>& shared,
           const std::vector<bool>& date_styles, const Declared& file,
           const std::string& type, Context& ctx) {
  TableText table(file.path, type, file.name, sheet_name);
  uint32_t row = 0, col = 0, next_col = 0;
  std::string cell_type, value;
  bool in_value = false, in_cell = false, is_date = false;
  Walk(data, member, ctx, file, [&](XmlReader::Event ev, XmlReader& x) {
    std::string_view n = x.Name();
    if (ev == XmlReader::Event::kStart) {
      if (n == "row") {
        uint32_t r = 0;
        std::string attr = x.Attr("r");
        for (char c : attr)
          if (c >= '0' && c <= '9' && r < 100000000) r = r * 10 + (c - '0');
        row = r > row ? r : row + 1;
        next_col = 0;
        table.BeginRow(row);
      } else if (n == "c") {
        uint32_t c = 0, r = 0;
        col = ParseCellRef(x.Attr("r"), &c, &r) ? c : next_col;
        cell_type = x.Attr("t");
        std::string style = x.Attr("s");
        size_t si =
            style.empty() ? SIZE_MAX : std::strtoul(style.c_str(), nullptr, 10);
        is_date = si < date_styles.size() && date_styles[si];
        value.clear();
        in_cell = !x.Empty();
      } else if ((n == "v" || n == "t") && in_cell) {
        in_value = !x.Empty();
      }
    } else if (ev == XmlReader::Event::kEnd) {
      if (n == "v" || n == "t")
        in_value = false;
      else if (n == "c" && in_cell) {
        in_cell = false;
        std::string text = value;
        if (cell_type == "s") {
          size_t i = 0;
          bool ok = !value.empty();
          for (char c : value) {
            if (c < '0' || c > '9' || i > 100000000)
              ok = false;
            else
              i = i * 10 + (c - '0');
          }
          text = ok && i < shared.size() ? shared[i] : "";
        } else if (cell_type == "b") {
          text = value == "1" ? "TRUE" : "FALSE";
        } else if (is_date && cell_type.empty()) {
          // Dates are stored as day numbers; read them as shown.
          std::string d = SerialDate(value);
          if (!d.empty()) text = d;
        }
        if (!text.empty()) table.Cell(col, text);
        next_col = col + 1;
      }
    } else if (in_value && value.size() < (1u << 20)) {
      value.append(x.Text());
    }
  });
  TextPart part = table.Finish();
  if (!part.text.empty()) ctx.out().texts.push_back(std::move(part));
}

void Xlsx(const Members& m, const Declared& file, const std::string& type,
          Context& ctx) {
  std::vector<std::string> shared;
  if (auto it = m.find("xl/sharedStrings.xml"); it != m.end())
    shared = SharedStrings(it->second);
  std::map<std::string, std::string> rels;
  if (auto it = m.find("xl/_rels/workbook.xml.rels"); it != m.end())
    rels = Relationships(it->second, "xl/");
  std::vector<bool> date_styles;
  if (auto it = m.find("xl/styles.xml"); it != m.end())
    date_styles = DateStyles(it->second);
  std::vector<std::pair<std::string, std::string>> sheets;  // name, member
  if (auto it = m.find("xl/workbook.xml"); it != m.end()) {
    ForEachEvent(it->second, [&](XmlReader::Event ev, XmlReader& x) {
      if (ev == XmlReader::Event::kStart && x.Name() == "sheet") {
        auto r = rels.find(x.Attr("r:id"));
        if (r != rels.end()) sheets.emplace_back(x.Attr("name"), r->second);
      }
    });
  }
  if (sheets.empty())  // no workbook to name them: number them
    for (const auto& s : Matching(m, "xl/worksheets/", ".xml"))
      sheets.emplace_back(BaseName(s).substr(0, BaseName(s).size() - 4), s);
  for (const auto& [name, member] : sheets) {
    auto it = m.find(member);
    if (it == m.end() || !ctx.InTime(file.path)) continue;
    Sheet(it->second, member, name, shared, date_styles, file, type, ctx);
  }
  // Cell comments and notes.
  TextPart notes{file.path, core::View::kBody, type, file.name, ""};
  Flow flow(notes);
  for (const auto& c : Matching(m, "xl/", ".xml")) {
    if (!BaseName(c).starts_with("comments")) continue;
    bool in_t = false;
    Walk(m.at(c), c, ctx, file, [&](XmlReader::Event ev, XmlReader& x) {
      std::string_view n = x.Name();
      if (ev == XmlReader::Event::kStart) {
        if (n == "comment")
          flow.Anchor("comment at " + x.Attr("ref"));
        else if (n == "t")
          in_t = !x.Empty();
      } else if (ev == XmlReader::Event::kEnd) {
        if (n == "t") in_t = false;
      } else if (in_t) {
        flow.Add(x.Text());
      }
    });
  }
  if (!notes.text.empty()) ctx.out().texts.push_back(std::move(notes));
}

void Docx(const Members& m, const Declared& file, const std::string& type,
          Context& ctx) {
  TextPart part{file.path, core::View::kBody, type, file.name, ""};
  Flow flow(part);
  auto add = [&](const std::string& member, const std::string& label) {
    auto it = m.find(member);
    if (it != m.end() && ctx.InTime(file.path))
      TextPartOf(it->second, member, label, kWord, flow, ctx, file);
  };
  add("word/document.xml", "");
  for (const auto& h : Matching(m, "word/header", ".xml")) add(h, "header");
  for (const auto& f : Matching(m, "word/footer", ".xml")) add(f, "footer");
  add("word/footnotes.xml", "footnotes");
  add("word/endnotes.xml", "endnotes");
  add("word/comments.xml", "comments");
  if (!part.text.empty()) ctx.out().texts.push_back(std::move(part));
}

void Pptx(const Members& m, const Declared& file, const std::string& type,
          Context& ctx) {
  TextPart part{file.path, core::View::kBody, type, file.name, ""};
  Flow flow(part);
  for (const auto& s : Matching(m, "ppt/slides/slide", ".xml")) {
    if (!ctx.InTime(file.path)) break;
    TextPartOf(m.at(s), s, "slide " + std::to_string(NumberIn(s)), kDrawing,
               flow, ctx, file);
  }
  for (const auto& s : Matching(m, "ppt/notesSlides/notesSlide", ".xml")) {
    if (!ctx.InTime(file.path)) break;
    TextPartOf(m.at(s), s, "notes " + std::to_string(NumberIn(s)), kDrawing,
               flow, ctx, file);
  }
  for (const auto& s : Matching(m, "ppt/comments/", ".xml"))
    TextPartOf(m.at(s), s, "comments", kDrawing, flow, ctx, file);
  if (!part.text.empty()) ctx.out().texts.push_back(std::move(part));
}

// OpenDocument content.xml / styles.xml. Spreadsheets become tables.
void OdfContent(const std::string& data, const std::string& member,
                const std::string& label, bool styles, const Declared& file,
                const std::string& type, Context& ctx) {
  TextPart part{file.path, core::View::kBody, type, file.name, ""};
  Flow flow(part);
  if (!label.empty()) flow.Anchor(label);
  const bool spreadsheet =
      type.find("spreadsheet") != std::string::npos && !styles;
  std::unique_ptr<TableText> table;
  uint32_t row = 0, col = 0, repeat_cols = 1, slide = 0;
  std::string cell;
  bool in_cell = false;
  int header_depth = -1;  // in styles.xml, text only inside header/footer
  auto flush_table = [&] {
    if (!table) return;
    TextPart t = table->Finish();
    if (!t.text.empty()) ctx.out().texts.push_back(std::move(t));
    table.reset();
  };
  Walk(data, member, ctx, file, [&](XmlReader::Event ev, XmlReader& x) {
    std::string_view n = x.Name();
    if (ev == XmlReader::Event::kStart) {
      if (styles && header_depth < 0 &&
          (n == "header" || n == "footer" || n == "header-left" ||
           n == "footer-left")) {
        header_depth = x.Depth();
        flow.Anchor(std::string(n.substr(0, 6)));
      } else if (n == "page" && !styles) {
        flow.Anchor("slide " + std::to_string(++slide));
      } else if (n == "table" && spreadsheet) {
        flush_table();
        table = std::make_unique<TableText>(file.path, type, file.name,
                                            x.Attr("table:name"));
        row = 0;
      } else if (n == "table-row" && table) {
        ++row;
        col = 0;
        table->BeginRow(row);
        std::string rep = x.Attr("table:number-rows-repeated");
        if (!rep.empty()) {
          uint64_t r = 0;
          for (char c : rep)
            if (c >= '0' && c <= '9' && r < 100000000) r = r * 10 + (c - '0');
          if (r > 1) row += static_cast<uint32_t>(r - 1);
        }
      } else if ((n == "table-cell" || n == "covered-table-cell") && table) {
        repeat_cols = 1;
        std::string rep = x.Attr("table:number-columns-repeated");
        if (!rep.empty()) {
          uint64_t r = 0;
          for (char c : rep)
            if (c >= '0' && c <= '9' && r < 100000000) r = r * 10 + (c - '0');
          repeat_cols = static_cast<uint32_t>(std::max<uint64_t>(r, 1));
        }
        cell.clear();
        in_cell = !x.Empty();
        if (!in_cell) col += repeat_cols;
      } else if (n == "tab") {
        (in_cell ? cell : part.text) += '\t';
      } else if (n == "line-break") {
        (in_cell ? cell : part.text) += '\n';
      } else if (n == "s") {
        (in_cell ? cell : part.text) += ' ';
      } else if (n == "annotation") {
        if (!in_cell) flow.Anchor("comment");
      }
    } else if (ev == XmlReader::Event::kEnd) {
      if (header_depth >= 0 && x.Depth() == header_depth &&
          (n == "header" || n == "footer" || n == "header-left" ||
           n == "footer-left")) {
        header_depth = -1;
        flow.Break();
      } else if ((n == "table-cell" || n == "covered-table-cell") && table &&
                 in_cell) {
        in_cell = false;
        if (!cell.empty()) table->Cell(col, cell);
        col += repeat_cols;
      } else if (n == "table" && table) {
        flush_table();
      } else if (n == "p" || n == "h" || n == "creator" || n == "date") {
        // Paragraphs, and a comment's author and date, end with a break.
        if (in_cell) {
          if (!cell.empty()) cell += ' ';
        } else {
          part.text += '\n';
        }
      } else if (n == "table-cell" && !table) {
        part.text += '\t';
      } else if (n == "table-row" && !table) {
        part.text += '\n';
      }
    } else if (!styles || header_depth >= 0) {
      if (in_cell) {
        if (cell.size() < (1u << 20)) cell.append(x.Text());
      } else {
        part.text.append(x.Text());
      }
    }
  });
  flush_table();
  if (part.text.find_first_not_of(" \t\n") != std::string::npos)
    ctx.out().texts.push_back(std::move(part));
}

void Odf(const Members& m, const Declared& file, const std::string& type,
         Context& ctx) {
  if (auto it = m.find("content.xml"); it != m.end())
    OdfContent(it->second, "content.xml", "", false, file, type, ctx);
  if (auto it = m.find("styles.xml"); it != m.end())
    OdfContent(it->second, "styles.xml", "", true, file, type, ctx);
  // Embedded objects (charts, formulas, other documents): "Object 1/".
  for (const auto& [name, data] : m)
    if (name.ends_with("/content.xml") && name.find('/') == name.rfind('/'))
      OdfContent(data, name, "embedded " + name.substr(0, name.find('/')),
                 false, file, type, ctx);
}

std::string OoxmlType(const Members& m) {
  if (m.count("word/document.xml"))
    return "application/vnd.openxmlformats-officedocument.wordprocessingml."
           "document";
  if (m.count("xl/workbook.xml"))
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  if (m.count("ppt/presentation.xml"))
    return "application/vnd.openxmlformats-officedocument.presentationml."
           "presentation";
  return {};
}

}  // namespace

void ReadZipDocument(std::string_view bytes, const Declared& file,
                     uint32_t depth, Context& ctx) {
  // Gather the members first: OOXML needs its shared strings and
  // relationships before its sheets, and zip order is the writer's.
  std::vector<std::pair<std::string, std::string>> order;
  Members m;
  bool opened = ForEachMember(
      bytes, file, ctx, [&](const std::string& name, std::string&& data, bool) {
        order.emplace_back(name, std::string());
        m[name] = std::move(data);
      });
  if (!opened) return;
  std::string type = OoxmlType(m);
  bool ooxml = !type.empty();
  bool odf = false;
  if (!ooxml) {
    auto it = m.find("mimetype");
    if (it != m.end() &&
        it->second.starts_with("application/vnd.oasis.opendocument")) {
      odf = true;
      type = core::AsciiLower(it->second.substr(0, 100));
      while (!type.empty() && (type.back() == '\n' || type.back() == ' '))
        type.pop_back();
    }
  }
  if (!ooxml && !odf) {  // a plain zip: every member is a file
    for (auto& [name, unused] : order) {
      auto it = m.find(name);
      if (it == m.end()) continue;
      ExtractDocument(it->second,
                      {ChildPath(file.path, name), BaseName(name), ""}, depth,
                      ctx);
      m.erase(it);  // each member once, even if the zip names it twice
    }
    return;
  }
  if (ooxml) {
    if (type.find("wordprocessing") != std::string::npos)
      Docx(m, file, type, ctx);
    else if (type.find("spreadsheet") != std::string::npos)
      Xlsx(m, file, type, ctx);
    else
      Pptx(m, file, type, ctx);
  } else {
    Odf(m, file, type, ctx);
  }
  // Macros, embedded files and pictures.
  bool macros = false;
  for (const auto& [name, data] : m) {
    std::string lower = core::AsciiLower(name);
    if (lower.ends_with("vbaproject.bin") ||
        (odf && (name.starts_with("Basic/") || name.starts_with("Scripts/")) &&
         lower.ends_with(".xml") && !lower.ends_with("script-lc.xml") &&
         !lower.ends_with("script-lb.xml")))
      macros = true;
    bool embedded = lower.find("/embeddings/") != std::string::npos;
    bool picture = lower.find("/media/") != std::string::npos ||
                   name.starts_with("Pictures/");
    if (embedded || picture)
      ExtractDocument(data, {ChildPath(file.path, name), BaseName(name), ""},
                      depth, ctx);
  }
  if (macros) FlagMacros(file, ctx);
}

}  // namespace steward::extract
