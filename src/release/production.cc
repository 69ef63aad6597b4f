#include "release/production.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "core/csv.h"
#include "core/hash.h"
#include "core/text.h"

namespace steward::release {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kQuote = "\xC3\xBE";    // þ
constexpr std::string_view kSep = "\x14";          // DC4
constexpr std::string_view kNewline = "\xC2\xAE";  // ®

const std::vector<std::string>& Fields() {
  static const std::vector<std::string> f = {
      "BEGBATES",   "ENDBATES", "BEGATTACH",    "ENDATTACH",  "CUSTODIAN",
      "FROM",       "TO",       "CC",           "SUBJECT",    "DATESENT",
      "FILENAME",   "SHA256",   "SOURCESHA256", "NATIVEPATH", "REDACTED",
      "EXEMPTIONS", "ITEM"};
  return f;
}

// A field's text as the load file can hold it: no quote or separator
// characters, no control characters, newlines as ®.
std::string DatField(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (s.substr(i, 2) == kQuote) {
      out += "th";
      ++i;
    } else if (c == '\n') {
      out += kNewline;
    } else if (c == '\r') {
      continue;
    } else if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string DatRow(const std::vector<std::string>& cells) {
  std::string row;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) row += kSep;
    row += kQuote;
    row += DatField(cells[i]);
    row += kQuote;
  }
  return row + "\r\n";
}

std::string Bates(const ProductionOptions& o, uint64_t n) {
  std::string num = std::to_string(n);
  if (num.size() < static_cast<size_t>(o.digits))
    num.insert(0, o.digits - num.size(), '0');
  return o.prefix + "-" + num;
}

// The mbox "From " line: the sender's address (or MAILER-DAEMON) and the
// date in asctime's form, UTC.
std::string FromLine(const Document& d) {
  std::string who = "MAILER-DAEMON";
  size_t lt = d.from.rfind('<'), gt = d.from.rfind('>');
  std::string addr =
      lt != std::string::npos && gt != std::string::npos && gt > lt
          ? d.from.substr(lt + 1, gt - lt - 1)
          : d.from;
  if (!addr.empty() && addr.find_first_of(" \t\r\n") == std::string::npos &&
      addr.find('@') != std::string::npos)
    who = addr;
  time_t tt = static_cast<time_t>(std::max<int64_t>(d.date, 0));
  struct tm tm {};
  gmtime_r(&tt, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return "From " + who + " " + buf + "\n";
}

// Calls `f` with each line of `m`, its newline included.
template <typename F>
void EachLine(std::string_view m, F f) {
  size_t pos = 0;
  while (pos < m.size()) {
    size_t nl = m.find('\n', pos);
    size_t end = nl == std::string_view::npos ? m.size() : nl + 1;
    f(m.substr(pos, end - pos));
    pos = end;
  }
}

// How many '>' start a line that is "From " after them; -1 for another.
long FromDepth(std::string_view line) {
  size_t gt = line.find_first_not_of('>');
  return gt != std::string_view::npos && line.substr(gt).starts_with("From ")
             ? static_cast<long>(gt)
             : -1;
}

// mboxrd: a line that is "From " after any number of '>' gets one more.
std::string QuoteFrom(std::string_view m) {
  std::string out;
  out.reserve(m.size() + 16);
  EachLine(m, [&](std::string_view line) {
    if (FromDepth(line) >= 0) out += '>';
    out += line;
  });
  return out;
}

std::string UnquoteFrom(std::string_view m) {
  std::string out;
  out.reserve(m.size());
  EachLine(m, [&](std::string_view line) {
    if (FromDepth(line) > 0) line.remove_prefix(1);
    out += line;
  });
  return out;
}

bool ValidPrefix(const std::string& p) {
  return !p.empty() && p.size() <= 16 &&
         std::all_of(p.begin(), p.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '-';
         });
}

std::vector<std::string> SplitOn(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t at = s.find(sep, pos);
    out.emplace_back(s.substr(
        pos, at == std::string_view::npos ? std::string_view::npos : at - pos));
    if (at == std::string_view::npos) return out;
    pos = at + sep.size();
  }
}

}  // namespace

std::string Normalised(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 1);
  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n')
      continue;
    out += message[i];
  }
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

