#include "core/text.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <glib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <regex>

#include "core/mapping.h"

namespace steward::core {

bool IsValidUtf8(std::string_view s) {
  // Most mail is ASCII: eight bytes at a time, then GLib for the rest.
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ull) break;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  if (i == s.size()) return true;
  return g_utf8_validate(s.data() + i, static_cast<gssize>(s.size() - i),
                         nullptr);
}

namespace {

// Converts with GLib's iconv wrapper, replacing what cannot be converted.
std::string ConvertWithFallback(std::string_view bytes, const char* from) {
  gsize written = 0;
  GError* err = nullptr;
  gchar* out = g_convert_with_fallback(
      bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8", from,
      "\xEF\xBF\xBD", nullptr, &written, &err);
  if (out == nullptr) {
    if (err) g_error_free(err);
    // Unknown charset or a hard failure: keep what is valid UTF-8.
    gchar* valid =
        g_utf8_make_valid(bytes.data(), static_cast<gssize>(bytes.size()));
    std::string r(valid);
    g_free(valid);
    return r;
  }
  std::string r(out, written);
  g_free(out);
  if (!IsValidUtf8(r)) {
    gchar* valid = g_utf8_make_valid(r.data(), static_cast<gssize>(r.size()));
    r = valid;
    g_free(valid);
  }
  return r;
}

}  // namespace

std::string ToUtf8(std::string_view bytes, std::string_view charset) {
  if (!charset.empty()) {
    std::string cs = AsciiLower(charset);
    if (cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii") {
      if (IsValidUtf8(bytes)) return std::string(bytes);
      if (cs != "utf-8" && cs != "utf8")
        return ConvertWithFallback(bytes, "WINDOWS-1252");
      return ConvertWithFallback(bytes, "UTF-8");
    }
    // iso-8859-1 is, in practice, windows-1252 (curly quotes in 0x80-0x9f).
    if (cs == "iso-8859-1" || cs == "latin1") cs = "windows-1252";
    return ConvertWithFallback(bytes, cs.c_str());
  }
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF")
    return ToUtf8(bytes.substr(3), "utf-8");
  if (bytes.size() >= 2 && bytes.substr(0, 2) == "\xFF\xFE")
    return ConvertWithFallback(bytes.substr(2), "UTF-16LE");
  if (bytes.size() >= 2 && bytes.substr(0, 2) == "\xFE\xFF")
    return ConvertWithFallback(bytes.substr(2), "UTF-16BE");
  if (IsValidUtf8(bytes)) return std::string(bytes);
  return ConvertWithFallback(bytes, "WINDOWS-1252");
}

