// The completion workbook: a summary sheet by site with a bar chart, a sheet
// by job role, and every employee with their evidence. Written by
// libxlsxwriter to a private temporary file (core/workbook.h), then read
// back.
#include <fmt/format.h>
#include <xlsxwriter.h>

#include <string>

#include "acknowledge/campaigns.h"
#include "core/text.h"
#include "core/workbook.h"

namespace steward::acknowledge {

namespace {

void WriteTallies(lxw_workbook* wb, lxw_worksheet* ws, lxw_format* bold,
                  lxw_format* pct, const std::string& heading,
                  const std::vector<Tally>& rows, const Tally& overall) {
  worksheet_write_string(ws, 0, 0, heading.c_str(), bold);
  worksheet_write_string(ws, 0, 1, "Acknowledged", bold);
  worksheet_write_string(ws, 0, 2, "In audience", bold);
  worksheet_write_string(ws, 0, 3, "Complete", bold);
  worksheet_set_column(ws, 0, 0, 34, nullptr);
  worksheet_set_column(ws, 1, 3, 14, nullptr);
  lxw_row_t r = 1;
  for (const auto& t : rows) {
    worksheet_write_string(ws, r, 0, t.label.c_str(), nullptr);
    worksheet_write_number(ws, r, 1, static_cast<double>(t.done), nullptr);
    worksheet_write_number(ws, r, 2, static_cast<double>(t.total), nullptr);
    worksheet_write_number(ws, r, 3, t.total ? double(t.done) / t.total : 0,
                           pct);
    ++r;
  }
  worksheet_write_string(ws, r, 0, "All", bold);
  worksheet_write_number(ws, r, 1, static_cast<double>(overall.done), bold);
  worksheet_write_number(ws, r, 2, static_cast<double>(overall.total), bold);
  worksheet_write_number(
      ws, r, 3, overall.total ? double(overall.done) / overall.total : 0, pct);
  if (rows.empty()) return;
  lxw_chart* chart = workbook_add_chart(wb, LXW_CHART_BAR);
  std::string sheet = heading == "Site" ? "By site" : "By job role";
  lxw_chart_series* s = chart_add_series(chart, nullptr, nullptr);
  chart_series_set_categories(s, sheet.c_str(), 1, 0,
                              static_cast<lxw_row_t>(rows.size()), 0);
  chart_series_set_values(s, sheet.c_str(), 1, 3,
                          static_cast<lxw_row_t>(rows.size()), 3);
  chart_series_set_name(s, "Complete");
  chart_title_set_name(
      chart, ("Acknowledged, by " + core::AsciiLower(heading)).c_str());
  chart_axis_set_max(chart->x_axis, 1.0);
  chart_axis_set_num_format(chart->x_axis, "0%");
  chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
  lxw_chart_options opt{};
  opt.x_scale = 1.4;
  opt.y_scale = 1.0 + rows.size() / 12.0;
  worksheet_insert_chart_opt(ws, 1, 5, chart, &opt);
}

}  // namespace

core::Result<std::string> CompletionXlsx(store::Database& db,
                                         const Campaign& c) {
  auto completion = CompletionOf(db, c);
  if (!completion.ok()) return completion.status();
  core::Workbook book;
  lxw_workbook* wb = book.get();
  if (!wb) return book.Close(0).status();
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_format* pct = workbook_add_format(wb);
  format_set_num_format(pct, "0.0%");
  lxw_worksheet* by_site = workbook_add_worksheet(wb, "By site");
  WriteTallies(wb, by_site, bold, pct, "Site", completion->by_site,
               completion->overall);
  lxw_worksheet* by_role = workbook_add_worksheet(wb, "By job role");
  WriteTallies(wb, by_role, bold, pct, "Job role", completion->by_role,
               completion->overall);
  lxw_worksheet* people = workbook_add_worksheet(wb, "Employees");
  const char* headers[] = {
      "Employee ID", "Name",         "E-mail",          "Site",      "Job role",
      "Opened",      "Acknowledged", "Version SHA-256", "IP address"};
  for (int i = 0; i < 9; ++i) {
    worksheet_write_string(people, 0, static_cast<lxw_col_t>(i), headers[i],
                           bold);
  }
  worksheet_set_column(people, 0, 0, 14, nullptr);
  worksheet_set_column(people, 1, 2, 30, nullptr);
  worksheet_set_column(people, 3, 6, 22, nullptr);
  worksheet_freeze_panes(people, 1, 0);
  lxw_row_t r = 1;
  auto st = EachStatus(db, c, false, [&](const StatusRow& s) {
    const std::string* cells[] = {
        &s.source_id, &s.name,      &s.email,           &s.site,
        &s.job_role,  &s.opened_at, &s.acknowledged_at, &s.version_sha256,
        &s.ip};
    for (int i = 0; i < 9; ++i) {
      // Strings, never formulas: a name starting with '=' stays text.
      worksheet_write_string(people, r, static_cast<lxw_col_t>(i),
                             cells[i]->c_str(), nullptr);
    }
    ++r;
    return true;
  });
  if (r > 1) worksheet_autofilter(people, 0, 0, r - 1, 8);
  auto bytes = book.Close(512u << 20);
  if (!st.ok()) return st;
  return bytes;
}

}  // namespace steward::acknowledge
