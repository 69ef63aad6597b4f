#include "policy/pack.h"

#include <algorithm>

namespace steward::policy {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
  }
  return "low";
}

std::optional<Severity> ParseSeverity(std::string_view s) {
  if (s == "low") return Severity::kLow;
  if (s == "medium") return Severity::kMedium;
  if (s == "high") return Severity::kHigh;
  return std::nullopt;
}

std::string SourceLoc::ToString() const {
  return line ? file + ":" + std::to_string(line) : file;
}

template <typename T>
static const T* FindById(const std::vector<T>& v, std::string_view id) {
  auto it =
      std::find_if(v.begin(), v.end(), [&](const T& x) { return x.id == id; });
  return it == v.end() ? nullptr : &*it;
}

const Clause* PolicyPack::FindClause(std::string_view id) const {
  return FindById(clauses, id);
}
const Category* PolicyPack::FindCategory(std::string_view id) const {
  return FindById(categories, id);
}
const Lexicon* PolicyPack::FindLexicon(std::string_view id) const {
  return FindById(lexicons, id);
}

const std::vector<std::string>& PolicyPack::ClausesOf(const Detector& d) const {
  static const std::vector<std::string> kNone;
  if (!d.clauses.empty()) return d.clauses;
  const Category* c = FindCategory(d.category);
  return c ? c->clauses : kNone;
}

Severity PolicyPack::SeverityOf(const Detector& d) const {
  if (d.severity) return *d.severity;
  const Category* c = FindCategory(d.category);
  return c ? c->severity : Severity::kLow;
}

Redaction PolicyPack::RedactionOf(const Detector& d) const {
  if (d.redaction) return *d.redaction;
  const Category* c = FindCategory(d.category);
  return c ? c->redaction : Redaction::kAll;
}

const std::vector<std::string>& KnownValidators() {
  static const std::vector<std::string> k = {
      "ssn",  "luhn", "nanp", "phone",          "email",
      "date", "cadl", "ssid", "driver-license", "digits"};
  return k;
}

}  // namespace steward::policy
