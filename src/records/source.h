// Where the register's items live: a folder on disk (a Maildir with its
// Maildir++ folders, or a file share) or a mailbox on an IMAP server. A
// Source lists its items, reads one, and removes one; the register keeps
// what it learns, and names each item by the source's Name() and the
// entry's locator, which stays the same while the item does (a Maildir
// message whose flags change, an IMAP message under one UIDVALIDITY).
//
// Not thread-safe: one Source per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace steward::records {

struct Entry {
  std::string locator;  // stable name within the source
  std::string path;     // where it is now, within the source
  std::string folder;   // "INBOX", "Board/2024"; "" at a share's top
  bool mail = false;    // a message (read for its header facts)
  int64_t time = 0;     // when the source says it arrived (UTC seconds)
  int64_t size = -1;    // bytes, when the source says so without reading
};

class Source {
 public:
  virtual ~Source() = default;
  // "/srv/mail/bob/Maildir", "imap://mail.example.org:143/bob".
  virtual const std::string& Name() const = 0;
  // Every item, in a stable order; problems that skip part of the source
  // are added to `errors` ("what: why") and the rest is listed.
  virtual core::Result<std::vector<Entry>> List(
      std::vector<std::string>& errors) = 0;
  // An item's bytes, at most `max_bytes` (Invalid beyond, naming the size).
  virtual core::Result<std::string> Read(const std::string& path,
                                         uint64_t max_bytes) = 0;
  // Whether the item is still there.
  virtual core::Result<bool> Exists(const std::string& path) = 0;
  // Removes the item for good; an item already gone is not an error.
  virtual core::Status Remove(const std::string& path) = 0;
};

// A folder: a Maildir when it holds cur/ and new/, else every regular file
// below it (symbolic links are not followed). NotFound when it is no folder.
core::Result<std::unique_ptr<Source>> OpenFolder(const std::string& path);

}  // namespace steward::records
