#include "channels/icap/upload.h"

#include <brotli/decode.h>
#include <glib.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/text.h"

namespace steward::icap {

namespace {

// The parts of a multipart upload: a browser's form has a part a field and
// a file (ModSecurity's MULTIPART_FILE_LIMIT_EXCEEDED class).
constexpr size_t kMaxParts = 1000;
// A form's fields are read decoded, one a line ("name: value").
constexpr std::string_view kFormType = "text/plain; charset=utf-8";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
  return -1;
}

}  // namespace

std::string FieldSafe(std::string_view s, size_t max) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= max) break;
    if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
  }
  return out;
}

std::string MultipartProblem(std::string_view type, std::string_view body) {
  std::string lower = core::AsciiLower(type);
  if (!lower.starts_with("multipart/")) return {};
  size_t at = lower.find("boundary=");
  if (at == std::string::npos) return "no boundary in its Content-Type";
  std::string_view b = std::string_view(type).substr(at + 9);
  if (b.starts_with("\"")) {
    b.remove_prefix(1);
    size_t close = b.find('"');
    if (close == std::string_view::npos)
      return "its boundary's quotes are not closed";
    b = b.substr(0, close);
    if (!b.empty() && (b.front() == ' ' || b.back() == ' '))
      return "its boundary begins or ends with a space";
  } else {
    b = b.substr(0, b.find_first_of("; \t"));
  }
  if (b.empty() || b.size() > 200) return "its boundary is empty or too long";
  const std::string delimiter = "--" + std::string(b);
  const size_t first =
      body.starts_with(delimiter) ? 0 : body.find("\r\n" + delimiter);
  if (first == std::string_view::npos) {
    // Lines that end in a bare LF are a framing of their own (LF_LINE).
    if (body.find("\n" + delimiter) != std::string_view::npos)
      return "its lines end in a bare LF";
    return "its boundary never opens a part";
  }
  if (body.substr(0, first).find_first_not_of(" \t\r\n") !=
      std::string_view::npos)
    return "it has data before its first boundary";
  const std::string line_delimiter = "\r\n" + delimiter;
  const size_t last = body.rfind(line_delimiter + "--");
  const bool closes_at_start = first == 0 && body.starts_with(delimiter + "--");
  if (last == std::string_view::npos && !closes_at_start)
    return "its closing boundary is missing";
  // Where the closing delimiter begins.
  const size_t closing = last == std::string_view::npos ? 0 : last + 2;
  if (body.substr(std::min(closing + delimiter.size() + 2, body.size()))
          .find_first_not_of(" \t\r\n") != std::string_view::npos)
    return "it has data after its closing boundary";
  // Every part: its boundary line ends in CRLF, its header block in a
  // blank line. `p` is where a part's delimiter begins. The engine reads
  // each part as a MIME entity: a million empty parts in 10 MiB took it
  // 5.7 s and 1.5 GB, so the parts are counted.
  size_t parts = 0;
  for (size_t p = body.starts_with(delimiter) ? 0 : first + 2; p < closing;) {
    if (++parts > kMaxParts)
      return "it has more than " + std::to_string(kMaxParts) + " parts";
    const size_t head = p + delimiter.size();
    if (body.substr(head, 2) != "\r\n")
      return "a boundary line does not end in CRLF";
    const size_t next = body.find(line_delimiter, head);
    const size_t blank = body.find("\r\n\r\n", head);
    if (blank == std::string_view::npos ||
        (next != std::string_view::npos && blank > next))
      return "a part's header fields never end";
    if (next == std::string_view::npos) break;
    p = next + 2;
  }
  return {};
}

bool MultipartFramed(std::string_view type, std::string_view body) {
  return MultipartProblem(type, body).empty();
}

