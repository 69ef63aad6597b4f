#include "channels/portal/view.h"

#include <fmt/format.h>

namespace steward::portal {

namespace {

std::string Escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

View::View() {
  templates_ = {
#include "portal_templates.inc"
  };
}

std::string View::Render(const std::string& name, const Data& data) const {
  auto it = templates_.find(name);
  if (it == templates_.end()) return "template missing: " + Escape(name);
  kainjow::mustache::mustache inner(it->second);
  std::string body = inner.render(data);
  if (!inner.is_valid()) body = "template error: " + Escape(inner.error_message());
  Data outer = data;
  outer.set("body", body);
  kainjow::mustache::mustache layout(templates_.at("layout"));
  return layout.render(outer);
}

std::string BarChartSvg(const std::string& title, const std::vector<Bar>& bars) {
  constexpr int kLabel = 210, kWidth = 360, kRow = 30, kPad = 8;
  int height = static_cast<int>(bars.size()) * kRow + 2 * kPad;
  std::string svg = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-title\" "
      "viewBox=\"0 0 {} {}\" width=\"100%\" "
      "xmlns=\"http://www.w3.org/2000/svg\"><title "
      "id=\"chart-title\">{}</title>",
      kLabel + kWidth + 120, height, Escape(title));
  int y = kPad;
  for (const auto& b : bars) {
    double pct = std::clamp(b.percent, 0.0, 100.0);
    int w = static_cast<int>(kWidth * pct / 100.0 + 0.5);
    svg += fmt::format(
        "<g><text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"chart-label\">"
        "{}</text><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
        "class=\"chart-track\"/><rect x=\"{}\" y=\"{}\" width=\"{}\" "
        "height=\"{}\" class=\"chart-bar{}\"/><text x=\"{}\" y=\"{}\" "
        "class=\"chart-value\">{:.0f}% ({})</text></g>",
        kLabel - 8, y + 19, Escape(b.label), kLabel, y + 4, kWidth, kRow - 10,
        kLabel, y + 4, w, kRow - 10, pct < 50 ? " low" : "",
        kLabel + kWidth + 8, y + 19, pct, Escape(b.caption));
    y += kRow;
  }
  return svg + "</svg>";
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace steward::portal
