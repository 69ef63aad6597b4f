// One name table per enum class: the words a file or a person writes, each
// paired with the value the code compares. Parsing and printing go through
// the same table, so a word is accepted exactly when it can be printed back.
//
//   constexpr core::Named<Color> kColorNames[] = {{Color::kRed, "red"}, ...};
//   core::ParseName(kColorNames, "red")   -> Color::kRed
//   core::NameOf(kColorNames, Color::kRed) -> "red"
//   core::NameList(kColorNames)            -> "red, green, blue"
//
// Header-only and constexpr; no state, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace steward::core {

template <typename E>
struct Named {
  E value;
  std::string_view name;
};

// The value written `word`, or nothing when the table has no such word
// (exact, case-sensitive: the pack's words are lower case).
template <typename E, size_t N>
constexpr std::optional<E> ParseName(const Named<E> (&table)[N],
                                     std::string_view word) {
  for (const auto& e : table)
    if (e.name == word) return e.value;
  return std::nullopt;
}

// The word for `value`; "" for a value the table lacks (a table missing a
// value is a bug the callers' tests catch).
template <typename E, size_t N>
constexpr std::string_view NameOf(const Named<E> (&table)[N], E value) {
  for (const auto& e : table)
    if (e.value == value) return e.name;
  return {};
}

// Every word, in table order, joined by ", ": for error messages and docs.
template <typename E, size_t N>
std::string NameList(const Named<E> (&table)[N]) {
  std::string out;
  for (const auto& e : table) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

}  // namespace steward::core