namespace {

// nlohmann's SAX interface, writing "key: value" lines. Only the innermost
// kMaxKeys keys are kept, each cut to kMaxKeyBytes; deeper values take the
// last kept key. An array's values after its first are written without the
// key, so the text stays about the size of the body whatever its shape.
class JsonLines {
 public:
  explicit JsonLines(std::string& out) : out_(out) {}
  bool null() { return true; }
  bool boolean(bool v) { return Line(v ? "true" : "false"); }
  bool number_integer(int64_t v) { return Line(std::to_string(v)); }
  bool number_unsigned(uint64_t v) { return Line(std::to_string(v)); }
  bool number_float(double, const std::string& raw) { return Line(raw); }
  bool string(std::string& v) { return Line(v); }
  bool binary(nlohmann::json::binary_t&) { return true; }
  bool start_object(size_t) { return Push(false); }
  bool key(std::string& k) {
    if (depth_ > 0 && depth_ <= kMaxKeys)
      levels_[depth_ - 1].key = k.substr(0, kMaxKeyBytes);
    return true;
  }
  bool end_object() { return Pop(); }
  bool start_array(size_t) { return Push(true); }
  bool end_array() { return Pop(); }
  // `position` counts the bytes read, the end of input included; the
  // token that failed began `last_token` bytes before it.
  bool parse_error(size_t position, const std::string& last_token,
                   const nlohmann::json::exception&) {
    error_at_ = position > last_token.size() ? position - last_token.size() : 0;
    return false;
  }
  size_t error_at() const { return error_at_; }

 private:
  static constexpr size_t kMaxKeys = 64;
  static constexpr size_t kMaxKeyBytes = 64;
  struct Level {
    std::string key;  // an array's: the key it is under
    bool array = false;
    bool written = false;  // an array: a value written already
  };
  bool Push(bool array) {
    ++depth_;
    if (depth_ <= kMaxKeys) {
      Level l;
      l.array = array;
      if (array && depth_ >= 2) {
        // An array inside an array shares its key, written once: a body
        // of "[1]," under a 64-byte key would make 17 times its size.
        Level& parent = levels_[depth_ - 2];
        l.key = parent.key;
        if (parent.array) {
          l.written = parent.written;
          parent.written = true;
        }
      }
      levels_.push_back(std::move(l));
    }
    return true;
  }
  bool Pop() {
    if (depth_ > 0 && depth_ <= kMaxKeys) levels_.pop_back();
    if (depth_ > 0) --depth_;
    return true;
  }
  bool Line(const std::string& v) {
    if (!levels_.empty()) {
      Level& l = levels_.back();
      bool repeat = (l.array || depth_ > kMaxKeys) && l.written;
      if (!repeat && !l.key.empty()) out_ += l.key + ": ";
      l.written = true;
    }
    out_ += v;
    out_ += '\n';
    return true;
  }
  std::string& out_;
  std::vector<Level> levels_;
  size_t depth_ = 0;
  size_t error_at_ = std::string::npos;
};

}  // namespace

bool IsJsonType(std::string_view content_type) {
  std::string t = core::AsciiLower(content_type.substr(
      0, std::min(content_type.find(';'), content_type.size())));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  return t == "application/json" || t.ends_with("+json");
}

std::string JsonText(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  JsonLines lines(out);
  bool ok = nlohmann::json::sax_parse(body.begin(), body.end(), &lines,
                                      nlohmann::json::input_format_t::json,
                                      /*strict=*/true);
  if (!ok) {
    // What could not be read as JSON follows as it is, from the token
    // that failed.
    size_t at = std::min(lines.error_at(), body.size());
    out += '\n';
    out.append(body.substr(at));
  }
  return out;
}

