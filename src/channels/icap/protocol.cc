#include "channels/icap/protocol.h"

#include <algorithm>
#include <cstdio>

#include "core/text.h"

namespace steward::icap {

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// RFC 9110 tchar.
bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!IsTokenChar(c)) return false;
  return true;
}

// Splits `block` (lines ending in CRLF, the last one empty) into a first
// line and fields. False when a line is malformed or there are too many.
bool SplitHead(std::string_view block, size_t max_fields, std::string* first,
               Fields* fields) {
  size_t at = 0;
  bool first_line = true;
  while (at < block.size()) {
    size_t eol = block.find("\r\n", at);
    if (eol == std::string_view::npos) return false;
    std::string_view line = block.substr(at, eol - at);
    at = eol + 2;
    if (first_line) {
      *first = std::string(line);
      first_line = false;
      continue;
    }
    if (line.empty()) return at == block.size();
    // No obs-fold, no whitespace before the colon, a token for a name.
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view name = line.substr(0, colon);
    if (!IsToken(name)) return false;
    for (char c : line)
      if (c == '\0' || c == '\r' || c == '\n') return false;
    if (fields->list.size() >= max_fields) return false;
    fields->list.push_back(
        {std::string(name), std::string(Trim(line.substr(colon + 1)))});
  }
  return false;
}

std::optional<uint64_t> ParseDecimal(std::string_view s, uint64_t max) {
  auto v = core::ParseInt(s, 0, static_cast<int64_t>(max), "number");
  if (!v.ok()) return std::nullopt;
  return static_cast<uint64_t>(*v);
}

}  // namespace

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kOptions:
      return "OPTIONS";
    case Method::kReqmod:
      return "REQMOD";
    case Method::kRespmod:
      break;
  }
  return "RESPMOD";
}

std::optional<std::string_view> Fields::Find(std::string_view name) const {
  for (const auto& f : list)
    if (IEquals(f.name, name)) return std::string_view(f.value);
  return std::nullopt;
}

int64_t Encapsulated::BodyOffset() const {
  for (int64_t v : {req_body, res_body, opt_body, null_body})
    if (v >= 0) return v;
  return -1;
}

std::optional<Encapsulated> ParseEncapsulated(std::string_view value) {
  Encapsulated e;
  int64_t last = -1;
  bool body_seen = false;
  size_t n = 0;
  for (const std::string& item : core::SplitList(value, ',')) {
    std::string_view part = Trim(item);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view name = Trim(part.substr(0, eq));
    auto off = ParseDecimal(Trim(part.substr(eq + 1)), 1ull << 40);
    if (!off) return std::nullopt;
    int64_t o = static_cast<int64_t>(*off);
    if (body_seen) return std::nullopt;  // a body entity comes last
    // Strictly ascending: an entity is never empty (a header block ends
    // with an empty line), and two at one offset would read the same bytes
    // twice, as a request head and as a response head.
    if (n == 0 ? o != 0 : o <= last) return std::nullopt;
    int64_t* slot = nullptr;
    bool body = false;
    if (IEquals(name, "req-hdr")) {
      slot = &e.req_hdr;
    } else if (IEquals(name, "res-hdr")) {
      slot = &e.res_hdr;
    } else if (IEquals(name, "req-body")) {
      slot = &e.req_body, body = true;
    } else if (IEquals(name, "res-body")) {
      slot = &e.res_body, body = true;
    } else if (IEquals(name, "opt-body")) {
      slot = &e.opt_body, body = true;
    } else if (IEquals(name, "null-body")) {
      slot = &e.null_body, body = true;
    } else {
      return std::nullopt;
    }
    if (*slot >= 0) return std::nullopt;
    *slot = o;
    last = o;
    body_seen = body;
    ++n;
  }
  if (!body_seen) return std::nullopt;
  // Headers in their order: request head before response head.
  if (e.req_hdr >= 0 && e.res_hdr >= 0 && e.res_hdr < e.req_hdr)
    return std::nullopt;
  return e;
}

std::optional<HttpHead> ParseHttpHead(std::string_view block) {
  HttpHead h;
  std::string first;
  if (!SplitHead(block, 1000, &first, &h.fields)) return std::nullopt;
  size_t sp1 = first.find(' ');
  if (sp1 == std::string::npos) return std::nullopt;
  size_t sp2 = first.find(' ', sp1 + 1);
  h.method = first.substr(0, sp1);
  if (sp2 == std::string::npos) {
    h.target = first.substr(sp1 + 1);
  } else {
    h.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    h.version = first.substr(sp2 + 1);
  }
  if (h.method.empty() || h.target.empty()) return std::nullopt;
  return h;
}

