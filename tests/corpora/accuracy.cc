#include "accuracy.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace steward::testing {

namespace {

const std::map<std::string, std::string>& TypeMap() {
  static const std::map<std::string, std::string> m = {
      {"US_SSN", "ssn"},
      {"CREDIT_CARD", "payment-card"},
      {"PHONE_NUMBER", "phone"},
      {"EMAIL_ADDRESS", "email-address"},
      {"US_DRIVER_LICENSE", "driver-license"},
      {"STREET_ADDRESS", "street-address"},
  };
  return m;
}

struct SpanLabel {
  size_t b, e;
  bool used = false;
};

}  // namespace

std::map<std::string, Score> EvaluatePresidio(const engine::Engine& eng,
                                              const std::string& path,
                                              std::string* error) {
  std::map<std::string, Score> out;
  nlohmann::json data;
  try {
    data = nlohmann::json::parse(ReadAll(path));
  } catch (const std::exception& ex) {
    *error = ex.what();
    return out;
  }
  auto scratch = eng.NewScratch();
  for (const auto& s : data) {
    std::string text = s["full_text"];
    // Presidio counts positions in code points; map to bytes.
    std::vector<size_t> byte_of;
    for (size_t i = 0; i < text.size(); ++i)
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
        byte_of.push_back(i);
    byte_of.push_back(text.size());
    auto to_byte = [&](size_t cp) {
      return cp < byte_of.size() ? byte_of[cp] : text.size();
    };
    std::map<std::string, std::vector<SpanLabel>> gold;
    for (const auto& sp : s["spans"]) {
      auto it = TypeMap().find(sp["entity_type"]);
      if (it == TypeMap().end()) continue;
      gold[it->first].push_back(
          {to_byte(sp["start_position"]), to_byte(sp["end_position"])});
    }
    auto r = eng.InspectPlainText("s", text, *scratch);
    for (const auto& [type, cat] : TypeMap()) {
      auto& labels = gold[type];
      Score& sc = out[type];
      for (const auto& f : r.findings) {
        if (f.category != cat) continue;
        size_t b = f.location.offset, e = b + f.location.length;
        bool hit = false;
        for (auto& l : labels)
          if (!l.used && b < l.e && l.b < e) {
            l.used = hit = true;
            break;
          }
        if (hit)
          ++sc.tp;
        else {
          // A second prediction inside an already matched label is not an
          // error.
          bool inside = false;
          for (auto& l : labels) inside |= b < l.e && l.b < e;
          if (!inside) ++sc.fp;
        }
      }
      for (auto& l : labels) sc.fn += !l.used;
    }
  }
  Score all;
  for (const auto& [t, sc] : out) {
    all.tp += sc.tp;
    all.fp += sc.fp;
    all.fn += sc.fn;
  }
  out["ALL"] = all;
  return out;
}

std::string ScoreTable(const std::map<std::string, Score>& s) {
  std::string t =
      "| type | labels | TP | FP | FN | precision | recall | F2 "
      "|\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& [type, sc] : s)
    t += fmt::format("| {} | {} | {} | {} | {} | {:.3f} | {:.3f} | {:.3f} |\n",
                     type, sc.tp + sc.fn, sc.tp, sc.fp, sc.fn, sc.Precision(),
                     sc.Recall(), sc.F(2));
  return t;
}

}  // namespace steward::testing
