#include "engine/engine.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "core/text.h"
#include "extract/mime.h"
#include "extract/table.h"
#include "inspect/redact.h"

namespace steward::engine {

std::string DefaultCacheDir() {
  if (const char* e = std::getenv("STEWARD_CACHE"); e && *e) return e;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::string(x) + "/steward";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::string(h) + "/.cache/steward";
  return {};
}

extract::Limits ExtractLimits(const policy::Limits& l) {
  extract::Limits x;
  x.max_item_bytes = l.max_item_bytes;
  x.max_depth = l.max_depth;
  x.max_parts = l.max_parts;
  x.max_part_bytes = l.max_part_bytes;
  x.max_members = l.max_members;
  x.max_expanded_bytes = l.max_expanded_bytes;
  x.max_ratio = l.max_ratio;
  x.max_pages = l.max_pages;
  x.max_seconds = l.max_seconds;
  x.helpers = l.helpers;
  return x;
}

core::Result<std::unique_ptr<Engine>> Engine::Create(const Options& options) {
  std::string dir =
      options.policy.empty() ? policy::DefaultPackDir() : options.policy;
  if (dir.empty())
    return core::Status::NotFound(
        "no policy pack found; pass --policy DIR or set STEWARD_POLICY");
  policy::LoadResult lr = policy::LoadPack(dir, {.compile_patterns = false});
  if (!lr.ok()) {
    std::string m = "the policy pack in " + dir + " has " +
                    std::to_string(lr.errors.size()) + " error(s):";
    for (const auto& e : lr.errors) m += "\n  " + e.ToString();
    return core::Status::Invalid(m);
  }
  const policy::PackPtr pack =
      options.channel ? policy::ForChannel(lr.pack, *options.channel) : lr.pack;
  std::unique_ptr<Engine> e(new Engine());
  std::string cache =
      options.cache_dir.empty() ? DefaultCacheDir() : options.cache_dir;
  if (cache == "none") cache.clear();
  if (options.roster_data) {
    e->roster_ = options.roster_data;
  } else if (!options.roster.empty()) {
    auto r = roster::LoadOneRoster(options.roster, cache);
    if (!r.ok()) return r.status();
    e->roster_ = std::make_shared<const roster::Roster>(std::move(r).value());
  }
  auto in = inspect::Inspector::Create(pack, e->roster_,
                                       {cache, options.show_values});
  if (!in.ok()) return in.status();
  e->inspector_ = std::move(in).value();
  e->show_values_ = options.show_values;
  e->limits_ = ExtractLimits(pack->limits);
  for (const auto& d : pack->detectors) {
    if (d.kind == policy::DetectorKind::kRoster &&
        d.roster_field == policy::RosterField::kNames && e->roster_)
      e->name_detectors_.push_back(d.id);
    if (d.kind == policy::DetectorKind::kLexicon)
      e->lexicon_detectors_.push_back(d.id);
    if (!d.require_hotword) continue;
    e->hotword_detectors_.push_back(d.id);
    for (const auto& h : d.hotwords)
      if (std::string w = e->HeaderPhrase(h); !w.empty())
        e->hotwords_.push_back(std::move(w));
  }
  e->limits_.address_view = false;
  for (const auto& d : pack->detectors)
    for (core::View v : d.views)
      e->limits_.address_view |= v == core::View::kAddresses;
  return e;
}

void Engine::ScanFile(const std::string& path, Scratch& scratch,
                      const std::function<void(ItemResult&&)>& on_item) const {
  extract::ReadItems(path, limits_, [&](extract::Item&& item) {
    on_item(InspectItem(std::move(item), scratch));
  });
}

ItemResult Engine::InspectRef(const extract::ItemRef& ref,
                              Scratch& scratch) const {
  return InspectItem(extract::ExtractItem(ref, limits_), scratch);
}

ItemResult Engine::InspectItem(extract::Item&& item, Scratch& scratch) const {
  ItemResult r;
  r.item = std::move(item.name);
  r.bytes = item.bytes;
  r.error = std::move(item.error);
  for (const auto& t : item.content.texts) {
    const size_t first = r.findings.size();
    bool complete = inspector_->InspectText(
        {t.text, t.path, t.view, t.table_rows > 0}, scratch, r.findings);
    if (t.table_rows > 0) ColumnContext(t, first, scratch, r.findings);
    if (!t.anchors.empty()) Place(t, first, r.findings);
    if (!complete)
      r.findings.push_back(inspector_->MakeFinding(
          "not-inspected", t.path,
          "too many candidate matches or sentences for the models; only "
          "part of this text was inspected"));
  }
  for (const auto& f : item.content.flags)
    if (pack().FindCategory(f.category))
      r.findings.push_back(
          inspector_->MakeFinding(f.category, f.path, f.detail));
  r.images = std::move(item.content.images);
  r.message = std::move(item.content.message);
  for (const auto& s : item.content.skipped) {
    std::string what = s.reason;
    if (!s.filename.empty()) what = "\"" + s.filename + "\": " + what;
    r.findings.push_back(
        inspector_->MakeFinding("not-inspected", s.path, what));
  }
  inspector_->FinishItem(r.findings);
  return r;
}

namespace {

// The anchor in force at `offset`: the last one at or before it.
const extract::Anchor* AnchorAt(const std::vector<extract::Anchor>& anchors,
                                uint64_t offset) {
  auto it = std::upper_bound(
      anchors.begin(), anchors.end(), offset,
      [](uint64_t o, const extract::Anchor& a) { return o < a.offset; });
  return it == anchors.begin() ? nullptr : &*(it - 1);
}

// The column of a table cell at `offset`: the anchor's, plus one per tab.
uint32_t ColumnAt(const extract::TextPart& t, const extract::Anchor& a,
                  uint64_t offset) {
  uint64_t end = std::min<uint64_t>(offset, t.text.size());
  return a.col + static_cast<uint32_t>(std::count(
                     t.text.begin() + static_cast<std::ptrdiff_t>(a.offset),
                     t.text.begin() + static_cast<std::ptrdiff_t>(end), '\t'));
}

}  // namespace

namespace {

// A cell's span in a table's text.
struct Span {
  uint32_t col;
  uint64_t begin, end;
};

// The cells of each row, from the row anchors and the tabs: the data rows,
// or (`header`) the header row alone.
template <typename F>
void ForEachRow(const extract::TextPart& t, bool header, F&& on_row) {
  const uint32_t header_row = t.anchors.front().row;
  std::vector<Span> cells;
  for (size_t i = 0; i < t.anchors.size(); ++i) {
    const extract::Anchor& a = t.anchors[i];
    if (a.row == 0) continue;
    const bool continues =
        !cells.empty() && i > 0 && t.anchors[i - 1].row == a.row;
    if (!continues && !cells.empty()) {
      on_row(cells);
      cells.clear();
    }
    if ((a.row == header_row) != header) continue;
    uint64_t end =
        i + 1 < t.anchors.size() ? t.anchors[i + 1].offset : t.text.size();
    uint32_t col = a.col;
    for (uint64_t pos = a.offset; pos < end; ++col) {
      uint64_t stop = pos;
      while (stop < end && t.text[stop] != '\t' && t.text[stop] != '\n') ++stop;
      if (stop > pos) cells.push_back({col, pos, stop});
      if (stop >= end || t.text[stop] == '\n') break;
      pos = stop + 1;
    }
  }
  if (!cells.empty()) on_row(cells);
}

// Whether `phrase` (words joined by spaces) holds `words` as whole words; a
// plural "s" after them counts.
bool HasWords(std::string_view phrase, std::string_view words) {
  if (words.empty()) return false;
  for (size_t pos = phrase.find(words); pos != std::string_view::npos;
       pos = phrase.find(words, pos + 1)) {
    size_t end = pos + words.size();
    if (end < phrase.size() && phrase[end] == 's') ++end;
    if ((pos == 0 || phrase[pos - 1] == ' ') &&
        (end == phrase.size() || phrase[end] == ' '))
      return true;
  }
  return false;
}

// Whether `phrase` is one of `names` or ends with one.
bool IsOneOf(std::string_view phrase, const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (phrase == n || (phrase.size() > n.size() && phrase.ends_with(n) &&
                        phrase[phrase.size() - n.size() - 1] == ' '))
      return true;
  return false;
}

}  // namespace

std::string Engine::HeaderPhrase(std::string_view header) const {
  const policy::Tables& tables = pack().tables;
  const std::vector<std::string> words = core::HeaderWords(header);
  std::string out, key;
  for (size_t i = 0; i < words.size();) {
    size_t take = 0;
    for (size_t n = std::min(tables.longest_key, words.size() - i); n > 0;
         --n) {
      key = words[i];
      for (size_t k = 1; k < n; ++k) key += " " + words[i + k];
      if (auto it = tables.abbreviations.find(key);
          it != tables.abbreviations.end()) {
        out += (out.empty() ? "" : " ") + it->second;
        take = n;
        break;
      }
    }
    if (take == 0) {
      out += (out.empty() ? "" : " ") + words[i];
      take = 1;
    }
    i += take;
  }
  return out;
}

void Engine::ColumnContext(const extract::TextPart& t, size_t first,
                           Scratch& scratch,
                           std::vector<inspect::Finding>& findings) const {
  // Each header written out; the columns headed by a hotword; the given- and
  // family-name columns.
  const policy::Tables& tables = pack().tables;
  std::vector<std::string> phrase(t.columns.size());
  std::vector<bool> hot(t.columns.size(), false);
  int given = -1, family = -1;
  for (size_t c = 0; c < t.columns.size(); ++c) {
    phrase[c] = HeaderPhrase(t.columns[c]);
    if (phrase[c].empty()) continue;
    for (const auto& w : hotwords_)
      if (HasWords(phrase[c], w)) {
        hot[c] = true;
        break;
      }
    if (family < 0 && IsOneOf(phrase[c], tables.family_name))
      family = static_cast<int>(c);
    else if (given < 0 && IsOneOf(phrase[c], tables.given_name))
      given = static_cast<int>(c);
  }
  const bool names = given >= 0 && family >= 0 && !name_detectors_.empty();
  // The text read again, one line per cell or row, each remembering its
  // place in t.text: every header written out (for word lists: "iep_flag"
  // is "iep flag"), "header: value" for each cell of a hot column, and
  // "Given Family" for each row.
  enum class Kind { kHeader, kCell, kName };
  struct Line {
    uint64_t start = 0;   // in `text`
    uint64_t prefix = 0;  // length of "header: "
    uint64_t body = 0;    // the cell's offset in t.text
    uint64_t length = 0;  // for a header or name line: the cell's length
    Kind kind = Kind::kCell;
  };
  std::string text;
  std::vector<Line> lines;
  ForEachRow(t, true, [&](const std::vector<Span>& cells) {
    for (const Span& c : cells) {
      if (c.col >= phrase.size() || phrase[c.col].empty()) continue;
      lines.push_back(
          {text.size(), 0, c.begin, c.end - c.begin, Kind::kHeader});
      text += phrase[c.col] + "\n";
    }
  });
  ForEachRow(t, false, [&](const std::vector<Span>& cells) {
    const Span* g = nullptr;
    const Span* f = nullptr;
    for (const Span& c : cells) {
      if (c.col < hot.size() && hot[c.col]) {
        lines.push_back({text.size(), phrase[c.col].size() + 2, c.begin});
        text += phrase[c.col] + ": ";
        text.append(t.text, c.begin, c.end - c.begin);
        text += '\n';
      }
      if (static_cast<int>(c.col) == given) g = &c;
      if (static_cast<int>(c.col) == family) f = &c;
    }
    if (names && g && f) {
      lines.push_back(
          {text.size(), 0, g->begin, g->end - g->begin, Kind::kName});
      text.append(t.text, g->begin, g->end - g->begin);
      text += ' ';
      text.append(t.text, f->begin, f->end - f->begin);
      text += '\n';
    }
  });
  if (lines.empty()) return;
  std::vector<inspect::Finding> found;
  inspector_->InspectText({text, t.path, t.view, true}, scratch, found);
  core::LineIndex line_of(t.text);
  std::set<std::pair<std::string, uint64_t>> seen;  // detector, offset
  for (size_t i = first; i < findings.size(); ++i)
    seen.emplace(findings[i].detector, findings[i].location.offset);
  auto among = [](const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  auto detector_of = [&](const std::string& id) -> const policy::Detector* {
    for (const auto& d : pack().detectors)
      if (d.id == id) return &d;
    return nullptr;
  };
  for (auto& f : found) {
    auto it =
        std::upper_bound(lines.begin(), lines.end(), f.location.offset,
                         [](uint64_t o, const Line& l) { return o < l.start; });
    if (it == lines.begin()) continue;
    const Line& l = *(it - 1);
    const std::vector<std::string>& wanted =
        l.kind == Kind::kName     ? name_detectors_
        : l.kind == Kind::kHeader ? lexicon_detectors_
                                  : hotword_detectors_;
    if (!among(wanted, f.detector)) continue;
    if (f.location.offset < l.start + l.prefix) continue;  // in the header
    if (l.kind == Kind::kCell) {
      f.location.offset = l.body + (f.location.offset - l.start - l.prefix);
    } else {
      f.location.offset = l.body;
      f.location.length = static_cast<uint32_t>(l.length);
    }
    f.location.line = line_of.LineOf(f.location.offset);
    // The excerpt shows the table as it is, not the text read again.
    if (const policy::Detector* d = detector_of(f.detector)) {
      const uint64_t b = f.location.offset, e = b + f.location.length;
      f.excerpt =
          inspect::Excerpt(t.text, b, e, pack().RedactionOf(*d), show_values_);
      if (show_values_) f.value = t.text.substr(b, e - b);
    }
    // Found already in the table's own text (a value near its header)?
    if (seen.emplace(f.detector, f.location.offset).second)
      findings.push_back(std::move(f));
  }
}

void Engine::Place(const extract::TextPart& t, size_t first,
                   std::vector<inspect::Finding>& findings) const {
  const policy::BulkExtract& bulk = pack().bulk_extract;
  const bool table = t.table_rows > 0 && !bulk.category.empty();
  const uint32_t header_row = t.anchors.front().row;
  std::set<uint32_t> rows;
  std::string sheet;
  // What each column holds, by column: its name and its findings' categories.
  std::map<uint32_t, std::pair<std::string, std::set<std::string>>> columns;
  auto is_bulk = [&](const inspect::Finding& f) {
    return std::find(bulk.from.begin(), bulk.from.end(), f.category) !=
           bulk.from.end();
  };
  for (size_t i = first; i < findings.size(); ++i) {
    inspect::Finding& f = findings[i];
    const extract::Anchor* a = AnchorAt(t.anchors, f.location.offset);
    if (!a) continue;
    if (a->row == 0) {
      f.location.where = a->label;
      continue;
    }
    const uint32_t col = ColumnAt(t, *a, f.location.offset);
    std::string header =
        col < t.columns.size() ? t.columns[col] : std::string();
    f.location.where = (a->label.empty() ? "" : a->label + "!") +
                       extract::ColumnName(col) + std::to_string(a->row);
    if (!header.empty() && a->row != header_row)
      f.location.where += " (" + header + ")";
    if (!table) continue;
    auto& c = columns[col];
    c.first = header.empty() ? "column " + extract::ColumnName(col) : header;
    c.second.insert(f.category);
    if (a->row != header_row && is_bulk(f)) {
      rows.insert(a->row);
      sheet = a->label;
    }
  }
  if (!table || rows.size() < bulk.min_rows) return;
  // A bulk extract: one finding for the table instead of one per cell of
  // the categories that identify students; it says what each column holds.
  findings.erase(
      std::remove_if(findings.begin() + static_cast<std::ptrdiff_t>(first),
                     findings.end(), is_bulk),
      findings.end());
  std::string cols;
  for (const auto& [col, c] : columns) {
    std::string cats;
    for (const auto& cat : c.second) cats += (cats.empty() ? "" : ", ") + cat;
    cols += (cols.empty() ? "" : "; ") + c.first + ": " + cats;
  }
  inspect::Finding f = inspector_->MakeFinding(
      bulk.category, t.path,
      std::to_string(rows.size()) + " of " + std::to_string(t.table_rows) +
          " rows identify students (" + cols + ")");
  f.location.view = core::ViewName(t.view);
  // A sheet by its name; a web page's table by its number ("table 2").
  f.location.where = sheet.empty()                   ? ""
                     : t.content_type == "text/html" ? sheet
                                                     : "sheet " + sheet;
  findings.push_back(std::move(f));
}

ItemResult Engine::InspectMessage(std::string name, std::string_view bytes,
                                  Scratch& scratch) const {
  extract::Item item;
  item.name = std::move(name);
  item.bytes = bytes.size();
  item.content = extract::ExtractMessage(bytes, limits_);
  return InspectItem(std::move(item), scratch);
}

ItemResult Engine::InspectPlainText(std::string name, std::string_view text,
                                    Scratch& scratch) const {
  extract::Item item;
  item.name = std::move(name);
  item.bytes = text.size();
  item.content.texts.push_back(
      {"", core::View::kBody, "text/plain", "", std::string(text)});
  return InspectItem(std::move(item), scratch);
}

}  // namespace steward::engine
