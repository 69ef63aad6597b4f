// Where items come from: files and folder trees given on a command line.
// A file is sniffed (not trusted by its name): an mbox yields one item per
// message, a MIME message (.eml, Maildir entries) one item, text one item,
// and anything else one item whose content is Skipped with its sniffed type.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/text.h"
#include "extract/part.h"

namespace steward::extract {

enum class FileKind { kText, kMessage, kMbox, kBinary };

struct Item {
  std::string name;  // the file, or "file:N" for the Nth message of an mbox
  uint64_t bytes = 0;
  Extracted content;
  std::string error;  // the item could not be read at all
};

// Lists the regular files under `paths` (files as given, folders walked in
// name order, symbolic links not followed). Paths that do not exist are
// errors naming the path; the rest are still listed.
std::vector<std::string> ListFiles(const std::vector<std::string>& paths,
                                   std::vector<std::string>* errors);

// Sniffs the first bytes of a file.
FileKind Sniff(std::string_view head, const std::string& path);

// One item of a file, found but not yet extracted: the unit of work that
// threads share. Cheap to copy; keeps the file's memory map alive.
struct ItemRef {
  std::shared_ptr<const core::MappedFile> file;  // null when `error` is set
  std::string name;
  std::string path;  // the file
  FileKind kind = FileKind::kText;
  std::string_view bytes;  // the item's bytes within the file
  std::string error;
};

// Calls `on_ref` for every item of a file, in order (an mbox: each message;
// anything else: the file). Never fails: a file that cannot be opened is one
// ref with `error` set.
void ListItems(const std::string& path,
               const std::function<void(ItemRef&&)>& on_ref);

// Extracts one item. Items over Limits::max_item_bytes are not read: their
// content is one Skipped entry naming the limit.
Item ExtractItem(const ItemRef& ref, const Limits& limits);

// ListItems and ExtractItem, one item after another.
void ReadItems(const std::string& path, const Limits& limits,
               const std::function<void(Item&&)>& on_item);

// The sniffed MIME type of bytes (libmagic), e.g. "application/pdf".
std::string SniffType(std::string_view bytes);

}  // namespace steward::extract
