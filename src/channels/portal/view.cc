#include "channels/portal/view.h"

#include <fmt/format.h>

#include <cmath>

#include "core/text.h"

namespace steward::portal {

using core::EscapeHtml;

View::View() {
  templates_ = {
#include "portal_templates.inc"
  };
}

kainjow::mustache::mustache& View::Parsed(const std::string& name) const {
  // Keyed by View too, so two portals in one process never share.
  thread_local std::map<std::pair<const View*, std::string>,
                        std::unique_ptr<kainjow::mustache::mustache>>
      parsed;
  auto& slot = parsed[{this, name}];
  if (!slot) {
    auto it = templates_.find(name);
    slot = std::make_unique<kainjow::mustache::mustache>(
        it == templates_.end() ? "template missing: " + EscapeHtml(name)
                               : it->second);
  }
  return *slot;
}

std::string View::Fragment(const std::string& name, const Data& data) const {
  std::string out;
  out.reserve(16384);
  auto& t = Parsed(name);
  if (!t.is_valid()) return "template error: " + EscapeHtml(t.error_message());
  t.render(data, [&out](const std::string& s) { out += s; });
  return out;
}

std::string View::Render(const std::string& name, Data& data) const {
  Put(data, "body", Fragment(name, data));
  std::string page;
  page.reserve(20000);
  Parsed("layout").render(data, [&page](const std::string& s) { page += s; });
  return page;
}

std::string BarChartSvg(const std::string& title,
                        const std::vector<Bar>& bars) {
  constexpr int kLabel = 210, kWidth = 360, kRow = 30, kPad = 8;
  int height = static_cast<int>(bars.size()) * kRow + 2 * kPad;
  std::string svg = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-title\" "
      "viewBox=\"0 0 {} {}\" width=\"100%\" "
      "xmlns=\"http://www.w3.org/2000/svg\"><title "
      "id=\"chart-title\">{}</title>",
      kLabel + kWidth + 120, height, EscapeHtml(title));
  int y = kPad;
  for (const auto& b : bars) {
    double pct = std::clamp(b.percent, 0.0, 100.0);
    int w = static_cast<int>(std::lround(kWidth * pct / 100.0));
    svg += fmt::format(
        "<g><text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"chart-label\">"
        "{}</text><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
        "class=\"chart-track\"/><rect x=\"{}\" y=\"{}\" width=\"{}\" "
        "height=\"{}\" class=\"chart-bar{}\"/><text x=\"{}\" y=\"{}\" "
        "class=\"chart-value\">{:.0f}% ({})</text></g>",
        kLabel - 8, y + 19, EscapeHtml(b.label), kLabel, y + 4, kWidth,
        kRow - 10, kLabel, y + 4, w, kRow - 10, pct < 50 ? " low" : "",
        kLabel + kWidth + 8, y + 19, pct, EscapeHtml(b.caption));
    y += kRow;
  }
  return svg + "</svg>";
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace steward::portal
