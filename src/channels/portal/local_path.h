// Where the portal may send a browser after sign-in: only a path of its own.
#pragma once

#include <string>
#include <string_view>

namespace steward::portal {

// `next` when a browser resolving it as a Location (by the WHATWG URL
// standard, which drops tabs and line breaks, reads '\' as '/', and takes a
// leading "//" as another host) certainly stays on this origin; "/" otherwise.
// Accepted: a '/' followed by printable ASCII other than '\', with no "//"
// and no "." or ".." segment in the path, whose percent-decoded forms (up to
// three rounds) hold no control character or '\' and start with neither "//"
// nor "/\", and at most 2,048 bytes. Pure; thread-safe.
//   SafeLocalPath("/campaigns/1/record/2")  // "/campaigns/1/record/2"
//   SafeLocalPath("/\t/evil.example")         // "/"
std::string SafeLocalPath(std::string_view next);

}  // namespace steward::portal
