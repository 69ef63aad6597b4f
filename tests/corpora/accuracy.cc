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

// One line for a miss or a false alarm: what, where, and the text around.
std::string ErrorLine(const char* kind, const std::string& type, size_t n,
                      const std::string& text, size_t b, size_t e) {
  auto clean = [](std::string s) {
    for (char& c : s)
      if (c == '\n' || c == '\t') c = ' ';
    return s;
  };
  size_t from = b > 30 ? b - 30 : 0;
  return fmt::format("{} {} #{}: [{}] ...{}[{}]{}...", kind, type, n,
                     clean(text.substr(b, e - b)),
                     clean(text.substr(from, b - from)),
                     clean(text.substr(b, e - b)), clean(text.substr(e, 30)));
}

}  // namespace

bool HeldOut(std::string_view sentence) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a, 64-bit
  for (unsigned char c : sentence) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h % 5 == 0;
}

std::map<std::string, Score> EvaluatePresidio(
    const engine::Engine& eng, const std::string& path, Part part,
    Counting counting, std::string* error, std::vector<std::string>* errors) {
  std::map<std::string, Score> out;
  nlohmann::json data;
  try {
    data = nlohmann::json::parse(ReadAll(path));
  } catch (const std::exception& ex) {
    *error = ex.what();
    return out;
  }
  auto scratch = eng.NewScratch();
  size_t number = 0;
  for (const auto& s : data) {
    ++number;
    std::string text = s["full_text"];
    if (part != Part::kAll && HeldOut(text) != (part == Part::kHeldOut))
      continue;
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
        bool hit = false, inside = false;
        for (auto& l : labels) {
          if (!(b < l.e && l.b < e)) continue;
          inside = true;
          if (counting == Counting::kCovered) {
            l.used = hit = true;
          } else if (!l.used && !hit) {
            l.used = hit = true;
          }
        }
        if (hit) {
          ++sc.right;
        } else if (!inside) {
          // Under the one-to-one count, a second finding inside a label
          // already found is neither right nor wrong.
          ++sc.wrong;
          if (errors)
            errors->push_back(
                ErrorLine("false-alarm", type, number, text, b, e));
        } else if (counting == Counting::kCovered) {
          ++sc.right;
        }
      }
      for (auto& l : labels) {
        sc.found += l.used;
        sc.missed += !l.used;
        if (!l.used && errors)
          errors->push_back(ErrorLine("miss", type, number, text, l.b, l.e));
      }
    }
  }
  Score all;
  for (const auto& [t, sc] : out) {
    all.found += sc.found;
    all.missed += sc.missed;
    all.right += sc.right;
    all.wrong += sc.wrong;
  }
  out["ALL"] = all;
  return out;
}

std::string ScoreTable(const std::map<std::string, Score>& s) {
  std::string t =
      "| type | labels | found | missed | false alarms | precision | recall | "
      "F2 |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& [type, sc] : s)
    t += fmt::format("| {} | {} | {} | {} | {} | {:.3f} | {:.3f} | {:.3f} |\n",
                     type, sc.Labels(), sc.found, sc.missed, sc.wrong,
                     sc.Precision(), sc.Recall(), sc.F(2));
  return t;
}

}  // namespace steward::testing
