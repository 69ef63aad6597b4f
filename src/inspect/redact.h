// Redaction of matched values for excerpts shown to people. Findings are
// shown redacted by default; the full value only with an explicit request
// (`steward scan --show-values`). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "policy/pack.h"

namespace steward::inspect {

// "123-45-6789" -> "***-**-6789"; "jane.doe@x.org" -> "j***@x.org";
// "Maria Garcia" -> "M*** G***"; "shit" -> "s***".
std::string RedactValue(std::string_view value, policy::Redaction how);

// A one-line excerpt: up to `context` bytes either side of [begin, end) with
// the match replaced by its redaction, other digit runs in the context masked,
// newlines and tabs shown as spaces, cut at UTF-8 boundaries.
std::string Excerpt(std::string_view text, size_t begin, size_t end,
                    policy::Redaction how, bool show_value,
                    size_t context = 24);

}  // namespace steward::inspect