namespace {

// What Readable does with a code point: 0 keep, 1 drop, 2 a space, 3 a
// dash, 4 a digit (its value is g_unichar_digit_value).
int Readability(gunichar c) {
  if (c < 0xA0) return 0;
  if (c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F ||
      c == 0x205F || c == 0x3000)
    return 2;
  if ((c >= 0x2010 && c <= 0x2015) || c == 0x2043 || c == 0x2212 ||
      c == 0xFE58 || c == 0xFE63 || c == 0xFF0D)
    return 3;
  if (c == 0xAD || c == 0x34F || c == 0x61C || c == 0x115F || c == 0x1160 ||
      c == 0x17B4 || c == 0x17B5 || (c >= 0x180B && c <= 0x180F) ||
      (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
      (c >= 0x2060 && c <= 0x206F) || c == 0x3164 ||
      (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF || c == 0xFFA0 ||
      (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0x1D173 && c <= 0x1D17A) ||
      (c >= 0xE0000 && c <= 0xE0FFF))
    return 1;
  return g_unichar_digit_value(c) >= 0 ? 4 : 0;
}

// A right-to-left override (U+202E) shows the characters after it, up to
// its pop (U+202C) or the paragraph's end, in reverse order: "RLO
// 3218-22-635 PDF" reads 536-22-8123. Each such run is written as it is
// stored (what a copy of the text gives) and then, after a space, as the
// reader sees it, so both are matched. Overrides and embeddings inside the
// run are nested in it; the controls themselves are left for Readable to
// drop.
void WriteOverridesAsShown(std::string& text, size_t from) {
  static constexpr std::string_view kRlo = "\xE2\x80\xAE";
  size_t at = text.find(kRlo, from);
  if (at == std::string::npos) return;
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  size_t copied = 0;
  while (at != std::string::npos) {
    const size_t start = at + kRlo.size();
    size_t end = start;
    int depth = 1;
    while (end < text.size() && text[end] != '\n') {
      const std::string_view rest(text.data() + end, text.size() - end);
      if (rest.starts_with("\xE2\x80") && rest.size() >= 3) {
        const auto c = static_cast<unsigned char>(rest[2]);
        if (c == 0xAA || c == 0xAB || c == 0xAD || c == 0xAE) ++depth;
        if (c == 0xAC && --depth == 0) break;
      }
      ++end;
    }
    const std::string_view run(text.data() + start, end - start);
    out.append(text, copied, start - copied);
    out.append(run);
    out.push_back(' ');
    // The run's characters in reverse order (a byte that is not UTF-8 is
    // one character).
    for (size_t i = run.size(); i > 0;) {
      size_t b = i - 1;
      while (b > 0 && (static_cast<unsigned char>(run[b]) & 0xC0) == 0x80 &&
             i - b < 4)
        --b;
      out.append(run.substr(b, i - b));
      i = b;
    }
    copied = end;
    at = text.find(kRlo, end);
  }
  out.append(text, copied, std::string::npos);
  text = std::move(out);
}

}  // namespace

void Readable(std::string& text) {
  // Only text with a byte past ASCII can hold any of them.
  size_t first = 0;
  for (uint64_t word = 0; first + 8 <= text.size(); first += 8) {
    std::memcpy(&word, text.data() + first, 8);
    if ((word & 0x8080808080808080ULL) != 0) break;
  }
  while (first < text.size() && static_cast<unsigned char>(text[first]) < 0x80)
    ++first;
  if (first == text.size()) return;
  bool overrides = false;  // an override or a pop was kept for the end
  size_t w = first;
  for (size_t i = first; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      text[w++] = text[i++];
      continue;
    }
    const char* at = text.data() + i;
    const gunichar c =
        g_utf8_get_char_validated(at, static_cast<gssize>(text.size() - i));
    if (c == static_cast<gunichar>(-1) || c == static_cast<gunichar>(-2)) {
      text[w++] = text[i++];  // not UTF-8 here: kept as it is
      continue;
    }
    const size_t n = static_cast<size_t>(g_utf8_next_char(at) - at);
    if (c == 0x202E || c == 0x202C) {  // read at the end
      overrides = true;
      std::memmove(&text[w], at, n);
      w += n;
      i += n;
      continue;
    }
    switch (Readability(c)) {
      case 1:
        break;
      case 2:
        text[w++] = ' ';
        break;
      case 3:
        text[w++] = '-';
        break;
      case 4:
        text[w++] = static_cast<char>('0' + g_unichar_digit_value(c));
        break;
      default:
        std::memmove(&text[w], at, n);
        w += n;
    }
    i += n;
  }
  text.resize(w);
  if (!overrides) return;
  WriteOverridesAsShown(text, first);
  // The controls themselves are not seen.
  w = first;
  for (size_t i = first; i < text.size();) {
    if (text.compare(i, 2, "\xE2\x80") == 0 && i + 2 < text.size() &&
        (text[i + 2] == '\xAE' || text[i + 2] == '\xAC')) {
      i += 3;
      continue;
    }
    text[w++] = text[i++];
  }
  text.resize(w);
}

std::string DecodeText(std::string_view bytes, std::string_view charset) {
  std::string s = ToUtf8(bytes, charset);
  Readable(s);
  if (s.find('\r') == std::string::npos) return s;
  size_t w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      s[w++] = '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      s[w++] = s[i];
    }
  }
  s.resize(w);
  return s;
}

namespace {

// Reads up to `size` bytes into `buf` (fewer at the file's end), through
// EINTR; the bytes read, or -1 with errno set.
ssize_t ReadUpTo(int fd, char* buf, size_t size) {
  size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Io(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::Io(path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::Invalid(path + ": is a directory");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Status::Limit(path + ": " + std::to_string(st.st_size) +
                         " bytes is over the limit of " +
                         std::to_string(max_bytes));
  }
  std::string data;
  if (!S_ISREG(st.st_mode)) {
    // A pipe or a device has no size to trust: read to its end, bounded.
    char buf[1 << 16];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        return Status::Io(path + ": " + std::strerror(errno));
      }
      if (n == 0) break;
      data.append(buf, static_cast<size_t>(n));
      if (data.size() > max_bytes) {
        ::close(fd);
        return Status::Limit(path + ": more than " + std::to_string(max_bytes) +
                             " bytes, the limit");
      }
    }
    ::close(fd);
    return data;
  }
  data.resize(static_cast<size_t>(st.st_size));
  const ssize_t got = ReadUpTo(fd, data.data(), data.size());
  const int e = errno;
  ::close(fd);
  if (got < 0) return Status::Io(path + ": " + std::strerror(e));
  data.resize(static_cast<size_t>(got));
  return data;
}

