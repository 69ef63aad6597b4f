// The tight limits the mail fuzz targets read messages with: shallow
// nesting, few and small parts, so that each input is quick.
#pragma once

#include "extract/part.h"

namespace steward::fuzz {

inline extract::Limits MailLimits() {
  extract::Limits limits;
  limits.max_depth = 8;
  limits.max_parts = 200;
  limits.max_part_bytes = 1 << 20;
  return limits;
}

}  // namespace steward::fuzz