core::Result<Produced> WriteProduction(const std::string& dir,
                                       const std::vector<Document>& docs,
                                       const ProductionOptions& o) {
  if (!ValidPrefix(o.prefix))
    return core::Status::Invalid(
        "the Bates prefix is 1 to 16 letters, digits or '-'");
  if (o.digits < 1 || o.digits > 12 || o.first < 1)
    return core::Status::Invalid(
        "Bates numbers start at 1 or more, 1 to 12 digits wide");
  if (docs.empty()) return core::Status::Invalid("nothing to produce");
  std::error_code ec;
  if (fs::exists(dir, ec))
    return core::Status::Invalid(dir +
                                 " already exists; a production is "
                                 "written to a new folder");
  const std::string tmp = dir + ".partial";
  fs::remove_all(tmp, ec);
  if (!fs::create_directories(tmp + "/natives", ec))
    return core::Status::Io("cannot create " + tmp + ": " + ec.message());
  auto fail = [&](core::Status s) {
    fs::remove_all(tmp, ec);
    return s;
  };
  std::map<std::string, std::string> files;  // name -> bytes
  std::string mbox, dat(kBom), log;
  dat += DatRow(Fields());
  log = core::CsvRow({"BATES", "PART", "WHERE", "CATEGORY", "EXEMPTION",
                      "COUNT", "WITHHELD"}) +
        "\r\n";
  Produced out;
  uint64_t n = o.first;
  for (const Document& d : docs) {
    const std::string bates = Bates(o, n++);
    const std::string body = Normalised(d.bytes);
    const std::string native = "natives/" + bates + ".eml";
    mbox += FromLine(d) + QuoteFrom(body) + "\n";
    files[native] = body;
    std::set<std::string> exemptions;
    for (const LogEntry& e : d.log) {
      exemptions.insert(e.exemption);
      log += core::CsvRow({bates, e.part, e.where, e.category, e.exemption,
                           std::to_string(e.count), e.withheld ? "Y" : "N"}) +
             "\r\n";
    }
    dat += DatRow({bates, bates, bates, bates, d.custodian, d.from, d.to, d.cc,
                   d.subject, d.date > 0 ? core::IsoUtc(d.date) : std::string(),
                   bates + ".eml", core::Sha256Hex(body), d.source_sha256,
                   native, d.log.empty() ? "N" : "Y",
                   core::Join({exemptions.begin(), exemptions.end()}, ";"),
                   d.item});
    if (out.first_bates.empty()) out.first_bates = bates;
    out.last_bates = bates;
  }
  files["messages.mbox"] = std::move(mbox);
  files["loadfile.dat"] = std::move(dat);
  files["redaction-log.csv"] = std::move(log);
  std::string manifest;
  for (const auto& [name, bytes] : files)
    manifest += core::Sha256Hex(bytes) + "  " + name + "\n";
  files["manifest.sha256"] = manifest;
  for (const auto& [name, bytes] : files)
    if (auto s = core::WriteFileAtomic(tmp + "/" + name, bytes); !s.ok())
      return fail(s);
  fs::rename(tmp, dir, ec);
  if (ec)
    return fail(core::Status::Io("cannot move the production to " + dir + ": " +
                                 ec.message()));
  out.documents = docs.size();
  out.manifest_sha256 = core::Sha256Hex(manifest);
  return out;
}

