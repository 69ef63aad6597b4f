// A production: the released messages of a public-records response in the
// forms reviewers load (records.md, "Production formats"):
//
//   messages.mbox        every message, mboxrd ("From " lines in a body
//                        quoted with one more '>'), in Bates order
//   natives/<BATES>.eml  each message alone
//   loadfile.dat         Concordance: a header row, fields quoted with þ
//                        (U+00FE) and separated by U+0014, a newline inside
//                        a field written ®, CRLF records, UTF-8 with a BOM
//   redaction-log.csv    each redaction: Bates number, part, place,
//                        category, exemption, count, withheld whole or not
//   manifest.sha256      the SHA-256 of every other file (sha256sum's format)
//
// One Bates number a message, contiguous from the first. Nothing in a
// production depends on when it was written: the same documents and
// options give the same bytes (a re-export can be checked against the
// first). VerifyProduction checks all of it again from the files alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "release/redact.h"

namespace steward::release {

// One message released.
struct Document {
  std::string bytes;  // as released (redacted); LF line ends are written
  std::string item;   // the register's item id, or the source file name
  std::string custodian;
  std::string from, to, cc, subject;
  int64_t date = 0;           // sent, UTC seconds; 0 when unknown
  std::string source_sha256;  // of the item as held
  std::vector<LogEntry> log;  // its redactions
};

struct ProductionOptions {
  std::string prefix = "DIST";  // Bates prefix: letters, digits, '-'
  uint64_t first = 1;           // the first Bates number
  int digits = 6;               // zero-padded width
};

struct Produced {
  std::string first_bates, last_bates;
  size_t documents = 0;
  std::string manifest_sha256;  // of manifest.sha256: names the whole
};

// Writes the production into `dir`, which must not exist yet (it is
// created; a half-written production is removed). Invalid for a bad
// prefix or an empty list.
core::Result<Produced> WriteProduction(const std::string& dir,
                                       const std::vector<Document>& docs,
                                       const ProductionOptions& options);

struct VerifyReport {
  size_t documents = 0;
  std::string first_bates, last_bates;
  std::vector<std::string> problems;  // empty: the production is whole
};

// Checks a production from its files: every file's hash against the
// manifest and no file unlisted; the load file's rows against the mbox's
// messages and the natives (count, order, SHA-256); Bates numbers unique
// and contiguous. An error only when `dir` cannot be read at all.
core::Result<VerifyReport> VerifyProduction(const std::string& dir);

// The message's bytes with LF line ends and a final newline: what is
// hashed and written.
std::string Normalised(std::string_view message);

}  // namespace steward::release
