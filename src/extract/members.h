// Reading an archive's members one by one (libarchive), within the item's
// limits. Shared by the archive reader and the zip-based document readers.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "extract/document.h"

namespace steward::extract {

// Called with each regular member's name (as stored, UTF-8), its bytes and
// whether they are only a part of it (a limit or damage cut it short; the
// reason is already in ctx as a Skipped entry).
using MemberFn =
    std::function<void(const std::string& name, std::string&& data, bool)>;

// Returns false when `bytes` is no archive libarchive can open (recorded as
// Skipped). Encrypted members are Skipped, not passed on.
bool ForEachMember(std::string_view bytes, const Declared& file, Context& ctx,
                   const MemberFn& on_member);

}  // namespace steward::extract