std::string HostOf(const HttpHead& request) {
  std::string_view authority;
  std::string_view t = request.target;
  size_t scheme = t.find("://");
  if (scheme != std::string_view::npos && scheme > 0 && t.find('/') > scheme) {
    std::string_view rest = t.substr(scheme + 3);
    authority = rest.substr(0, rest.find_first_of("/?#"));
  } else if (auto host = request.fields.Find("Host")) {
    authority = *host;
  }
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    host = close == std::string_view::npos ? std::string_view()
                                           : host.substr(1, close - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  // The host comes from the client and goes into the log line and every
  // incident: at most a DNS name's 253 bytes, its end kept (a host is
  // matched by its end), and a byte that no host holds (control, not
  // ASCII) is '?', which matches no list.
  constexpr size_t kMaxHost = 253;
  if (host.size() > kMaxHost) host.remove_prefix(host.size() - kMaxHost);
  std::string out = core::AsciiLower(host);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x21 ||
        static_cast<unsigned char>(c) > 0x7e)
      c = '?';
  return out;
}

void Parser::Append(std::string_view bytes) {
  if (state_ == State::kError) return;
  Compact();
  buf_.append(bytes);
}

void Parser::Compact() {
  if (pos_ == 0) return;
  if (pos_ >= buf_.size()) {
    buf_.clear();
  } else {
    buf_.erase(0, pos_);
  }
  pos_ = 0;
}

bool Parser::InRequest() const {
  if (state_ == State::kIcapHead || state_ == State::kDone)
    return buffered() > 0;
  return state_ != State::kError;
}

bool Parser::InHead() const {
  if (state_ == State::kIcapHead || state_ == State::kDone)
    return buffered() > 0;
  return state_ == State::kHttpHeads;
}

Parser::Step Parser::Fail(int status, std::string reason) {
  state_ = State::kError;
  error_ = {status, std::move(reason)};
  return {Kind::kError, {}};
}

void Parser::Continue() {
  if (state_ != State::kAfterPreview) return;
  in_preview_ = false;
  state_ = State::kChunkSize;
}

void Parser::Finish() {
  if (state_ != State::kAfterPreview) return;
  state_ = State::kDone;
}

Parser::Step Parser::ParseIcapHead(std::string_view head) {
  request_ = Request();
  ieof_ = false;
  in_preview_ = false;
  std::string first;
  Fields fields;
  if (!SplitHead(head, limits_.max_fields, &first, &fields)) {
    // Distinguish "too many fields" from a malformed line.
    size_t lines =
        static_cast<size_t>(std::count(head.begin(), head.end(), '\n'));
    if (lines > limits_.max_fields + 2)
      return Fail(413, "too many header fields");
    return Fail(400, "malformed ICAP head");
  }
  size_t sp1 = first.find(' ');
  size_t sp2 = sp1 == std::string::npos ? sp1 : first.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos ||
      first.find(' ', sp2 + 1) != std::string::npos)
    return Fail(400, "malformed request line");
  std::string method = first.substr(0, sp1);
  std::string uri = first.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string version = first.substr(sp2 + 1);
  if (!IsToken(method) || uri.empty())
    return Fail(400, "malformed request line");
  if (!version.starts_with("ICAP/")) return Fail(400, "not an ICAP request");
  if (version != "ICAP/1.0") return Fail(505, "ICAP version not supported");
  if (method == "OPTIONS") {
    request_.method = Method::kOptions;
  } else if (method == "REQMOD") {
    request_.method = Method::kReqmod;
  } else if (method == "RESPMOD") {
    request_.method = Method::kRespmod;
  } else {
    return Fail(501, "method not implemented");
  }
  request_.uri = uri;
  std::string_view path = uri;
  if (path.starts_with("icap://") || path.starts_with("ICAP://")) {
    path.remove_prefix(7);
    size_t slash = path.find('/');
    path = slash == std::string_view::npos ? std::string_view("/")
                                           : path.substr(slash);
  } else if (!path.starts_with("/")) {
    return Fail(400, "malformed ICAP URI");
  }
  request_.service = std::string(path.substr(0, path.find('?')));
  request_.fields = std::move(fields);
  if (!request_.fields.Find("Host"))
    return Fail(400, "no Host field");  // RFC 3507 4.3.2: required
  // The fields that frame the request, once each: two would leave which
  // one counts to whoever reads them.
  for (std::string_view name : {"Encapsulated", "Preview"}) {
    size_t count = 0;
    for (const Field& f : request_.fields.list)
      if (IEquals(f.name, name)) ++count;
    if (count > 1) return Fail(400, "a framing field sent twice");
  }
  auto enc = request_.fields.Find("Encapsulated");
  if (enc) {
    auto e = ParseEncapsulated(*enc);
    if (!e) return Fail(400, "malformed Encapsulated field");
    request_.encapsulated = *e;
  } else if (request_.method != Method::kOptions) {
    return Fail(400, "no Encapsulated field");
  } else {
    request_.encapsulated.null_body = 0;
  }
  const Encapsulated& e = request_.encapsulated;
  if (request_.method == Method::kReqmod &&
      (e.res_hdr >= 0 || e.res_body >= 0 || e.opt_body >= 0))
    return Fail(400, "REQMOD with response entities");
  // RFC 3507 4.8: a REQMOD carries the request it is about; without it
  // there is no destination to decide on.
  if (request_.method == Method::kReqmod && e.req_hdr < 0)
    return Fail(400, "REQMOD without a request head");
  if (request_.method == Method::kRespmod &&
      (e.req_body >= 0 || e.opt_body >= 0))
    return Fail(400, "RESPMOD with a request body");
  if (request_.method == Method::kOptions &&
      (e.req_hdr >= 0 || e.res_hdr >= 0 || e.req_body >= 0 || e.res_body >= 0))
    return Fail(400, "OPTIONS with HTTP entities");
  if (e.opt_body >= 0) return Fail(400, "an OPTIONS body is not accepted");
  if (auto p = request_.fields.Find("Preview")) {
    auto n = ParseDecimal(Trim(*p), 1ull << 31);
    if (!n) return Fail(400, "malformed Preview field");
    request_.preview = *n;
  }
  if (auto allow = request_.fields.Find("Allow")) {
    for (const std::string& a : core::SplitList(*allow, ','))
      if (Trim(a) == "204") request_.allow_204 = true;
  }
  if (static_cast<uint64_t>(e.BodyOffset()) + head.size() >
      limits_.max_head_bytes)
    return Fail(413, "headers too large");
  return {Kind::kNeedMore, {}};
}

