// Where items come from: files and folder trees given on a command line.
// A file is sniffed (not trusted by its name): an mbox yields one item per
// message, a MIME message (.eml, Maildir entries) one item, text one item,
// and anything else one item whose content is Skipped with its sniffed type.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
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

// Reads one file and calls `on_item` for every item in it, in order. A file
// that cannot be read is one item with `error` set.
void ReadItems(const std::string& path, const Limits& limits,
               const std::function<void(Item&&)>& on_item);

// The sniffed MIME type of bytes (libmagic), e.g. "application/pdf".
std::string SniffType(std::string_view bytes);

}  // namespace steward::extract