std::string FormText(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 8);
  bool in_value = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '&') {
      out += '\n';
      in_value = false;
    } else if (c == '=' && !in_value) {
      out += ": ";
      in_value = true;
    } else if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < body.size() && HexDigit(body[i + 1]) >= 0 &&
               HexDigit(body[i + 2]) >= 0) {
      out +=
          static_cast<char>(HexDigit(body[i + 1]) * 16 + HexDigit(body[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// One decoder's output: at most `limit` bytes.
struct Stage {
  std::string out;
  bool ended = false;     // the coding's stream (or streams) ended
  bool overflow = false;  // it would have given more than `limit`
  bool trailing = false;  // bytes followed the end
  std::string error;      // the coding is damaged here
};

constexpr size_t kOutStep = size_t{64} * 1024;

// Appends `n` bytes of `buf` within `limit`; false when they did not fit.
bool Put(Stage& s, const char* buf, size_t n, uint64_t limit) {
  const uint64_t room = limit > s.out.size() ? limit - s.out.size() : 0;
  s.out.append(buf, static_cast<size_t>(std::min<uint64_t>(n, room)));
  if (n > room) s.overflow = true;
  return n <= room;
}

// gzip (members one after another, as gzip writes them) and deflate, whose
// zlib wrapper some servers and clients leave out (raw deflate is tried
// when the wrapper is not there).
Stage Inflate(std::string_view in, uint64_t limit, bool gzip,
              bool raw = false) {
  Stage s;
  z_stream z{};
  if (inflateInit2(&z, gzip ? 15 + 16 : (raw ? -15 : 15)) != Z_OK) {
    s.error = "no memory to decode";
    return s;
  }
  size_t fed = 0;  // bytes of `in` handed to zlib
  char buf[kOutStep];
  for (;;) {
    if (z.avail_in == 0 && fed < in.size()) {
      const size_t n = std::min<size_t>(in.size() - fed, 1u << 30);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + fed));
      z.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t got = sizeof buf - z.avail_out;
    if (!Put(s, buf, got, limit)) break;
    if (rc == Z_STREAM_END) {
      const size_t left = z.avail_in + (in.size() - fed);
      const size_t at = in.size() - left;
      if (left == 0) {
        s.ended = true;
        break;
      }
      if (gzip && in.substr(at).starts_with("\x1f\x8b")) {
        inflateReset(&z);
        continue;
      }
      s.ended = true;
      s.trailing = in.substr(at).find_first_not_of(std::string_view("\0", 1)) !=
                   std::string_view::npos;
      break;
    }
    if (rc == Z_DATA_ERROR && !gzip && !raw && s.out.empty()) {
      inflateEnd(&z);
      return Inflate(in, limit, false, true);
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && fed == in.size()) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      s.error = z.msg ? z.msg : "it does not decode";
      break;
    }
  }
  inflateEnd(&z);
  return s;
}

Stage Unbrotli(std::string_view in, uint64_t limit) {
  Stage s;
  BrotliDecoderState* st =
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!st) {
    s.error = "no memory to decode";
    return s;
  }
  size_t avail_in = in.size();
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  char buf[kOutStep];
  for (;;) {
    size_t avail_out = sizeof buf;
    uint8_t* next_out = reinterpret_cast<uint8_t*>(buf);
    const BrotliDecoderResult rc = BrotliDecoderDecompressStream(
        st, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    if (!Put(s, buf, sizeof buf - avail_out, limit)) break;
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
      s.ended = true;
      s.trailing = avail_in > 0;
      break;
    }
    if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) break;
    if (rc == BROTLI_DECODER_RESULT_ERROR) {
      s.error = BrotliDecoderErrorString(BrotliDecoderGetErrorCode(st));
      break;
    }
  }
  BrotliDecoderDestroyInstance(st);
  return s;
}

Stage Unzstd(std::string_view in, uint64_t limit) {
  Stage s;
  ZSTD_DCtx* z = ZSTD_createDCtx();
  if (!z) {
    s.error = "no memory to decode";
    return s;
  }
  // A frame may ask for a window of up to 2 GiB; 8 MiB is what browsers
  // and servers use, and bounds the decoder's memory.
  ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 23);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  char buf[kOutStep];
  size_t last = 1;  // 0 when the last frame read ended
  for (;;) {
    ZSTD_outBuffer ob{buf, sizeof buf, 0};
    last = ZSTD_decompressStream(z, &ob, &ib);
    if (ZSTD_isError(last)) {
      s.error = ZSTD_getErrorName(last);
      break;
    }
    if (!Put(s, buf, ob.pos, limit)) break;
    if (ib.pos == ib.size && ob.pos < ob.size) {
      s.ended = last == 0;
      break;
    }
  }
  ZSTD_freeDCtx(z);
  return s;
}

// Whether the door reads `coding` (DecodeOne).
bool KnownCoding(std::string_view coding) {
  return coding == "gzip" || coding == "x-gzip" || coding == "deflate" ||
         coding == "br" || coding == "zstd";
}

