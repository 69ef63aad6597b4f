#include "channels/cli/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/csv.h"
#include "core/text.h"
#include "decide/verdict.h"

namespace steward::cli {

namespace {

using policy::SeverityName;

std::string Where(const inspect::Finding& f) {
  const auto& l = f.location;
  std::string s;
  if (!l.part.empty()) s += "part " + l.part + " ";
  if (l.view.empty()) {
    if (!l.where.empty()) return s + l.where;
    return s.empty() ? "item" : s.substr(0, s.size() - 1);
  }
  s += l.view;
  if ((l.view == "body" || l.view == "headers") && l.line)
    s += fmt::format(" line {}", l.line);
  if (!l.where.empty()) s += ", " + l.where;
  return s;
}

std::string MB(uint64_t bytes) { return fmt::format("{:.1f} MB", bytes / 1e6); }

class TextReporter : public Reporter {
 public:
  TextReporter(const policy::PolicyPack& pack, std::FILE* out)
      : pack_(pack), out_(out) {}
  void Item(const engine::ItemResult& r,
            const std::vector<const inspect::Finding*>& shown) override {
    if (!r.error.empty()) {
      fmt::print(out_, "{}\n  could not be read: {}\n\n", r.item, r.error);
      return;
    }
    if (shown.empty()) return;
    fmt::print(out_, "{}\n", r.item);
    std::set<std::string> cats;
    for (const auto* f : shown) {
      fmt::print(out_, "  {:<6} {:<22} {:<24} {}  (confidence {:.2f})\n",
                 Upper(SeverityName(f->severity)), f->category, Where(*f),
                 core::Join(f->clauses, ", "), f->confidence);
      fmt::print(out_, "         {}\n", f->excerpt);
      if (!f->detail.empty()) fmt::print(out_, "         who: {}\n", f->detail);
      cats.insert(f->category);
    }
    for (const auto& c : cats) {
      const policy::Category* cat = pack_.FindCategory(c);
      if (cat && !cat->advice.empty())
        fmt::print(out_, "  → {}: {}\n", cat->title, cat->advice);
    }
    fmt::print(out_, "\n");
  }
  void Finish(const Summary& s) override { PrintSummary(out_, s); }

  static void PrintSummary(std::FILE* f, const Summary& s) {
    double mbps = s.seconds > 0 ? s.bytes / 1e6 / s.seconds : 0;
    fmt::print(
        f, "Scanned {} items, {} in {:.2f} s ({:.1f} MB/s); {} unreadable.\n",
        s.items, MB(s.bytes), s.seconds, mbps, s.unreadable);
    fmt::print(f, "Findings: {} (high {}, medium {}, low {})\n", s.findings,
               Get(s.by_severity, policy::Severity::kHigh),
               Get(s.by_severity, policy::Severity::kMedium),
               Get(s.by_severity, policy::Severity::kLow));
    if (!s.by_clause.empty())
      fmt::print(f, "By clause: {}\n", FormatCounts(s.by_clause));
    if (!s.by_category.empty())
      fmt::print(f, "By category: {}\n", FormatCounts(s.by_category));
    if (!s.images.empty())
      fmt::print(f, "Images (text in images is not read): {}\n",
                 FormatCounts(s.images));
  }