namespace {

// Files of a production read whole (the load file, the mbox) at most this
// big; natives and other listed files are hashed as they are read.
constexpr uint64_t kMaxWholeBytes = uint64_t{1} << 30;

// A production's own file names: letters, digits, '.', '-', '_', at most
// one folder deep (natives/...).
bool SafeName(const std::string& rel) {
  if (rel.empty() || rel.size() > 200 || rel.front() == '.') return false;
  int slashes = 0;
  for (size_t i = 0; i < rel.size(); ++i) {
    const char c = rel[i];
    if (c == '/') {
      if (++slashes > 1 || i == 0 || rel[i - 1] == '/' || i + 1 == rel.size() ||
          rel[i + 1] == '.')
        return false;
    } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

// Opens `rel` below the production's folder without following a link or
// blocking on a FIFO; a regular file only. -1 with `why` set otherwise.
int OpenIn(int root, const std::string& rel, std::string* why) {
  if (!SafeName(rel)) {
    *why = "not a name a production holds";
    return -1;
  }
  int at = root;
  int owned = -1;
  size_t slash = rel.find('/');
  if (slash != std::string::npos) {
    owned = openat(root, rel.substr(0, slash).c_str(),
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (owned < 0) {
      *why = "its folder is missing or is a link";
      return -1;
    }
    at = owned;
  }
  const std::string leaf =
      slash == std::string::npos ? rel : rel.substr(slash + 1);
  int fd =
      openat(at, leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (owned >= 0) close(owned);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    *why = fd < 0 ? "missing, or a link" : "not a regular file";
    return -1;
  }
  return fd;
}

// The SHA-256 of an open file, read in pieces; "" on a read error or
// beyond kMaxWholeBytes (no file of a production is that large: a message
// is at most the pack's item limit).
std::string HashFd(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) > kMaxWholeBytes)
    return "";
  core::Sha256 h;
  std::string buf(1 << 16, '\0');
  while (true) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return "";
    }
    if (n == 0) break;
    h.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  return h.HexDigest();
}

// The whole of an open file up to kMaxWholeBytes; false beyond.
bool ReadFd(int fd, std::string* out) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) > kMaxWholeBytes)
    return false;
  out->clear();
  std::string buf(1 << 16, '\0');
  while (true) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return true;
    if (out->size() + static_cast<size_t>(n) > kMaxWholeBytes) return false;
    out->append(buf.data(), static_cast<size_t>(n));
  }
}

}  // namespace

