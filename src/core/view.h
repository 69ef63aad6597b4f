// The views of an item's part: which text of it a decoded string is. The
// extract module produces them, the policy pack names the ones each detector
// reads, and the matcher selects by them. One enum and one name table shared
// by all three, so extraction cannot produce a view the pack's loader does
// not know (a build error), and a pack cannot name one extraction never
// produces (a load error).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/names.h"

namespace steward::core {

enum class View : unsigned char {
  kBody,       // the decoded text of a part or a plain file
  kSubject,    // a message's Subject
  kHeaders,    // header fields other than subject, addresses and transport
  kAddresses,  // From, To, Cc, Reply-To, formatted
  kFilename,   // an attachment's name
  kAlt,        // HTML alt and title attributes
  kLinks,      // HTML link targets
  kScriptSrc,  // HTML script sources
  kScript,     // HTML inline script
  kComments,   // HTML comments (an Office document's comments are in its
               // body, as anchors)
};

inline constexpr Named<View> kViewNames[] = {
    {View::kBody, "body"},         {View::kSubject, "subject"},
    {View::kHeaders, "headers"},   {View::kAddresses, "addresses"},
    {View::kFilename, "filename"}, {View::kAlt, "alt"},
    {View::kLinks, "links"},       {View::kScriptSrc, "script-src"},
    {View::kScript, "script"},     {View::kComments, "comments"},
};
inline constexpr size_t kViewCount = std::size(kViewNames);
static_assert(
    [] {
      for (size_t i = 0; i < kViewCount; ++i)
        if (static_cast<size_t>(kViewNames[i].value) != i) return false;
      return true;
    }(),
    "kViewNames lists every view once, in the order of the enum");

constexpr std::string_view ViewName(View v) { return NameOf(kViewNames, v); }
constexpr std::optional<View> ParseView(std::string_view s) {
  return ParseName(kViewNames, s);
}

// A set of views, one bit each (bit i: the view whose value is i).
using ViewSet = unsigned;
static_assert(kViewCount <= 8 * sizeof(ViewSet));
constexpr ViewSet ViewBit(View v) { return 1u << static_cast<unsigned>(v); }

}  // namespace steward::core