 private:
  static std::string Upper(std::string_view s) {
    std::string r(s);
    for (char& c : r)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return r;
  }
  static uint64_t Get(const std::map<policy::Severity, uint64_t>& m,
                      policy::Severity k) {
    auto it = m.find(k);
    return it == m.end() ? 0 : it->second;
  }
  const policy::PolicyPack& pack_;
  std::FILE* out_;
};

nlohmann::ordered_json FindingJson(const std::string& item,
                                   const inspect::Finding& f) {
  nlohmann::ordered_json j = {{"item", item}};
  j.update(decide::FindingJson(f));
  return j;
}

nlohmann::json SummaryJson(const Summary& s) {
  nlohmann::json sev;
  for (auto& [k, v] : s.by_severity) sev[std::string(SeverityName(k))] = v;
  return {{"summary",
           {{"items", s.items},
            {"bytes", s.bytes},
            {"seconds", s.seconds},
            {"mb_per_s", s.seconds > 0 ? s.bytes / 1e6 / s.seconds : 0},
            {"unreadable", s.unreadable},
            {"findings", s.findings},
            {"by_clause", s.by_clause},
            {"by_category", s.by_category},
            {"by_severity", sev},
            {"images", s.images}}}};
}

class JsonlReporter : public Reporter {
 public:
  JsonlReporter(std::FILE* out, std::FILE* err) : out_(out), err_(err) {}
  void Item(const engine::ItemResult& r,
            const std::vector<const inspect::Finding*>& shown) override {
    if (!r.error.empty()) {
      fmt::print(out_, "{}\n",
                 nlohmann::json{{"item", r.item}, {"error", r.error}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    for (const auto* f : shown)
      fmt::print(
          out_, "{}\n",
          FindingJson(r.item, *f)
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  void Finish(const Summary& s) override {
    if (err_) fmt::print(err_, "{}\n", SummaryJson(s).dump());
  }

 private:
  std::FILE* out_;
  std::FILE* err_;
};

// Plain when nothing needs quoting; otherwise core::CsvField, which also
// keeps a cell that starts like a formula (an excerpt of a document, an
// attachment's name) from running when the report is opened in a
// spreadsheet.
std::string CsvField(std::string_view s) {
  if (!core::StartsLikeFormula(s) &&
      s.find_first_of(",\"\n\r") == std::string_view::npos)
    return std::string(s);
  return core::CsvField(s);
}

class CsvReporter : public Reporter {
 public:
  CsvReporter(std::FILE* out, std::FILE* err) : out_(out), err_(err) {
    fmt::print(out_,
               "item,category,clauses,severity,confidence,part,view,where,line,"
               "offset,excerpt,detail,error\n");
  }
  void Item(const engine::ItemResult& r,
            const std::vector<const inspect::Finding*>& shown) override {
    if (!r.error.empty()) {
      fmt::print(out_, "{},,,,,,,,,,,,{}\n", CsvField(r.item),
                 CsvField(r.error));
      return;
    }
    for (const auto* f : shown)
      fmt::print(
          out_, "{},{},{},{},{:.2f},{},{},{},{},{},{},{},\n", CsvField(r.item),
          f->category, CsvField(core::Join(f->clauses, ", ")),
          SeverityName(f->severity), f->confidence, CsvField(f->location.part),
          f->location.view, CsvField(f->location.where), f->location.line,
          f->location.offset, CsvField(f->excerpt), CsvField(f->detail));
  }
  void Finish(const Summary& s) override {
    if (err_) TextReporter::PrintSummary(err_, s);
  }

 private:
  std::FILE* out_;
  std::FILE* err_;
};

}  // namespace

namespace {

// "C.2" before "C.14": digit runs compare as numbers.
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie])))
        ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je])))
        ++je;
      unsigned long x = std::stoul(a.substr(i, std::min<size_t>(ie - i, 9)));
      unsigned long y = std::stoul(b.substr(j, std::min<size_t>(je - j, 9)));
      if (x != y) return x < y;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

}  // namespace

std::string FormatCounts(const std::map<std::string, uint64_t>& counts) {
  std::vector<std::pair<std::string, uint64_t>> sorted(counts.begin(),
                                                       counts.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) {
    return NaturalLess(x.first, y.first);
  });
  std::string s;
  for (const auto& [k, v] : sorted)
    s += fmt::format("{}{} ({})", s.empty() ? "" : ", ", k, v);
  return s;
}

std::unique_ptr<Reporter> MakeReporter(const std::string& format,
                                       const policy::PolicyPack& pack,
                                       std::FILE* out, std::FILE* err) {
  if (format == "jsonl") return std::make_unique<JsonlReporter>(out, err);
  if (format == "csv") return std::make_unique<CsvReporter>(out, err);
  return std::make_unique<TextReporter>(pack, out);
}

}  // namespace steward::cli
