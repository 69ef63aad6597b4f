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
  // Its bytes cannot change while its locator stays (an IMAP message: a
  // UID under one UIDVALIDITY), so an item already read is not read again.
  bool immutable = false;
};

// What says an item is still the one that was read: a file's device and
// inode, an IMAP message's UIDVALIDITY (its UID is in the path).
struct Identity {
  uint64_t a = 0, b = 0;
  bool operator==(const Identity&) const = default;
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
  // An item's bytes, at most `max_bytes` (Limit beyond, naming the size;
  // NotFound when it is not there), and what identifies it now.
  virtual core::Result<std::string> Read(const std::string& path,
                                         uint64_t max_bytes,
                                         Identity* identity = nullptr) = 0;
  // Whether the item is there: false only when the source says so for
  // certain (an error is an error, never "gone").
  virtual core::Result<bool> Exists(const std::string& path) = 0;
  // Removes the item for good, only if it is still `identity`. NotFound
  // when it is not there (moved or removed by someone else: nothing was
  // removed); another error when the source refused or failed, with the
  // item left as it was.
  virtual core::Status Remove(const std::string& path,
                              const Identity& identity) = 0;
};

// A folder: a Maildir when it holds cur/ and new/, else every regular file
// below it. Symbolic links are never followed, neither while listing nor
// when an item is read or removed (each folder on the way is opened
// without following links, from the root opened once), so nothing outside
// the folder is read or removed whatever is renamed meanwhile. NotFound
// when it is no folder (or a link to one).
core::Result<std::unique_ptr<Source>> OpenFolder(const std::string& path);

}  // namespace steward::records
