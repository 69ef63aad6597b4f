// Page rendering: logic-less mustache templates compiled into the binary
// (templates/*.mustache), one layout around every page, and the small SVG
// bar chart the dashboard draws without JavaScript. Thread-safe after
// construction.
#pragma once

#include <kainjow/mustache.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace steward::portal {

using Data = kainjow::mustache::data;
using List = kainjow::mustache::list;

class View {
 public:
  View();
  // Renders template `name` inside the layout. `data` carries "title"; the
  // rendered page body is added to it as "body" for the layout.
  std::string Render(const std::string& name, Data& data) const;
  // Renders template `name` alone, without the layout.
  std::string Fragment(const std::string& name, const Data& data) const;

 private:
  // Templates are parsed once per thread: a parsed template is not safe to
  // render from two threads at once, and parsing per request costs more
  // than the rest of a cached dashboard.
  kainjow::mustache::mustache& Parsed(const std::string& name) const;
  std::map<std::string, std::string> templates_;
};

// Sets `key` of object `d` to `value`, moved in: Data::set copies its
// value twice, and a list with every row in it, which for a page of a
// hundred rows costs more than the page's query.
inline void Put(Data& d, const std::string& key, Data&& value) {
  d.set(key, Data(false));  // a bool: nothing to copy
  if (auto* slot = const_cast<Data*>(d.get(key))) *slot = std::move(value);
}
inline void Put(Data& d, const std::string& key, const std::string& value) {
  Put(d, key, Data(value));
}
inline void Put(Data& d, const std::string& key, List&& rows) {
  Data list(Data::type::list);
  const_cast<List&>(list.list_value()) = std::move(rows);
  Put(d, key, std::move(list));
}

// One row of Data per item, made by `row`, in a list reserved first: a
// Data's move may throw, so a growing vector copies every row it holds.
template <typename Items, typename RowOf>
List RowsOf(const Items& items, RowOf row) {
  List out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(row(item));
  return out;
}

// Sets `key` only when `value` is not empty, so that a template's
// {{#key}} section shows only then (an empty string is a true value to
// mustache).
inline void SetIfAny(Data& d, const std::string& key,
                     const std::string& value) {
  if (!value.empty()) Put(d, key, value);
}

// A count for a page: `key` the number, "has_<key>" whether it is above
// zero (for a {{#has_key}} section).
inline void SetCount(Data& d, const std::string& key, int64_t n) {
  d.set(key, std::to_string(n));
  d.set("has_" + key, n > 0);
}

struct Bar {
  std::string label;
  double percent = 0;   // 0..100
  std::string caption;  // "41 of 52"
};
// A horizontal bar chart as inline SVG with a <title> and per-bar text, so a
// screen reader reads it as the table beside it.
std::string BarChartSvg(const std::string& title, const std::vector<Bar>& bars);

// nlohmann's dump, replacing invalid UTF-8 instead of throwing.
std::string Dump(const nlohmann::json& j);

}  // namespace steward::portal