Result<MappedFile> MappedFile::Open(const std::string& path) {
  // Files up to this size are read: in a mail folder of small messages,
  // mmap, the page faults and munmap's TLB flush cost more than the copy.
  constexpr size_t kReadBelow = size_t{256} * 1024;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Io(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    return Status::Io(path + ": " + std::strerror(e));
  }
  MappedFile m;
  m.size_ = static_cast<size_t>(st.st_size);
  if (m.size_ > 0 && (m.size_ >= kReadBelow || !S_ISREG(st.st_mode))) {
    void* a = ::mmap(nullptr, m.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (a == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return Status::Io(path + ": " + std::strerror(e));
    }
    m.guard_ = GuardMapping(a, m.size_);
    if (m.guard_ >= 0) {
      ::madvise(a, m.size_, MADV_SEQUENTIAL);
      m.addr_ = a;
      ::close(fd);
      return m;
    }
    ::munmap(a, m.size_);  // every guard taken: read it instead
  }
  if (m.size_ > 0) {
    m.owned_ = std::make_unique_for_overwrite<char[]>(m.size_);
    const ssize_t got = ReadUpTo(fd, m.owned_.get(), m.size_);
    if (got < 0) {
      int e = errno;
      ::close(fd);
      return Status::Io(path + ": " + std::strerror(e));
    }
    m.size_ = static_cast<size_t>(got);  // less if the file shrank meanwhile
    m.addr_ = m.owned_.get();
  }
  ::close(fd);
  return m;
}

size_t MappedFile::cut_at() const {
  return guard_ >= 0 ? MappingCutAt(guard_) : size_;
}

void MappedFile::Release() {
  if (!addr_ || owned_) return;
  if (guard_ >= 0) UnguardMapping(guard_);
  ::munmap(addr_, size_);
}

MappedFile::MappedFile(MappedFile&& o) noexcept
    : addr_(o.addr_),
      size_(o.size_),
      owned_(std::move(o.owned_)),
      guard_(o.guard_) {
  o.addr_ = nullptr;
  o.size_ = 0;
  o.guard_ = -1;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    Release();
    addr_ = o.addr_;
    size_ = o.size_;
    owned_ = std::move(o.owned_);
    guard_ = o.guard_;
    o.addr_ = nullptr;
    o.size_ = 0;
    o.guard_ = -1;
  }
  return *this;
}

MappedFile::~MappedFile() { Release(); }

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  // A temporary name of this call's own (mkostemp creates it exclusively,
  // mode 0600): two threads writing the same path never share one.
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Status::Io(tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::Io(tmp + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::Io(tmp + ": fsync/close failed");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::Io(path + ": " + std::strerror(e));
  }
  return Status::Ok();
}

std::string Lower(std::string_view s) {
  bool ascii = std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
  if (ascii || !IsValidUtf8(s)) return AsciiLower(s);
  gchar* low = g_utf8_strdown(s.data(), static_cast<gssize>(s.size()));
  std::string r(low);
  g_free(low);
  return r;
}

bool StartsUpper(std::string_view s) {
  if (s.empty()) return false;
  auto c = static_cast<unsigned char>(s[0]);
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  // At most one character's bytes are read, and never past the view.
  const size_t n = std::min<size_t>(s.size(), 4);
  gunichar u = g_utf8_get_char_validated(s.data(), static_cast<gssize>(n));
  return u != static_cast<gunichar>(-1) && u != static_cast<gunichar>(-2) &&
         g_unichar_isupper(u);
}

std::vector<std::string> HeaderWords(std::string_view s) {
  enum class Kind { kOther, kLower, kUpper, kDigit, kHash };
  auto kind = [](unsigned char c) {
    if (c >= 'a' && c <= 'z') return Kind::kLower;
    if (c >= 'A' && c <= 'Z') return Kind::kUpper;
    if (c >= '0' && c <= '9') return Kind::kDigit;
    if (c >= 0x80) return Kind::kLower;  // part of a UTF-8 letter
    if (c == '#') return Kind::kHash;
    return Kind::kOther;
  };
  std::vector<std::string> words;
  std::string word;
  auto end_word = [&] {
    if (!word.empty()) words.push_back(AsciiLower(word));
    word.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const Kind k = kind(c);
    if (k == Kind::kOther) {
      end_word();
      continue;
    }
    if (k == Kind::kHash) {
      end_word();
      words.emplace_back("#");
      continue;
    }
    if (!word.empty()) {
      const Kind prev = kind(static_cast<unsigned char>(word.back()));
      const bool next_lower =
          i + 1 < s.size() &&
          kind(static_cast<unsigned char>(s[i + 1])) == Kind::kLower;
      if ((prev == Kind::kDigit) != (k == Kind::kDigit) ||
          (prev == Kind::kLower && k == Kind::kUpper) ||
          (prev == Kind::kUpper && k == Kind::kUpper && next_lower))
        end_word();
    }
    word += static_cast<char>(c);
  }
  end_word();
  return words;
}

