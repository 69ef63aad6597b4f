// Turns word-list terms into patterns that both Hyperscan (stage 1) and PCRE2
// (span recovery) accept. Terms match as whole words, case-insensitively;
// phrases allow any run of whitespace between words. With obfuscation folding
// a term also matches leetspeak ("sh1t"), repeated letters ("fuuuck") and
// letters split by dots, dashes or spaces ("f.u.c.k", "f u c k"), while word
// boundaries keep "Scunthorpe" and "assessment" clean. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace steward::inspect {

// The pattern for one term; empty when the term has no letters or digits.
std::string LexiconPattern(std::string_view term, bool fold_obfuscation);

}  // namespace steward::inspect
