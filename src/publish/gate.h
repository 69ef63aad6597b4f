// The publishing gate (F, H, I before anything is posted): one page, photo
// or document, judged as the site audit judges it and decided by the
// pack's rules for the "publish" channel, so a content system, a
// deployment script and a person at a shell get the same verdict JSON the
// mail door gives, each finding located ("img 3", "text line 12") with what
// to do instead ("write Maria G.", "remove the AdSense script").
//
// Pure apart from `load`: bytes in, a verdict out; errors as values.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "decide/verdict.h"
#include "publish/audit.h"

namespace steward::publish {

enum class ItemKind { kPage, kImage, kDocument };
std::string_view ItemKindName(ItemKind k);

struct Item {
  // Where it will be published: relative links resolve against it, and
  // findings name it. "" for the pack's first District host.
  std::string url;
  std::string name;          // a file name, when the type is in doubt
  std::string content_type;  // as sent; "" when unknown
  std::string bytes;
};

// What the item's kind is, from its type, its name and its first bytes.
ItemKind KindOf(const Item& item);

// Where the item will be published: its url when that is a plain web
// address (an error when it is not), else the pack's first District host
// and the item's name made plain.
core::Result<std::string> PublishedAt(const policy::PublishPolicy& publish,
                                      const Item& item);

// The bytes of an image a page shows (same site only), for its metadata;
// nullopt when they cannot be had. At most kMaxImages are asked for.
using Loader = std::function<std::optional<std::string>(const std::string&)>;
inline constexpr size_t kMaxImages = 200;

struct Check {
  ItemKind kind = ItemKind::kPage;
  std::string url;    // as resolved
  size_t images = 0;  // images read besides the item
  decide::Verdict verdict;
  // The audit's findings, in the verdict's order, with where and fix.
  std::vector<Finding> findings;
};

// `who`: the person or program asking (the verdict's sender).
core::Result<Check> CheckItem(const Auditor& auditor, const Item& item,
                              const std::string& who, const Loader& load = {});

// The verdict JSON (decide::ToJson) with, for each finding, the page, the
// element and the fix; and the item's kind and URL.
nlohmann::ordered_json ToJson(const Check& check);

// 0 when the item may be posted (allow, warn), 1 when not: as
// `steward verdict`.
int ExitCode(const Check& check);

}  // namespace steward::publish