Parser::Step Parser::ParseChunkLine(std::string_view line) {
  // chunk-size [ ; ext ]* ; RFC 3507 adds the "ieof" extension.
  size_t semi = line.find(';');
  std::string_view size = Trim(line.substr(0, semi));
  if (size.empty() || size.size() > 15) return Fail(400, "bad chunk size");
  uint64_t n = 0;
  for (char c : size) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
      d = (c | 0x20) - 'a' + 10;
    } else {
      return Fail(400, "bad chunk size");
    }
    n = n * 16 + static_cast<uint64_t>(d);
  }
  bool ieof = false;
  while (semi != std::string_view::npos) {
    size_t next = line.find(';', semi + 1);
    std::string_view ext = Trim(line.substr(
        semi + 1, next == std::string_view::npos ? next : next - semi - 1));
    std::string_view name = Trim(ext.substr(0, ext.find('=')));
    if (!IsToken(name)) return Fail(400, "bad chunk extension");
    if (name == "ieof") ieof = true;
    semi = next;
  }
  if (in_preview_) {
    // The preview holds at most the bytes its Preview field announced.
    if (n > preview_left_) return Fail(400, "preview longer than announced");
    preview_left_ -= n;
  }
  if (n > 0) {
    chunk_left_ = n;
    state_ = State::kChunkData;
    return {Kind::kNeedMore, {}};
  }
  ieof_ = ieof;
  zero_is_preview_end_ = in_preview_ && !ieof;
  state_ = State::kTrailer;
  trailer_bytes_ = 0;
  return {Kind::kNeedMore, {}};
}