// The codings the door reads, by their names in Content-Encoding.
Stage DecodeOne(std::string_view coding, std::string_view in, uint64_t limit,
                bool* known) {
  *known = true;
  if (coding == "gzip" || coding == "x-gzip") return Inflate(in, limit, true);
  if (coding == "deflate") return Inflate(in, limit, false);
  if (coding == "br") return Unbrotli(in, limit);
  if (coding == "zstd") return Unzstd(in, limit);
  *known = false;
  return {};
}

std::string AsciiName(std::string_view s) { return FieldSafe(s, 64); }

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// A file name as the engine is given it: its last path segment, without
// control bytes, at most 255 bytes (its end kept, where the extension is).
std::string CleanName(std::string_view name) {
  const size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (unsigned char c : name)
    if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);
  if (out.size() > 255) out.erase(0, out.size() - 255);
  if (out == "." || out == "..") out.clear();
  return out;
}

std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
        HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A Content-Disposition that names `name` (RFC 2231, so any UTF-8 name
// survives).
std::string DispositionOf(std::string_view name) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "attachment; filename*=utf-8''";
  for (unsigned char c : name) {
    if (std::isalnum(c) ||
        std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) !=
            std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The name in a Dropbox-API-Arg (a JSON object: "path", or "commit"'s
// "path" when a session finishes), and whether it appends at an offset.
std::string DropboxPath(std::string_view arg, bool* piece) {
  auto j = nlohmann::json::parse(arg, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return {};
  if (auto c = j.find("cursor"); c != j.end() && c->is_object()) {
    if (auto o = c->find("offset");
        o != c->end() && o->is_number_unsigned() && o->get<uint64_t>() > 0)
      *piece = true;
  }
  const nlohmann::json* at = &j;
  if (auto c = j.find("commit"); c != j.end() && c->is_object()) at = &*c;
  if (auto p = at->find("path"); p != at->end() && p->is_string())
    return p->get<std::string>();
  return {};
}

// tus's Upload-Metadata: "key base64,key base64,...".
std::string TusName(std::string_view meta) {
  for (const std::string& item : core::SplitList(meta, ',')) {
    const std::string_view pair = item;
    const size_t sp = pair.find(' ');
    const std::string_view key = pair.substr(0, sp);
    if ((key != "filename" && key != "name") || sp == std::string_view::npos)
      continue;
    std::string b64(Trimmed(pair.substr(sp + 1)));
    gsize len = 0;
    guchar* raw = g_base64_decode(b64.c_str(), &len);
    std::string out(reinterpret_cast<const char*>(raw), len);
    g_free(raw);
    return out;
  }
  return {};
}

// The last segment of a request target's path, when it has an extension.
std::string UrlName(std::string_view target) {
  if (size_t scheme = target.find("://"); scheme != std::string_view::npos) {
    target.remove_prefix(scheme + 3);
    const size_t path = target.find('/');
    target = path == std::string_view::npos ? std::string_view()
                                            : target.substr(path);
  }
  target = target.substr(0, target.find_first_of("?#"));
  const size_t slash = target.rfind('/');
  std::string name = PercentDecoded(
      slash == std::string_view::npos ? target : target.substr(slash + 1));
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || name.size() - dot - 1 > 10 ||
      dot + 1 == name.size())
    return {};
  for (size_t i = dot + 1; i < name.size(); ++i)
    if (!std::isalnum(static_cast<unsigned char>(name[i]))) return {};
  return name;
}

// Google's resumable uploads cut a file in multiples of 256 KiB, and other
// clients in pieces of MiBs: a file's first piece is never shorter.
constexpr uint64_t kSmallestFirstPiece = uint64_t{256} << 10;

// A decimal number of at most 18 digits, or nullopt.
std::optional<uint64_t> Decimal(std::string_view s) {
  if (s.empty() || s.size() > 18 ||
      s.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  uint64_t n = 0;
  for (char c : s) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

// Whether a range or offset field says the body begins past byte 0. A
// range that ends at the file's end and begins within its first
// kSmallestFirstPiece bytes ("bytes 1-N/N+1") is the file but for a start
// no client sends alone: not a piece.
bool PastStart(const Fields& f) {
  if (auto r = f.Find("Content-Range")) {
    // "bytes 262144-524287/1048576"
    std::string_view v = Trimmed(*r);
    if (v.starts_with("bytes ")) v.remove_prefix(6);
    v = Trimmed(v);
    const size_t dash = v.find('-');
    const std::string_view first = v.substr(0, dash);
    if (!first.empty() &&
        first.find_first_not_of("0123456789") == std::string_view::npos &&
        first.find_first_not_of('0') != std::string_view::npos) {
      const size_t slash = v.find('/');
      const auto start = Decimal(first);
      const auto end =
          dash == std::string_view::npos || slash == std::string_view::npos ||
                  slash < dash
              ? std::nullopt
              : Decimal(Trimmed(v.substr(dash + 1, slash - dash - 1)));
      const auto total = slash == std::string_view::npos
                             ? std::nullopt
                             : Decimal(Trimmed(v.substr(slash + 1)));
      const bool whole = start && end && total &&
                         *start < kSmallestFirstPiece && *end + 1 == *total;
      if (!whole) return true;
    }
  }
  for (std::string_view name : {"Upload-Offset", "X-Goog-Upload-Offset"})
    if (auto o = f.Find(name)) {
      std::string_view v = Trimmed(*o);
      if (!v.empty() && v.find_first_not_of('0') != std::string_view::npos)
        return true;
    }
  return false;
}

}  // namespace

Upload UploadOf(const HttpHead& request, const HttpHead* response) {
  Upload u;
  const Fields& body = response ? response->fields : request.fields;
  u.type = FieldSafe(body.Find("Content-Type").value_or(""), 1024);
  if (u.type.empty()) u.type = "application/octet-stream";
  if (auto e = body.Find("Content-Encoding")) {
    for (const std::string& c : core::SplitList(*e, ',')) {
      std::string coding = core::AsciiLower(c);
      if (!coding.empty() && coding != "identity")
        u.encodings.push_back(FieldSafe(coding, 64));
    }
  }
  if (auto d = body.Find("Content-Disposition")) {
    u.disposition = FieldSafe(*d, 1024);
    return u;
  }
  std::string name;
  const Fields& req = request.fields;
  if (!response) {
    if (auto a = req.Find("Dropbox-API-Arg")) name = DropboxPath(*a, &u.piece);
    if (name.empty())
      if (auto n = req.Find("X-Goog-Upload-File-Name"))
        name = PercentDecoded(*n);
    if (name.empty())
      if (auto m = req.Find("Upload-Metadata")) name = TusName(*m);
    for (std::string_view f : {"X-File-Name", "X-Filename", "Slug"})
      if (name.empty())
        if (auto n = req.Find(f)) name = PercentDecoded(*n);
    // Resumable uploads send a file's bytes, never a form: a form or JSON
    // body is read as what it is, whatever its range says.
    const std::string type = core::AsciiLower(u.type);
    const bool form = type.starts_with("multipart/") ||
                      type.starts_with("application/x-www-form-urlencoded") ||
                      IsJsonType(type);
    if (PastStart(req) && !form) u.piece = true;
    if (form) u.piece = false;
  }
  if (name.empty() && (response || core::AsciiLower(request.method) == "put"))
    name = UrlName(request.target);
  u.name = CleanName(name);
  if (u.piece) {
    // A piece from inside a file: neither its type nor its name describe
    // these bytes.
    u.type = "application/octet-stream";
    return u;
  }
  if (!u.name.empty()) u.disposition = DispositionOf(u.name);
  return u;
}

std::string UploadHead(const Upload& upload) {
  std::string type = FieldSafe(upload.type, 1024);
  if (type.empty()) type = "application/octet-stream";
  std::string head = "MIME-Version: 1.0\r\nContent-Type: " + type + "\r\n";
  if (!upload.disposition.empty())
    head +=
        "Content-Disposition: " + FieldSafe(upload.disposition, 1024) + "\r\n";
  return head + "\r\n";
}

std::string UploadHead(std::string_view content_type) {
  Upload u;
  u.type = std::string(content_type);
  return UploadHead(u);
}

namespace {
constexpr size_t kMaxCodings = 4;
}  // namespace

std::string CodingNotRead(const std::vector<std::string>& encodings) {
  if (encodings.empty()) return {};
  if (encodings.size() > kMaxCodings)
    return "its Content-Encoding has more than " + std::to_string(kMaxCodings) +
           " codings";
  if (KnownCoding(encodings.back())) return {};
  return "its Content-Encoding \"" + AsciiName(encodings.back()) +
         "\" is not one Steward reads";
}

Decoded Decode(const std::vector<std::string>& encodings, std::string_view body,
               uint64_t limit, bool complete) {
  Decoded d;
  if (encodings.size() > kMaxCodings) {
    d.unread = "its Content-Encoding has more than " +
               std::to_string(kMaxCodings) + " codings";
    d.bytes =
        std::string(body.substr(0, std::min<uint64_t>(body.size(), limit)));
    return d;
  }
  // The last coding applied is the first undone.
  for (auto it = encodings.rbegin(); it != encodings.rend(); ++it) {
    bool known = false;
    Stage s = DecodeOne(*it, body, limit, &known);
    if (!known) {
      d.unread = "its Content-Encoding \"" + AsciiName(*it) +
                 "\" is not one Steward reads";
      d.bytes =
          std::string(body.substr(0, std::min<uint64_t>(body.size(), limit)));
      return d;
    }
    if (s.overflow) {
      d.unread = "its " + AsciiName(*it) + " body expands past " +
                 std::to_string(limit) + " bytes; only the first " +
                 std::to_string(limit) + " were inspected";
    } else if (!s.error.empty()) {
      d.damaged = "its " + AsciiName(*it) + " coding is damaged (" +
                  AsciiName(s.error) + ")";
    } else if (complete && !s.ended) {
      d.damaged = "its " + AsciiName(*it) + " coding ends before its end";
    } else if (complete && s.trailing) {
      d.damaged = "bytes follow the end of its " + AsciiName(*it) + " coding";
    }
    d.bytes = std::move(s.out);
    body = d.bytes;
    if (!d.unread.empty() || !d.damaged.empty()) break;
  }
  return d;
}

Reading ReadUpload(const Upload& upload, std::string_view body, bool complete,
                   uint64_t limit) {
  Reading r;
  std::string decoded;
  bool changed = false;
  if (!upload.encodings.empty()) {
    Decoded d = Decode(upload.encodings, body, limit, complete);
    r.unread = std::move(d.unread);
    if (!d.damaged.empty()) r.malformed = "body: " + d.damaged;
    decoded = std::move(d.bytes);
    body = decoded;
    changed = true;
  }
  if (!upload.piece) {
    const std::string type = core::AsciiLower(upload.type);
    if (type.starts_with("application/x-www-form-urlencoded")) {
      r.entity = UploadHead(kFormType) + FormText(body);
      return r;
    }
    if (IsJsonType(type)) {
      r.entity = UploadHead(kFormType) + JsonText(body);
      return r;
    }
    // A multipart body whose framing does not match its boundary would
    // show the engine no parts: it is read as plain text instead, so it
    // hides nothing.
    const std::string problem =
        complete ? MultipartProblem(upload.type, body) : std::string();
    if (!problem.empty()) {
      if (r.malformed.empty()) r.malformed = "multipart body: " + problem;
      r.entity = UploadHead("text/plain");
      r.entity.append(body);
      return r;
    }
  }
  if (changed) {
    r.entity = UploadHead(upload);
    r.entity.append(body);
  }
  return r;
}

std::string UploadEntity(const Upload& upload, std::string_view body,
                         uint64_t limit) {
  Reading r = ReadUpload(upload, body, /*complete=*/true, limit);
  if (!r.entity.empty()) return std::move(r.entity);
  std::string out = UploadHead(upload);
  out.append(body.substr(0, std::min<uint64_t>(body.size(), limit)));
  return out;
}

std::string UploadEntity(std::string_view content_type, std::string_view body) {
  Upload u;
  u.type = FieldSafe(content_type, 1024);
  if (u.type.empty()) u.type = "application/octet-stream";
  return UploadEntity(u, body);
}

}  // namespace steward::icap