LineIndex::LineIndex(std::string_view text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(i + 1);
}

uint32_t LineIndex::LineOf(size_t offset) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  return static_cast<uint32_t>(it - starts_.begin());
}

bool LooksLikeEmail(std::string_view s) {
  auto at = s.find('@');
  return at != std::string_view::npos && at > 0 &&
         s.find('@', at + 1) == std::string_view::npos &&
         s.find('.', at) != std::string_view::npos &&
         s.find_first_of(" ,;<>") == std::string_view::npos;
}

std::string Printable(std::string_view s, bool newlines) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && !(newlines && c == '\n')) || c == 0x7f) {
      out += '?';
    } else if (c == 0xc2 && i + 1 < s.size() &&
               static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) < 0xa0) {
      out += '?';  // a C1 control in UTF-8
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string PrintableText(std::string_view s) {
  std::string lines;
  lines.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') continue;
      lines += '\n';
    } else {
      lines += s[i] == '\t' ? ' ' : s[i];
    }
  }
  return Printable(lines, true);
}

namespace {

// Length of the valid UTF-8 sequence at s[i] and its code point; 0 when the
// bytes there are not valid UTF-8.
size_t Utf8At(std::string_view s, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t n = c < 0x80           ? 1
             : (c >> 5) == 0x6  ? 2
             : (c >> 4) == 0xE  ? 3
             : (c >> 3) == 0x1E ? 4
                                : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 7);
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

// C0, DEL, C1, line and paragraph separators, and the bidirectional
// controls that can make a name or a sentence read as something else.
bool IsControl(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 ||
         cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
         cp == 0x061C ||                      // the Arabic letter mark
         (cp >= 0xE0000 && cp <= 0xE007F) ||  // tags: hidden text
         // Noncharacters: no text holds them, and XML (a workbook's
         // cells) refuses U+FFFE and U+FFFF.
         (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

// White space and invisible format characters: nothing to read.
bool IsBlank(uint32_t cp) {
  return cp == ' ' || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x202F && cp <= 0x202F) ||
         (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF ||
         cp == 0x180E || cp == 0x00AD || cp == 0x115F || cp == 0x1160 ||
         cp == 0x3164 || cp == 0xFFA0 || cp == 0x2800;  // filler glyphs
}

}  // namespace

std::string CleanText(std::string_view text, size_t max_bytes, bool lines) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = Utf8At(text, i, &cp);
    if (n == 0) {  // not UTF-8: dropped
      ++i;
      continue;
    }
    std::string_view piece = text.substr(i, n);
    if (lines && (cp == '\n' || cp == '\r' || cp == '\t')) {
      // CRLF and a lone CR are one line end; a tab is a space.
      if (cp == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        i += 1;
        continue;
      }
      piece = cp == '\t' ? " " : "\n";
    } else if (IsControl(cp)) {
      i += n;
      continue;
    }
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += n;
  }
  return out;
}