core::Result<VerifyReport> VerifyProduction(const std::string& dir) {
  VerifyReport r;
  const int root =
      open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root < 0)
    return core::Status::Invalid(dir + ": not a folder (or a link to one)");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{root};
  // A file read whole, or an error naming why not.
  auto read = [&](const std::string& name) -> core::Result<std::string> {
    std::string why;
    int fd = OpenIn(root, name, &why);
    if (fd < 0) return core::Status::Invalid(why);
    std::string bytes;
    const bool ok = ReadFd(fd, &bytes);
    close(fd);
    if (!ok) return core::Status::Limit("larger than this check reads");
    return bytes;
  };
  auto manifest = read("manifest.sha256");
  if (!manifest.ok())
    return core::Status::Invalid(dir + ": no manifest.sha256 (" +
                                 manifest.status().message() + ")");
  // Every file listed, with its hash; no file unlisted.
  std::set<std::string> listed;
  size_t line_no = 0;
  for (const std::string& line : SplitOn(*manifest, "\n")) {
    ++line_no;
    if (line.empty()) continue;
    if (line.size() < 67 || line.compare(64, 2, "  ") != 0) {
      r.problems.push_back("manifest.sha256:" + std::to_string(line_no) +
                           ": not '<sha256>  <file>'");
      continue;
    }
    const std::string name = line.substr(66);
    if (!SafeName(name)) {
      r.problems.push_back("manifest.sha256:" + std::to_string(line_no) +
                           ": a path outside the production");
      continue;
    }
    listed.insert(name);
    std::string why;
    int fd = OpenIn(root, name, &why);
    if (fd < 0) {
      r.problems.push_back(name + ": listed, but " + why);
      continue;
    }
    const std::string sha = HashFd(fd);
    close(fd);
    if (sha != line.substr(0, 64))
      r.problems.push_back(name + ": its SHA-256 is not the manifest's");
  }
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string rel = fs::relative(it->path(), dir, ec).generic_string();
    if (it->is_symlink() || !(it->is_regular_file() || it->is_directory())) {
      r.problems.push_back(rel + ": not a regular file or folder");
      continue;
    }
    if (!it->is_regular_file()) continue;
    if (rel != "manifest.sha256" && !listed.count(rel))
      r.problems.push_back(rel + ": not in the manifest");
  }
  // The load file's rows.
  auto dat = read("loadfile.dat");
  if (!dat.ok()) {
    r.problems.push_back("loadfile.dat: missing");
    return r;
  }
  std::string_view text = *dat;
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  std::vector<std::string> rows = SplitOn(text, "\r\n");
  if (!rows.empty() && rows.back().empty()) rows.pop_back();
  auto cells = [](const std::string& row) {
    std::vector<std::string> c = SplitOn(row, kSep);
    for (auto& x : c)
      if (x.size() >= 4 && x.starts_with(kQuote) && x.ends_with(kQuote))
        x = x.substr(2, x.size() - 4);
      else
        x = "\x01";  // not quoted: a damaged row
    return c;
  };
  if (rows.empty() || cells(rows[0]) != Fields()) {
    r.problems.push_back("loadfile.dat: its header row is not " +
                         core::Join(Fields(), ", "));
    return r;
  }
  // The mbox's messages, unquoted.
  std::vector<std::string> messages;
  if (auto mbox = read("messages.mbox"); mbox.ok()) {
    std::string cur;
    bool in = false;
    bool before = false;
    EachLine(*mbox, [&](std::string_view line) {
      if (line.starts_with("From ")) {
        if (in) messages.push_back(cur);
        cur.clear();
        in = true;
      } else if (in) {
        cur += line;
      } else {
        before = true;
      }
    });
    if (before)
      r.problems.push_back(
          "messages.mbox: text before its first message, in no message");
    if (in) messages.push_back(cur);
    for (auto& x : messages) {
      if (!x.empty() && x.back() == '\n') x.pop_back();  // the separator
      x = UnquoteFrom(x);
    }
  } else {
    r.problems.push_back("messages.mbox: missing");
  }
  const size_t kBeg = 0, kEnd = 1, kSha = 11, kNative = 13;
  std::string prev_prefix;
  uint64_t prev = 0;
  std::set<std::string> seen;
  std::set<std::string> expected = {"messages.mbox", "loadfile.dat",
                                    "redaction-log.csv"};
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string where = "loadfile.dat row " + std::to_string(i);
    std::vector<std::string> c = cells(rows[i]);
    if (c.size() != Fields().size()) {
      r.problems.push_back(where + ": " + std::to_string(c.size()) +
                           " fields, not " + std::to_string(Fields().size()));
      continue;
    }
    const std::string& bates = c[kBeg];
    size_t dash = bates.rfind('-');
    uint64_t num = 0;
    bool numeric = dash != std::string::npos && dash + 1 < bates.size() &&
                   bates.size() - dash - 1 <= 12 &&
                   std::all_of(bates.begin() + dash + 1, bates.end(),
                               [](char ch) { return ch >= '0' && ch <= '9'; });
    if (numeric) num = std::stoull(bates.substr(dash + 1));
    if (!numeric || c[kEnd] != bates) {
      r.problems.push_back(where + ": Bates number '" + bates + "' not valid");
    } else {
      const std::string prefix = bates.substr(0, dash);
      if (i > 1 && (prefix != prev_prefix || num != prev + 1))
        r.problems.push_back(where + ": " + bates + " does not follow " +
                             prev_prefix + "-" + std::to_string(prev));
      prev_prefix = prefix;
      prev = num;
    }
    if (!seen.insert(bates).second)
      r.problems.push_back(where + ": " + bates + " twice");
    if (r.first_bates.empty()) r.first_bates = bates;
    r.last_bates = bates;
    ++r.documents;
    if (i - 1 < messages.size() && core::Sha256Hex(messages[i - 1]) != c[kSha])
      r.problems.push_back(where + ": " + bates +
                           "'s message in messages.mbox is not the one the "
                           "load file hashed");
    const std::string expect = "natives/" + bates + ".eml";
    expected.insert(expect);
    if (c[kNative] != expect) {
      r.problems.push_back(where + ": its native is '" + c[kNative] +
                           "', not " + expect);
      continue;
    }
    std::string why;
    int fd = OpenIn(root, expect, &why);
    if (fd < 0) {
      r.problems.push_back(where + ": its native file " + expect + " is " +
                           why);
      continue;
    }
    const std::string sha = HashFd(fd);
    close(fd);
    if (sha != c[kSha])
      r.problems.push_back(where + ": " + expect +
                           " is not the message the load file hashed");
  }
  for (const std::string& name : listed)
    if (!expected.count(name))
      r.problems.push_back(name +
                           ": listed, but no part of a production "
                           "(no load-file row names it)");
  for (const std::string& name : expected)
    if (!listed.count(name))
      r.problems.push_back(name + ": not in the manifest");
  if (messages.size() != r.documents)
    r.problems.push_back(
        "messages.mbox holds " + std::to_string(messages.size()) +
        " messages, the load file " + std::to_string(r.documents));
  return r;
}

}  // namespace steward::release
