// The report as text, CSV and XLSX (report.h).
#include <fmt/format.h>
#include <xlsxwriter.h>

#include <algorithm>

#include "core/csv.h"
#include "core/text.h"
#include "core/workbook.h"
#include "weblog/report.h"

namespace steward::weblog {

std::string FormatBytes(uint64_t b) {
  static const char* kUnits[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  if (b < 1000) return fmt::format("{} B", b);
  double v = static_cast<double>(b);
  int u = -1;
  while (v >= 999.95 && u < 5) {
    v /= 1000;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, kUnits[u]);
}

std::string FormatCount(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatTime(int64_t local) {
  // Days to a civil date (H. Hinnant's algorithm).
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", y, m, d, secs / 3600,
                     secs % 3600 / 60);
}

namespace {

std::string Plural(uint64_t n, std::string_view noun) {
  return fmt::format("{} {}{}", FormatCount(n), noun, n == 1 ? "" : "s");
}

std::string Percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) /
                                    static_cast<double>(whole));
}

// Columns aligned: the first `left` columns to the left, the rest right.
class TextTable {
 public:
  TextTable(std::vector<std::string> head, size_t left) : left_(left) {
    rows_.push_back(std::move(head));
  }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render(const std::string& indent) const {
    std::vector<size_t> w(rows_[0].size(), 0);
    for (const auto& r : rows_)
      for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
    std::string out;
    for (const auto& r : rows_) {
      std::string line = indent;
      for (size_t i = 0; i < r.size(); ++i) {
        if (i) line += "  ";
        line += i < left_ ? fmt::format("{:<{}}", r[i], w[i])
                          : fmt::format("{:>{}}", r[i], w[i]);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

 private:
  size_t left_;
  std::vector<std::vector<std::string>> rows_;
};

std::string UserTable(const std::vector<Row>& rows) {
  TextTable t({"user", "requests", "bytes", "non-academic", "share"}, 1);
  for (const auto& r : rows)
    t.Add({r.name, FormatCount(r.counts.requests), FormatBytes(r.counts.bytes),
           FormatBytes(r.counts.na_bytes),
           Percent(r.counts.na_bytes, r.counts.bytes)});
  return t.Render("  ");
}

std::string SiteTable(const std::vector<Row>& rows) {
  TextTable t({"site", "category", "requests", "bytes"}, 2);
  for (const auto& r : rows)
    t.Add({r.name, r.detail, FormatCount(r.counts.requests),
           FormatBytes(r.counts.bytes)});
  return t.Render("  ");
}

}  // namespace

std::string RenderText(const Report& r) {
  std::string out;
  std::string inputs;
  for (const auto& i : r.inputs) inputs += (inputs.empty() ? "" : ", ") + i;
  out += fmt::format("Proxy log report: {}\n", inputs);
  if (!r.first.empty())
    out += fmt::format("From {} to {} ({})\n", r.first, r.last, r.time_zone);
  out += fmt::format("{}: {}, {} ({} non-academic, {})",
                     Plural(r.lines, "line"), Plural(r.all.requests, "request"),
                     FormatBytes(r.all.bytes), FormatBytes(r.all.na_bytes),
                     Percent(r.all.na_bytes, r.all.bytes));
  if (r.outside_dates)
    out += fmt::format("; {} outside the dates", FormatCount(r.outside_dates));
  out += fmt::format("; {} malformed\n", FormatCount(r.malformed));
  out += fmt::format("{}, {}", Plural(r.users, "user"),
                     Plural(r.sites, "web site"));
  if (r.users_capped || r.sites_capped)
    out +=
        " (past the pack's max_users / max_sites, new ones are \"(others)\")";
  out += "\n";

  out +=
      "\nBy category (C.23: streaming, P2P and games are bandwidth-heavy "
      "non-academic use)\n";
  TextTable cats({"category", "kind", "clauses", "requests", "bytes", "share"},
                 3);
  for (size_t i = 0; i < r.categories.size(); ++i) {
    const Row& c = r.categories[i];
    cats.Add({c.name, c.detail.empty() ? "-" : c.detail,
              r.category_clauses[i].empty() ? "-" : r.category_clauses[i],
              FormatCount(c.counts.requests), FormatBytes(c.counts.bytes),
              Percent(c.counts.bytes, r.all.bytes)});
  }
  out += cats.Render("  ");

  out += fmt::format("\nTop {} users by bytes\n", r.users_by_bytes.size());
  out += UserTable(r.users_by_bytes);
  out +=
      fmt::format("\nTop {} users by requests\n", r.users_by_requests.size());
  out += UserTable(r.users_by_requests);
  out += fmt::format("\nTop {} web sites by bytes\n", r.sites_by_bytes.size());
  out += SiteTable(r.sites_by_bytes);
  out += fmt::format("\nTop {} web sites by requests\n",
                     r.sites_by_requests.size());
  out += SiteTable(r.sites_by_requests);

  out +=
      "\nNon-academic use during duty hours (C.27), by site of the District\n";
  if (r.duty.empty()) {
    out +=
        "  No sites in the pack ([[weblog.site]] with subnets and duty "
        "hours).\n";
  } else {
    TextTable t({"site", "requests", "bytes", "on duty", "bytes",
                 "non-academic", "bytes", "share"},
                1);
    for (const auto& d : r.duty)
      t.Add({d.name, FormatCount(d.total.requests), FormatBytes(d.total.bytes),
             FormatCount(d.duty.requests), FormatBytes(d.duty.bytes),
             FormatCount(d.duty.na_requests), FormatBytes(d.duty.na_bytes),
             Percent(d.duty.na_bytes, d.duty.bytes)});
    out += t.Render("  ");
  }
  if (r.no_site)
    out += fmt::format("  and {} from no site's subnets\n",
                       Plural(r.no_site, "request"));
  for (const auto& d : r.duty) {
    out += fmt::format("\n  {}, duty {}\n", d.name, d.hours);
    if (d.users.empty()) {
      out += "    no non-academic use during duty hours\n";
      continue;
    }
    TextTable t({"user", "non-academic requests", "bytes"}, 1);
    for (const auto& u : d.users)
      t.Add({u.name, FormatCount(u.counts.na_requests),
             FormatBytes(u.counts.na_bytes)});
    out += t.Render("    ");
  }

  if (r.malformed) {
    out += fmt::format("\nMalformed lines: {} (not counted above)",
                       FormatCount(r.malformed));
    out += r.examples.size() < r.malformed
               ? fmt::format("; the first {}:\n", r.examples.size())
               : ":\n";
    for (const auto& e : r.examples) out += "  " + e + "\n";
  }
  return out;
}

std::string RenderCsv(const Report& r) {
  std::string out =
      "table,rank,name,detail,requests,bytes,non_academic_requests,"
      "non_academic_bytes\n";
  auto row = [&](std::string_view table, size_t rank, const std::string& name,
                 const std::string& detail, const Counts& c) {
    out +=
        core::CsvRow(
            {std::string(table), rank ? std::to_string(rank) : std::string(),
             name, detail, std::to_string(c.requests), std::to_string(c.bytes),
             std::to_string(c.na_requests), std::to_string(c.na_bytes)}) +
        "\n";
  };
  auto count = [&](const std::string& name, uint64_t n) {
    row("summary", 0, name, "", Counts{.requests = n});
  };
  row("summary", 0, "all", r.first.empty() ? "" : r.first + " to " + r.last,
      r.all);
  count("lines", r.lines);
  count("malformed", r.malformed);
  count("outside-dates", r.outside_dates);
  count("no-site", r.no_site);
  count("users", r.users);
  count("sites", r.sites);
  for (size_t i = 0; i < r.categories.size(); ++i)
    row("categories", i + 1, r.categories[i].name, r.categories[i].detail,
        r.categories[i].counts);
  auto table = [&](std::string_view name, const std::vector<Row>& rows) {
    for (size_t i = 0; i < rows.size(); ++i)
      row(name, i + 1, rows[i].name, rows[i].detail, rows[i].counts);
  };
  table("users-by-bytes", r.users_by_bytes);
  table("users-by-requests", r.users_by_requests);
  table("sites-by-bytes", r.sites_by_bytes);
  table("sites-by-requests", r.sites_by_requests);
  for (const auto& d : r.duty) {
    row("duty-hours", 0, d.name, "", d.duty);
    for (size_t i = 0; i < d.users.size(); ++i)
      row("duty-hours", i + 1, d.name, d.users[i].name, d.users[i].counts);
  }
  return out;
}

namespace {

struct Formats {
  lxw_format* bold;
  lxw_format* count;
  lxw_format* pct;
};

void Head(lxw_worksheet* ws, const Formats& f,
          std::initializer_list<const char*> cols) {
  lxw_col_t c = 0;
  for (const char* h : cols) worksheet_write_string(ws, 0, c++, h, f.bold);
  worksheet_freeze_panes(ws, 1, 0);
}

// Strings, never formulas: a user named "=cmd" stays text.
void Text(lxw_worksheet* ws, lxw_row_t r, lxw_col_t c, const std::string& s) {
  worksheet_write_string(ws, r, c, s.c_str(), nullptr);
}

void Num(lxw_worksheet* ws, lxw_row_t r, lxw_col_t c, uint64_t v,
         lxw_format* f) {
  worksheet_write_number(ws, r, c, static_cast<double>(v), f);
}

void Share(lxw_worksheet* ws, lxw_row_t r, lxw_col_t c, uint64_t part,
           uint64_t whole, const Formats& f) {
  if (whole)
    worksheet_write_number(
        ws, r, c, static_cast<double>(part) / static_cast<double>(whole),
        f.pct);
}

void UserSheet(lxw_workbook* wb, const char* name, const std::vector<Row>& rows,
               const Formats& f) {
  lxw_worksheet* ws = workbook_add_worksheet(wb, name);
  Head(ws, f,
       {"User", "Requests", "Bytes", "Non-academic requests",
        "Non-academic bytes", "Non-academic share"});
  worksheet_set_column(ws, 0, 0, 30, nullptr);
  worksheet_set_column(ws, 1, 5, 20, nullptr);
  lxw_row_t r = 1;
  for (const auto& u : rows) {
    Text(ws, r, 0, u.name);
    Num(ws, r, 1, u.counts.requests, f.count);
    Num(ws, r, 2, u.counts.bytes, f.count);
    Num(ws, r, 3, u.counts.na_requests, f.count);
    Num(ws, r, 4, u.counts.na_bytes, f.count);
    Share(ws, r, 5, u.counts.na_bytes, u.counts.bytes, f);
    ++r;
  }
}

void SiteSheet(lxw_workbook* wb, const char* name, const std::vector<Row>& rows,
               const Formats& f) {
  lxw_worksheet* ws = workbook_add_worksheet(wb, name);
  Head(ws, f, {"Web site", "Category", "Requests", "Bytes"});
  worksheet_set_column(ws, 0, 0, 40, nullptr);
  worksheet_set_column(ws, 1, 3, 16, nullptr);
  lxw_row_t r = 1;
  for (const auto& s : rows) {
    Text(ws, r, 0, s.name);
    Text(ws, r, 1, s.detail);
    Num(ws, r, 2, s.counts.requests, f.count);
    Num(ws, r, 3, s.counts.bytes, f.count);
    ++r;
  }
}

}  // namespace

core::Status WriteXlsx(const Report& r, const std::string& path) {
  core::Workbook book;
  lxw_workbook* wb = book.get();
  if (!wb) return book.Close(0).status();
  Formats f;
  f.bold = workbook_add_format(wb);
  format_set_bold(f.bold);
  f.count = workbook_add_format(wb);
  format_set_num_format(f.count, "#,##0");
  f.pct = workbook_add_format(wb);
  format_set_num_format(f.pct, "0.0%");

  lxw_worksheet* sum = workbook_add_worksheet(wb, "Summary");
  worksheet_set_column(sum, 0, 0, 28, nullptr);
  worksheet_set_column(sum, 1, 1, 60, nullptr);
  std::string inputs;
  for (const auto& i : r.inputs) inputs += (inputs.empty() ? "" : ", ") + i;
  lxw_row_t row = 0;
  auto pair = [&](const char* k, const std::string& v) {
    worksheet_write_string(sum, row, 0, k, f.bold);
    Text(sum, row++, 1, v);
  };
  auto num = [&](const char* k, uint64_t v) {
    worksheet_write_string(sum, row, 0, k, f.bold);
    Num(sum, row++, 1, v, f.count);
  };
  pair("Logs", inputs);
  pair("From", r.first);
  pair("To", r.last);
  pair("Time zone", r.time_zone);
  num("Lines", r.lines);
  num("Requests", r.all.requests);
  num("Bytes", r.all.bytes);
  num("Non-academic bytes", r.all.na_bytes);
  num("Malformed lines", r.malformed);
  num("Outside the dates", r.outside_dates);
  num("Requests from no site", r.no_site);
  num("Users", r.users);
  num("Web sites", r.sites);
  for (const auto& e : r.examples) pair("Malformed", e);

  lxw_worksheet* cats = workbook_add_worksheet(wb, "Categories");
  Head(cats, f, {"Category", "Kind", "Clauses", "Requests", "Bytes", "Share"});
  worksheet_set_column(cats, 0, 2, 16, nullptr);
  worksheet_set_column(cats, 3, 5, 18, nullptr);
  row = 1;
  for (size_t i = 0; i < r.categories.size(); ++i) {
    const Row& c = r.categories[i];
    Text(cats, row, 0, c.name);
    Text(cats, row, 1, c.detail);
    Text(cats, row, 2, r.category_clauses[i]);
    Num(cats, row, 3, c.counts.requests, f.count);
    Num(cats, row, 4, c.counts.bytes, f.count);
    Share(cats, row, 5, c.counts.bytes, r.all.bytes, f);
    ++row;
  }
  if (!r.categories.empty()) {
    lxw_chart* chart = workbook_add_chart(wb, LXW_CHART_BAR);
    lxw_chart_series* s = chart_add_series(chart, nullptr, nullptr);
    auto last = static_cast<lxw_row_t>(r.categories.size());
    chart_series_set_categories(s, "Categories", 1, 0, last, 0);
    chart_series_set_values(s, "Categories", 1, 4, last, 4);
    chart_series_set_name(s, "Bytes");
    chart_title_set_name(chart, "Bytes by category");
    chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
    chart_axis_set_reverse(chart->y_axis);
    lxw_chart_options opt{};
    opt.x_scale = 1.5;
    opt.y_scale = 1.0 + static_cast<double>(r.categories.size()) / 12.0;
    worksheet_insert_chart_opt(cats, 1, 7, chart, &opt);
  }

  UserSheet(wb, "Users by bytes", r.users_by_bytes, f);
  UserSheet(wb, "Users by requests", r.users_by_requests, f);
  SiteSheet(wb, "Web sites by bytes", r.sites_by_bytes, f);
  SiteSheet(wb, "Web sites by requests", r.sites_by_requests, f);

  lxw_worksheet* duty = workbook_add_worksheet(wb, "Duty hours");
  Head(duty, f,
       {"Site", "Duty hours", "User", "Requests during duty",
        "Bytes during duty", "Non-academic requests", "Non-academic bytes"});
  worksheet_set_column(duty, 0, 2, 28, nullptr);
  worksheet_set_column(duty, 3, 6, 20, nullptr);
  row = 1;
  auto duty_row = [&](const Report::DutySite& d, const std::string& user,
                      const Counts& c) {
    Text(duty, row, 0, d.name);
    Text(duty, row, 1, d.hours);
    Text(duty, row, 2, user);
    Num(duty, row, 3, c.requests, f.count);
    Num(duty, row, 4, c.bytes, f.count);
    Num(duty, row, 5, c.na_requests, f.count);
    Num(duty, row, 6, c.na_bytes, f.count);
    ++row;
  };
  for (const auto& d : r.duty) {
    duty_row(d, "(all)", d.duty);
    for (const auto& u : d.users) duty_row(d, u.name, u.counts);
  }

  auto bytes = book.Close(size_t{1} << 30);
  if (!bytes.ok()) return bytes.status();
  return core::WriteFileAtomic(path, *bytes);
}

}  // namespace steward::weblog