std::string CompactLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;  // a space is owed before the next character
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = Utf8At(text, i, &cp);
    if (n == 0) n = 1;  // not UTF-8: kept as it is, CleanText's to drop
    const bool wide = cp == ' ' || cp == 0xA0 || cp == 0x1680 ||
                      (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
                      cp == 0x205F || cp == 0x3000;
    if (wide) {
      space = !out.empty();
    } else if (!IsBlank(cp)) {
      if (space) out.push_back(' ');
      space = false;
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string_view SkipBlank(std::string_view s) {
  for (;;) {
    uint32_t cp = 0;
    const size_t n = s.empty() ? 0 : Utf8At(s, 0, &cp);
    if (n == 0 || !IsBlank(cp)) return s;
    s.remove_prefix(n);
  }
}

bool HasVisibleText(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = Utf8At(text, i, &cp);
    if (n == 0) {
      ++i;
      continue;
    }
    if (!IsControl(cp) && !IsBlank(cp)) return true;
    i += n;
  }
  return false;
}

size_t CharCount(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string_view Clip(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

std::string Shown(std::string_view s) {
  std::string shown(s.substr(0, 40));
  for (char& c : shown) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  return shown;
}

Result<int64_t> ParseInt(std::string_view s, int64_t min, int64_t max,
                         std::string_view what) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  bool digits = !s.empty() && (s[0] != '-' || s.size() > 1) &&
                std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(),
                            [](char c) { return c >= '0' && c <= '9'; });
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (!digits || ec != std::errc() || ptr != end || v < min || v > max) {
    return Status::Invalid(
        fmt::format("{} is a whole number from {} to {}, "
                    "not '{}'",
                    what, min, max, Shown(s)));
  }
  return v;
}

Result<std::string> ParseDollars(std::string_view s, std::string_view what) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  static const std::regex kAmount(
      R"(\$?([0-9]{1,3}(,[0-9]{3})*|[0-9]+)(\.[0-9]{1,2})?)");
  const std::string v(s);
  if (!std::regex_match(v, kAmount))
    return Status::Invalid(std::string(what) +
                           " is an amount in dollars, such as 1250 or "
                           "1,250.00.");
  std::string digits;
  for (char c : v)
    if (c != ',' && c != '$') digits += c;
  if (digits.size() > 12 || std::strtod(digits.c_str(), nullptr) > 10'000'000)
    return Status::Invalid(std::string(what) +
                           " is more than $10,000,000: check it.");
  return fmt::format("{:.2f}", std::strtod(digits.c_str(), nullptr));
}

Result<int64_t> ParseIsoDate(std::string_view s, int min_year, int max_year,
                             std::string_view what) {
  auto refuse = [&] {
    return Status::Invalid(
        fmt::format("{} is a date written YYYY-MM-DD between {}-01-01 and "
                    "{}-12-31, not '{}'",
                    what, min_year, max_year, Shown(s)));
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return refuse();
  auto year = ParseInt(s.substr(0, 4), min_year, max_year, what);
  auto month = ParseInt(s.substr(5, 2), 1, 12, what);
  auto day = ParseInt(s.substr(8, 2), 1, 31, what);
  if (!year.ok() || !month.ok() || !day.ok()) return refuse();
  static constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
  int64_t y = *year, m = *month, d = *day;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int64_t last = kMonthDays[m - 1] + (m == 2 && leap ? 1 : 0);
  if (d > last) return refuse();
  std::tm tm{};
  tm.tm_year = static_cast<int>(y - 1900);
  tm.tm_mon = static_cast<int>(m - 1);
  tm.tm_mday = static_cast<int>(d);
  tm.tm_hour = 12;
  return static_cast<int64_t>(timegm(&tm) / 86400);
}

bool HasControlChars(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < s.size() &&
        static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) < 0xa0) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> SplitList(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view piece = s.substr(start, end - start);
    size_t b = piece.find_first_not_of(" \t");
    size_t e = piece.find_last_not_of(" \t");
    if (b != std::string_view::npos)
      out.emplace_back(piece.substr(b, e - b + 1));
    start = end + 1;
  }
  return out;
}

std::string EscapeHtml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20 || c == 0x7f) {
        out += fmt::format("\\u{:04x}", c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // GLib decodes (and rejects overlong forms, surrogates and truncated
    // sequences); one invalid byte becomes one U+FFFD.
    gunichar u = g_utf8_get_char_validated(s.data() + i,
                                           static_cast<gssize>(s.size() - i));
    if (u == static_cast<gunichar>(-1) || u == static_cast<gunichar>(-2)) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    size_t len = static_cast<unsigned char>(g_utf8_skip[c]);
    if (u < 0xa0 || u == 0x2028 || u == 0x2029) {
      out += fmt::format("\\u{:04x}", static_cast<uint32_t>(u));
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string IsoUtc(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return "1970-01-01T00:00:00Z";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string NowUtc(int64_t offset_seconds) {
  return IsoUtc(static_cast<int64_t>(std::time(nullptr)) + offset_seconds);
}

std::string Join(const std::vector<std::string>& pieces, std::string_view sep) {
  std::string out;
  for (const auto& p : pieces) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

Result<std::string> Words(std::string_view text, size_t max_chars,
                          std::string_view what, bool required) {
  std::string out = CleanText(text, max_chars * 4 + 4, true);
  if (CharCount(out) > max_chars)
    return Status::Invalid(
        fmt::format("Keep the {} to {} characters.", what, max_chars));
  if (!HasVisibleText(out)) {
    if (required) return Status::Invalid(fmt::format("The {} is empty.", what));
    out.clear();
  }
  return out;
}

}  // namespace steward::core
