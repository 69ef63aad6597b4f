#include "policy/pack.h"

#include <algorithm>
#include <set>

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

PackPtr ForChannel(const PackPtr& pack, Channel channel) {
  std::set<std::string, std::less<>> acted;
  for (const Rule& r : pack->rules) {
    if (!r.channels.empty() && std::find(r.channels.begin(), r.channels.end(),
                                         channel) == r.channels.end())
      continue;
    if (r.categories.empty()) return pack;  // any finding
    acted.insert(r.categories.begin(), r.categories.end());
  }
  // Conduct findings count towards repeated conduct (C.19) on every
  // channel (enforce::Enforcer), whatever the rules do with each one.
  const auto& conduct = pack->mail.escalate_categories;
  acted.insert(conduct.begin(), conduct.end());
  // What decides whether a finding of those categories is made, or how
  // severe it is, is needed too: a student extract counts the rows of all
  // its categories and stands for them, and a combination raises each of
  // its categories when the others are there.
  const BulkExtract& bulk = pack->bulk_extract;
  auto in = [&](const std::string& cat) { return acted.count(cat) > 0; };
  for (size_t before = 0; before != acted.size();) {
    before = acted.size();
    if (!bulk.category.empty() &&
        (in(bulk.category) ||
         std::any_of(bulk.from.begin(), bulk.from.end(), in))) {
      acted.insert(bulk.category);
      acted.insert(bulk.from.begin(), bulk.from.end());
    }
    for (const Combination& c : pack->combinations) {
      if (std::any_of(c.all_of.begin(), c.all_of.end(), in) ||
          std::any_of(c.any_of.begin(), c.any_of.end(), in)) {
        acted.insert(c.all_of.begin(), c.all_of.end());
        acted.insert(c.any_of.begin(), c.any_of.end());
      }
    }
  }
  auto scoped = std::make_shared<PolicyPack>(*pack);
  auto& dets = scoped->detectors;
  dets.erase(std::remove_if(dets.begin(), dets.end(),
                            [&](const Detector& d) {
                              return acted.count(d.category) == 0;
                            }),
             dets.end());
  return scoped;
}

}  // namespace steward::policy
