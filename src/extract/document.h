// Files inside items: attachments, archive members, files on disk. The
// sniffed type (libmagic) decides which reader runs, not the name; the
// declared type (extension, Content-Type) is compared with it, and a lie or
// an executable is a Flag of its own. Readers: PDF (poppler), OOXML and
// OpenDocument (libarchive + libxml2), legacy Office and Outlook .msg
// (libgsf, catdoc), RTF (unrtf), HTML (libxml2), CSV/TSV (libcsv), archives
// (libarchive), nested messages (GMime).
//
// Every reader shares one Context per item: the limits, a deadline, and the
// members and expanded bytes spent so far. Hitting a limit adds a Skipped
// entry naming it; the rest of the item is still read.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "extract/part.h"

namespace steward::extract {

class Context {
 public:
  Context(const Limits& limits, Extracted& out);

  const Limits& limits() const { return limits_; }
  Extracted& out() { return out_; }

  // False once the item's time is up (and records that once).
  bool InTime(const std::string& path);
  // Counts one more member or embedded part; false over max_members.
  bool CountMember(const std::string& path);
  // Counts decompressed bytes; false when the item's total would pass
  // max_expanded_bytes.
  bool Spend(uint64_t bytes, const std::string& path);

  void Skip(const std::string& path, const std::string& type,
            const std::string& filename, std::string reason);
  void AddFlag(const std::string& path, const std::string& category,
               std::string detail);

 private:
  const Limits limits_;  // a copy: callers may pass a temporary
  Extracted& out_;
  std::chrono::steady_clock::time_point deadline_;
  uint32_t members_ = 0;
  uint64_t expanded_ = 0;
  bool time_reported_ = false, members_reported_ = false,
       bytes_reported_ = false;
};

// A file as its container describes it.
struct Declared {
  std::string path;  // part path for locations: "2", "a.zip > b.docx"
  std::string name;  // file name, "" when none
  std::string type;  // Content-Type given by the container, "" when none
  std::string charset = {};  // declared charset of text, "" when none
};

// Reads one file's bytes into ctx.out(). `depth` counts the containers
// (messages, archives, documents) around it; past Limits::max_depth the
// file is Skipped.
void ExtractDocument(std::string_view bytes, const Declared& file,
                     uint32_t depth, Context& ctx);

// Extracts a whole file given on its own (steward scan of a .pdf, .xlsx...).
Extracted ExtractFile(std::string_view bytes, const std::string& name,
                      const Limits& limits);

// Whether text-looking bytes still need a reader of their own: a PDF or RTF
// (which may be all ASCII), or a name saying CSV, HTML, a script...
bool NeedsReader(std::string_view head, const std::string& name);

// Joins a container's part path and a member's name.
std::string ChildPath(const std::string& parent, const std::string& member);

}  // namespace steward::extract