Parser::Step Parser::Next() {
  for (;;) {
    std::string_view avail(buf_.data() + pos_, buf_.size() - pos_);
    switch (state_) {
      case State::kError:
        return {Kind::kError, {}};
      case State::kDone:
        if (pending_end_) {  // a request without a body
          pending_end_ = false;
          return {Kind::kEnd, {}};
        }
        state_ = State::kIcapHead;
        continue;
      case State::kAfterPreview:
        // Waiting for the door: Continue() or Finish().
        return {Kind::kNeedMore, {}};
      case State::kIcapHead: {
        // Stray CRLFs between requests are tolerated.
        while (avail.starts_with("\r\n")) {
          pos_ += 2;
          avail.remove_prefix(2);
        }
        size_t end = avail.find("\r\n\r\n");
        if (end == std::string_view::npos) {
          if (avail.size() > limits_.max_head_bytes)
            return Fail(413, "ICAP head too large");
          return {Kind::kNeedMore, {}};
        }
        if (end + 4 > limits_.max_head_bytes)
          return Fail(413, "ICAP head too large");
        Step s = ParseIcapHead(avail.substr(0, end + 4));
        if (s.kind == Kind::kError) return s;
        pos_ += end + 4;
        state_ = State::kHttpHeads;
        continue;
      }
      case State::kHttpHeads: {
        const Encapsulated& e = request_.encapsulated;
        size_t need = static_cast<size_t>(e.BodyOffset());
        if (avail.size() < need) return {Kind::kNeedMore, {}};
        std::string_view heads = avail.substr(0, need);
        auto block = [&](int64_t from) {
          int64_t to = static_cast<int64_t>(need);
          for (int64_t o : {e.req_hdr, e.res_hdr})
            if (o > from && o < to) to = o;
          return heads.substr(static_cast<size_t>(from),
                              static_cast<size_t>(to - from));
        };
        if (e.req_hdr >= 0) request_.req_hdr = std::string(block(e.req_hdr));
        if (e.res_hdr >= 0) request_.res_hdr = std::string(block(e.res_hdr));
        for (const std::string* h : {&request_.req_hdr, &request_.res_hdr}) {
          if (h->empty()) continue;
          if (!h->ends_with("\r\n\r\n"))
            return Fail(400, "encapsulated header does not end its block");
          if (!ParseHttpHead(*h)) return Fail(400, "malformed HTTP head");
        }
        pos_ += need;
        if (e.HasBody()) {
          in_preview_ = request_.preview.has_value();
          preview_left_ = request_.preview.value_or(0);
          state_ = State::kChunkSize;
        } else {
          state_ = State::kDone;
          ieof_ = true;
          // The head, then the end, on the next call.
          pending_end_ = true;
        }
        return {Kind::kHead, {}};
      }
      case State::kChunkSize: {
        size_t eol = avail.find("\r\n");
        if (eol == std::string_view::npos) {
          if (avail.size() > limits_.max_chunk_line)
            return Fail(400, "chunk-size line too long");
          return {Kind::kNeedMore, {}};
        }
        if (eol > limits_.max_chunk_line)
          return Fail(400, "chunk-size line too long");
        Step s = ParseChunkLine(avail.substr(0, eol));
        if (s.kind == Kind::kError) return s;
        pos_ += eol + 2;
        continue;
      }
      case State::kChunkData: {
        if (avail.empty()) return {Kind::kNeedMore, {}};
        size_t n =
            static_cast<size_t>(std::min<uint64_t>(chunk_left_, avail.size()));
        pos_ += n;
        chunk_left_ -= n;
        if (chunk_left_ == 0) state_ = State::kChunkDataEnd;
        return {Kind::kData, avail.substr(0, n)};
      }
      case State::kChunkDataEnd: {
        if (avail.size() < 2) return {Kind::kNeedMore, {}};
        if (!avail.starts_with("\r\n"))
          return Fail(400, "chunk data not followed by CRLF");
        pos_ += 2;
        state_ = State::kChunkSize;
        continue;
      }
      case State::kTrailer: {
        // Trailer fields, if any, then an empty line.
        size_t eol = avail.find("\r\n");
        if (eol == std::string_view::npos) {
          if (trailer_bytes_ + avail.size() > limits_.max_head_bytes)
            return Fail(413, "trailer too large");
          return {Kind::kNeedMore, {}};
        }
        trailer_bytes_ += eol + 2;
        if (trailer_bytes_ > limits_.max_head_bytes)
          return Fail(413, "trailer too large");
        pos_ += eol + 2;
        if (eol != 0) continue;
        if (zero_is_preview_end_) {
          state_ = State::kAfterPreview;
          return {Kind::kPreviewEnd, {}};
        }
        state_ = State::kDone;
        return {Kind::kEnd, {}};
      }
    }
  }
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "ICAP Service Not Found";
    case 405:
      return "Method Not Allowed For Service";
    case 408:
      return "Request Timeout";
    case 413:
      return "Request Entity Too Large";
    case 500:
      return "Server Error";
    case 501:
      return "Method Not Implemented";
    case 503:
      return "Service Overloaded";
    case 505:
      return "ICAP Version Not Supported";
    default:
      return "Error";
  }
}

std::string StatusHead(int status, const Fields& fields) {
  std::string out = "ICAP/1.0 " + std::to_string(status) + " ";
  out += ReasonPhrase(status);
  out += "\r\n";
  for (const auto& f : fields.list) out += f.name + ": " + f.value + "\r\n";
  out += "\r\n";
  return out;
}

std::string Chunk(std::string_view data) {
  if (data.empty()) return {};
  char size[24];
  int n = snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(data.size() + static_cast<size_t>(n) + 2);
  out.append(size, static_cast<size_t>(n));
  out.append(data);
  out.append("\r\n");
  return out;
}

}  // namespace steward::icap
