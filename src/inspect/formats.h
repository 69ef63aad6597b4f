// A detector's formats (policy::Detector::formats): the shapes a value may
// have once its spaces and dashes are taken out, such as each US state's
// driver licence numbers. Stage 2 asks, for a match, which leading groups of
// it fit a format, and which formats they fit.
//
// A FormatSet is immutable after Compile and shared by all threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "policy/pack.h"

namespace steward::inspect {

class FormatSet {
 public:
  // Fails, naming the format, when one does not compile (the loader has
  // already checked them).
  static core::Result<std::unique_ptr<FormatSet>> Compile(
      const std::vector<policy::Detector::Format>& formats);
  ~FormatSet();
  FormatSet(const FormatSet&) = delete;
  FormatSet& operator=(const FormatSet&) = delete;

  // The part of a match that is the value: the most groups of it (runs
  // split by spaces or dashes), leftmost first, whose compact form (spaces
  // and dashes out) fits a format whole. A match may run into a word before
  // ("CDL 12-345-6789") or a number after; those groups are left out.
  struct Fitted {
    size_t offset = 0, length = 0;  // within the match; length 0: no fit
  };
  // `names`, when given, receives the names of the formats the value fits,
  // each once, in the pack's order.
  Fitted Fit(std::string_view match, std::vector<std::string>* names) const;

 private:
  FormatSet() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "Florida", "Indiana or Nevada", "Arizona, Arkansas, Georgia and 14 more".
std::string NameList(const std::vector<std::string>& names, size_t shown = 3);

}  // namespace steward::inspect
