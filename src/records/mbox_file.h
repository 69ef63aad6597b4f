// Messages inside mbox files, as the register reads and removes them
// (records/source.h). A message is named by the hash of its bytes as a
// record (core::MboxMessageBytes: without the mail programs' state fields),
// so the name stays while other messages of the file come and go and while
// a mail program marks it read.
//
// Removal rewrites the file in place, as mail programs do (a new file
// renamed over the old one would lose a delivery waiting on the old one's
// lock), under the locks Dovecot and Postfix take (a dot-lock file beside
// the mbox, then fcntl), and through a journal: the bytes after the message
// are written to "<dir>/.<name>.steward-journal" and synced before the file
// is touched, and the journal records how far the change went (prepared,
// shifting, cutting, done) and the file's inode, so a kill at any moment
// leaves either the file as it was (the journal dropped) or a journal that
// the next access completes (Recover). Mail delivered after a kill (a
// stale dot-lock broken) is kept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace steward::records::mbox {

// "#m" and 32 hex digits after the file's path name a message. Copies of
// the same bytes in one file are one message (read as the first, removed
// all together).
struct MessageName {
  std::string file;  // relative to the source's folder
  std::string key;   // "m0123...ef"
};
std::string Join(const std::string& file, const std::string& key);
// False when `path` names no message (a plain file).
bool Split(const std::string& path, MessageName* out);

// One message of a file: its key, and where it is ([from, end) with its
// "From " line).
struct Span {
  std::string key;
  uint64_t from = 0, start = 0, end = 0;
  int64_t time = 0;  // from the "From " line, UTC; 0 when none
};
// The messages of an mbox's bytes, in order, each with its key (copies
// share one).
std::vector<Span> Index(std::string_view bytes);
// The key of a message's record bytes.
std::string KeyOf(std::string_view record_bytes);
// The record bytes of one span of `bytes`.
std::string RecordBytes(std::string_view bytes, const Span& s);
// The first 16 hex digits of a key as a number (what Identity keeps).
uint64_t KeyNumber(const std::string& key);

// Completes a removal a kill interrupted: the journal of `name` in the
// folder `dir` (an open descriptor) applied and removed. Ok when there is
// none. Takes the locks itself.
core::Status Recover(int dir, const std::string& name);

// Removes the message `key` (every copy) from the mbox `name` in `dir`:
// NotFound when the file no longer holds it (nothing changed), Io when the
// locks cannot be had in `wait_seconds` (nothing changed).
core::Status Remove(int dir, const std::string& name, const std::string& key,
                    int wait_seconds = 10);

// The journal's file name for `name`; listings leave it out (and the
// dot-lock "NAME.lock" of an mbox NAME beside it).
std::string JournalName(const std::string& name);
bool IsOwnFile(const std::string& name);  // a journal

}  // namespace steward::records::mbox
