#include "channels/http/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/listen.h"
#include "core/log.h"
#include "core/text.h"

namespace steward::http {

namespace {

using Clock = std::chrono::steady_clock;

std::string AddressOf(const struct sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa == nullptr) return "";
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf,
              sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf, sizeof buf);
    } else {
      inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    }
  }
  return buf;
}

// An address or CIDR block, as bytes and a prefix length.
struct Block {
  int family = 0;
  unsigned char bytes[16] = {};
  int prefix = 0;
};

std::optional<Block> ParseBlock(const std::string& text) {
  Block b;
  std::string addr = text;
  int prefix = -1;
  auto slash = text.find('/');
  if (slash != std::string::npos) {
    addr = text.substr(0, slash);
    const char* first = text.data() + slash + 1;
    const char* last = text.data() + text.size();
    auto [p, ec] = std::from_chars(first, last, prefix);
    if (ec != std::errc() || p != last) return std::nullopt;
  }
  if (inet_pton(AF_INET, addr.c_str(), b.bytes) == 1) {
    b.family = AF_INET;
    b.prefix = prefix < 0 ? 32 : prefix;
    if (b.prefix > 32) return std::nullopt;
  } else if (inet_pton(AF_INET6, addr.c_str(), b.bytes) == 1) {
    b.family = AF_INET6;
    b.prefix = prefix < 0 ? 128 : prefix;
    if (b.prefix > 128) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return b;
}

bool InBlock(const Block& addr, const Block& block) {
  if (addr.family != block.family) return false;
  int full = block.prefix / 8;
  if (std::memcmp(addr.bytes, block.bytes, full) != 0) return false;
  int rest = block.prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (addr.bytes[full] & mask) == (block.bytes[full] & mask);
}

bool Trusted(const std::string& address, const std::vector<Block>& trusted) {
  auto a = ParseBlock(address);
  if (!a) return false;
  return std::any_of(trusted.begin(), trusted.end(),
                     [&](const Block& b) { return InBlock(*a, b); });
}

std::vector<Block> ParseBlocks(const std::vector<std::string>& texts) {
  std::vector<Block> out;
  for (const auto& t : texts) {
    if (auto b = ParseBlock(t)) out.push_back(*b);
  }
  return out;
}

std::string ClientOf(const std::string& peer, const std::string& forwarded,
                     const std::vector<Block>& trusted) {
  if (forwarded.empty() || !Trusted(peer, trusted)) return peer;
  // The hops, left to right; empty ones (",,", a leading comma) skipped.
  std::vector<std::string> hops;
  size_t at = 0;
  while (at <= forwarded.size()) {
    size_t comma = forwarded.find(',', at);
    if (comma == std::string::npos) comma = forwarded.size();
    std::string hop = forwarded.substr(at, comma - at);
    hop.erase(0, hop.find_first_not_of(" \t"));
    hop.erase(hop.find_last_not_of(" \t") + 1);
    if (!hop.empty()) hops.push_back(hop);
    at = comma + 1;
  }
  // Right to left: the nearest hop a trusted proxy saw that is not itself a
  // trusted proxy. Anything left of it was written by the client.
  std::string client = peer;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!ParseBlock(*it)) return client;  // garbage: stop at what we know
    client = *it;
    if (!Trusted(*it, trusted)) return client;
  }
  return client;
}

// Connections are counted per client: an IPv4 address, or an IPv6 /64 (one
// host or one site usually holds a whole /64).
std::string AddressKey(const std::string& address) {
  unsigned char bytes[16] = {};
  if (address.find(':') == std::string::npos ||
      inet_pton(AF_INET6, address.c_str(), bytes) != 1) {
    return address;
  }
  std::memset(bytes + 8, 0, 8);
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, bytes, buf, sizeof buf);
  return std::string(buf) + "/64";
}

}  // namespace

// ---- Request and Response --------------------------------------------------

std::string Request::Header(const std::string& name) const {
  std::string key = core::AsciiLower(name);
  for (const auto& [k, v] : headers) {
    if (k == key) return v;
  }
  return "";
}

std::string Request::HeaderAll(const std::string& name) const {
  std::string key = core::AsciiLower(name);
  std::string out;
  for (const auto& [k, v] : headers) {
    if (k == key) out += (out.empty() ? "" : ", ") + v;
  }
  return out;
}

bool Request::HasHeader(const std::string& name) const {
  std::string key = core::AsciiLower(name);
  for (const auto& [k, v] : headers) {
    if (k == key) return true;
  }
  return false;
}

bool Request::HasParam(const std::string& name) const {
  return params.count(name) > 0;
}

std::string Request::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

bool Request::HasFile(const std::string& name) const {
  return files.count(name) > 0;
}

const FormFile& Request::File(const std::string& name) const {
  static const FormFile kNone;
  auto it = files.find(name);
  return it == files.end() ? kNone : it->second;
}

bool Response::SetHeader(const std::string& name, const std::string& value) {
  if (core::HasControlChars(name) || core::HasControlChars(value)) return false;
  std::string key = core::AsciiLower(name);
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) {
                                 return core::AsciiLower(h.first) == key;
                               }),
                headers.end());
  headers.emplace_back(name, value);
  return true;
}

bool Response::AddHeader(const std::string& name, const std::string& value) {
  if (core::HasControlChars(name) || core::HasControlChars(value)) return false;
  headers.emplace_back(name, value);
  return true;
}

std::string Response::Header(const std::string& name) const {
  std::string key = core::AsciiLower(name);
  for (const auto& [k, v] : headers) {
    if (core::AsciiLower(k) == key) return v;
  }
  return "";
}

void Response::SetContent(std::string content, const std::string& type) {
  body = std::move(content);
  SetHeader("Content-Type", type);
}

std::string UrlEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::string UrlDecode(const std::string& s, bool plus_is_space) {
  auto hex = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 &&
        hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (ch == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

// ---- The server ------------------------------------------------------------

namespace {

// No route of ours is longer; the patterns never see more.
constexpr size_t kMaxPath = 1024;
// What is read and dropped of a body refused as it arrives (chunked, past
// its route's limit) before the connection is closed unanswered.
constexpr size_t kMaxDrained = size_t{64} << 20;

struct Route {
  std::string method;
  std::regex pattern;
  std::string pattern_text;
  RouteLimits limits;
  Handler handler;
  Admit admit;
  bool inline_handler = false;
  std::shared_ptr<std::atomic<unsigned>> in_flight =
      std::make_shared<std::atomic<unsigned>>(0);
};

// One TCP connection, as the deadline keeper sees it.
struct Connection {
  int fd = -1;
  std::string peer;
  Clock::time_point deadline;
  bool working = false;  // a handler has the request: no deadline
  bool shut = false;
};

// One request, from its head to its answer.
struct Exchange {
  struct MHD_Connection* connection = nullptr;
  Connection* conn = nullptr;
  const Route* route = nullptr;
  Request request;
  std::optional<Response> response;  // set by the worker, sent on resume
  struct MHD_PostProcessor* form = nullptr;
  size_t received = 0;
  bool bad_form = false;
  bool counted = false;        // holds one of the route's in-flight places
  bool refused = false;        // the body went past the limit: 413 at its end
  bool started = false;        // the head has been read and checked
  bool encoded_slash = false;  // "%2F" in the path as sent, before decoding
  ~Exchange() {
    if (form != nullptr) MHD_destroy_post_processor(form);
  }
};

Response Plain(int status, const std::string& text) {
  Response r;
  r.status = status;
  r.SetContent(text, "text/plain; charset=utf-8");
  r.SetHeader("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

struct Server::Impl {
  Options options;
  std::vector<Block> trusted;
  std::vector<Route> routes;
  struct MHD_Daemon* daemon = nullptr;

  // Connections and their deadlines, and open connections per address.
  mutable std::mutex conn_mu;
  std::unordered_set<Connection*> connections;
  std::unordered_map<std::string, unsigned> per_address;

  // Handler work.
  std::mutex work_mu;
  std::condition_variable work_cv;
  std::deque<Exchange*> queue;
  std::vector<std::thread> workers;
  bool stopping = false;
  // Set first when the server stops: no new connection is taken. (Not
  // MHD_quiesce_daemon: with a thread pool on epoll it races a worker that
  // takes the listening socket out of its set at the connection limit, and
  // libmicrohttpd aborts the process.)
  std::atomic<bool> closing{false};

  std::thread keeper;  // closes connections past their deadline
  std::mutex run_mu;
  std::condition_variable run_cv;
  bool running = false;

  std::function<void(const Request&, Response&, const std::string&)> error_page;
  const uint64_t started_at = static_cast<uint64_t>(std::time(nullptr));
  std::atomic<uint64_t> body_too_large{0}, headers_too_large{0},
      address_limit{0}, timed_out{0}, busy{0}, handler_errors{0};

  // A request refused before its handler, for `reason` (the server's own
  // words). Never a value from the request beyond its method and address.
  // A refusal made before any handler, dressed by Options::refusal_page.
  Response Refusal(const Request& req, int status,
                   const std::string& text) const {
    Response r = Plain(status, text);
    if (options.refusal_page) {
      try {
        options.refusal_page(req, r);
      } catch (...) {
        r = Plain(status, text);
      }
    }
    return r;
  }

  void LogRefused(std::string_view reason, const Request* r) const {
    if (!options.log_errors) return;
    core::Log(core::Event("request-refused", core::Level::kWarning)
                  .Str("reason", reason)
                  .Str("method", r ? r->method : "")
                  .Str("client", r ? r->remote_addr : ""));
  }

  void SetDeadline(Connection* c, unsigned seconds) {
    if (c == nullptr) return;
    std::lock_guard lock(conn_mu);
    c->working = false;
    c->deadline = Clock::now() + std::chrono::seconds(seconds);
  }
  void SetWorking(Connection* c) {
    if (c == nullptr) return;
    std::lock_guard lock(conn_mu);
    c->working = true;
  }

  void KeepDeadlines() {
    std::unique_lock lock(run_mu);
    while (running) {
      run_cv.wait_for(lock, std::chrono::milliseconds(250));
      auto now = Clock::now();
      std::lock_guard conn_lock(conn_mu);
      for (Connection* c : connections) {
        if (c->working || c->shut || now < c->deadline) continue;
        // The I/O thread sees the end of the stream and closes it; the fd
        // is still open here, since a connection leaves this set (under
        // this lock) before libmicrohttpd closes its socket.
        // Counted before the client can see the end of it.
        ++timed_out;
        c->shut = true;
        ::shutdown(c->fd, SHUT_RDWR);
      }
    }
  }

  void Work() {
    while (true) {
      Exchange* x = nullptr;
      {
        std::unique_lock lock(work_mu);
        work_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        x = queue.front();
        queue.pop_front();
      }
      Response res;
      Run(*x->route, x->request, res);
      if (x->counted) x->route->in_flight->fetch_sub(1);
      x->counted = false;
      x->response = std::move(res);
      SetDeadline(x->conn, options.write_seconds);
      MHD_resume_connection(x->connection);
    }
  }

  void Run(const Route& route, const Request& req, Response& res) {
    std::string what;
    try {
      route.handler(req, res);
      return;
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "unknown exception";
    }
    // One reference in the log line and on the page, so IT Services can
    // find what a person saw.
    uint64_t n = ++handler_errors;
    std::string reference = fmt::format("E{:x}-{}", started_at, n);
    if (options.log_errors) {
      core::Log(core::Event("handler-failed", core::Level::kError)
                    .Str("reference", reference)
                    .Str("route", route.method + " " + route.pattern_text)
                    .Str("error", what));
    }
    res = Response();
    res.status = 500;
    if (error_page) {
      error_page(req, res, reference);
    } else {
      res.SetContent(fmt::format("Something went wrong on our side; it has "
                                 "been logged. Try again, and if it happens "
                                 "again tell IT Services reference {}.\n",
                                 reference),
                     "text/plain; charset=utf-8");
    }
  }
};

namespace {

enum MHD_Result Queue(struct MHD_Connection* connection, Response res) {
  auto* body = new std::string(std::move(res.body));
  struct MHD_Response* r =
      MHD_create_response_from_buffer_with_free_callback_cls(
          body->size(), body->data(),
          [](void* cls) { delete static_cast<std::string*>(cls); }, body);
  if (r == nullptr) {
    delete body;
    return MHD_NO;
  }
  for (const auto& [name, value] : res.headers) {
    MHD_add_response_header(r, name.c_str(), value.c_str());
  }
  enum MHD_Result ok =
      MHD_queue_response(connection, static_cast<unsigned>(res.status), r);
  MHD_destroy_response(r);
  return ok;
}

enum MHD_Result CollectHeader(void* cls, enum MHD_ValueKind, const char* key,
                              const char* value) {
  auto* r = static_cast<Request*>(cls);
  r->headers.emplace_back(core::AsciiLower(key ? key : ""), value ? value : "");
  return MHD_YES;
}

enum MHD_Result CollectArgument(void* cls, enum MHD_ValueKind, const char* key,
                                const char* value) {
  auto* r = static_cast<Request*>(cls);
  r->params.emplace(key ? key : "", value ? value : "");
  r->query_names.insert(key ? key : "");
  return MHD_YES;
}

enum MHD_Result CollectForm(void* cls, enum MHD_ValueKind, const char* key,
                            const char* filename, const char* content_type,
                            const char*, const char* data, uint64_t off,
                            size_t size) {
  auto* x = static_cast<Exchange*>(cls);
  std::string name = key ? key : "";
  if (filename != nullptr) {
    if (off == 0 && x->request.files.count(name) > 0) {
      // A second part of one name (or a nested multipart): which one was
      // meant is not ours to guess.
      x->bad_form = true;
      return MHD_YES;
    }
    if (x->bad_form) return MHD_YES;
    FormFile& f = x->request.files[name];
    if (off == 0) {
      f.filename = filename;
      f.content_type = content_type ? content_type : "";
    }
    f.content.append(data, size);
    return MHD_YES;
  }
  auto& params = x->request.params;
  if (off == 0) {
    params.emplace(name, std::string(data, size));
  } else {
    // A later piece of the field just started: the last one of that name.
    auto range = params.equal_range(name);
    if (range.first == range.second) {
      params.emplace(name, std::string(data, size));
    } else {
      std::prev(range.second)->second.append(data, size);
    }
  }
  return MHD_YES;
}

// A request whose body could be read two ways (RFC 9112 6.1, 6.3): both
// Content-Length and Transfer-Encoding, Content-Length lines that differ, or
// a transfer coding other than chunked alone. A proxy in front may frame it
// the other way and smuggle a second request in its body, so it is refused
// and the connection closed; nothing of it reaches a handler.
//
// So is a field whose name is not a token (RFC 9110 5.1), as libmicrohttpd
// keeps them: "Content-Length : 5" (whitespace before the colon, RFC 9112
// 5.1) or a line folded into the name before it. libmicrohttpd frames such a
// request as if the field were absent, where a lenient proxy may trim the
// name and frame by it. Refused too: a name holding a framing field's name
// and more ("transfer-encodingchunked": an empty value with "chunked" folded
// onto the next line, which libmicrohttpd glues to the name).
bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) !=
               std::string_view::npos;
  });
}

std::optional<Response> FramingRefusal(const Request& req) {
  for (const auto& [name, value] : req.headers) {
    bool framing = name.find("content-length") != std::string::npos ||
                   name.find("transfer-encoding") != std::string::npos;
    if (!IsToken(name) ||
        (framing && name != "content-length" && name != "transfer-encoding")) {
      Response r = Plain(400, "A malformed header field name.\n");
      r.SetHeader("Connection", "close");
      return r;
    }
  }
  std::string length;
  bool has_length = false;
  std::string coding;
  bool has_coding = false;
  for (const auto& [name, value] : req.headers) {
    if (name == "content-length") {
      if (has_length && value != length) {
        Response r = Plain(400, "Two different Content-Length fields.\n");
        r.SetHeader("Connection", "close");
        return r;
      }
      length = value;
      has_length = true;
    } else if (name == "transfer-encoding") {
      coding += (has_coding ? ", " : "") + value;
      has_coding = true;
    }
  }
  if (has_coding && has_length) {
    Response r = Plain(400, "Content-Length and Transfer-Encoding together.\n");
    r.SetHeader("Connection", "close");
    return r;
  }
  if (has_coding && core::AsciiLower(coding) != "chunked") {
    Response r = Plain(501, "Only the chunked transfer coding is read.\n");
    r.SetHeader("Connection", "close");
    return r;
  }
  return std::nullopt;
}

bool IsForm(const std::string& content_type) {
  std::string t = core::AsciiLower(content_type);
  return t.rfind("application/x-www-form-urlencoded", 0) == 0 ||
         t.rfind("multipart/form-data", 0) == 0;
}

enum MHD_Result OnRequest(void* cls, struct MHD_Connection* connection,
                          const char* url, const char* method,
                          const char* /*version*/, const char* upload_data,
                          size_t* upload_data_size, void** con_cls) {
  auto* s = static_cast<Server::Impl*>(cls);
  auto* x = static_cast<Exchange*>(*con_cls);
  if (x == nullptr) {
    x = new Exchange();  // (made by OnUri before any request)
    *con_cls = x;
  }
  if (!x->started) {
    // The head has arrived.
    x->started = true;
    x->connection = connection;
    const union MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info != nullptr)
      x->conn = static_cast<Connection*>(info->socket_context);
    Request& req = x->request;
    req.method = method ? method : "";
    req.path = url ? url : "";
    info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    req.peer = info ? AddressOf(info->client_addr) : "";
    MHD_get_connection_values(connection, MHD_HEADER_KIND, CollectHeader, &req);
    // Every X-Forwarded-For line, in order: a proxy appends its own line
    // after the client's.
    req.remote_addr =
        ClientOf(req.peer, req.HeaderAll("X-Forwarded-For"), s->trusted);
    if (req.headers.size() > s->options.max_header_fields) {
      ++s->headers_too_large;
      s->LogRefused("too many header fields", &req);
      Response r = s->Refusal(req, 431, "Too many header fields.\n");
      r.SetHeader("Connection", "close");
      return Queue(connection, std::move(r));
    }
    if (req.path.size() > kMaxPath) {
      // Long before a route's pattern could recurse deep.
      return Queue(connection,
                   s->Refusal(req, 414, "The address is too long.\n"));
    }
    // Before the route: a 404 too must not leave a body the proxy in front
    // framed differently on the connection.
    if (auto refused = FramingRefusal(req)) {
      s->LogRefused("ambiguous body length", &req);
      return Queue(connection, std::move(*refused));
    }
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND,
                              CollectArgument, &req);
    // A slash sent as "%2F" is no separator: routed as one, "/a%2Fb" would
    // reach what a proxy in front, matching paths as sent, takes for another
    // address. No page has one.
    if (x->encoded_slash) {
      return Queue(connection, s->Refusal(req, 404, "Not found.\n"));
    }
    std::set<std::string> allowed;  // the methods the path answers
    for (const auto& route : s->routes) {
      std::smatch m;
      if (!std::regex_match(req.path, m, route.pattern)) continue;
      allowed.insert(route.method);
      if (route.method == "GET") allowed.insert("HEAD");
      if (route.method != req.method &&
          !(route.method == "GET" && req.method == "HEAD")) {
        continue;
      }
      x->route = &route;
      for (const auto& g : m) req.matches.push_back(g.str());
      break;
    }
    if (x->route == nullptr) {
      if (allowed.empty()) {
        return Queue(connection, s->Refusal(req, 404, "Not found.\n"));
      }
      Response r = s->Refusal(req, 405, "Method not allowed.\n");
      r.SetHeader("Allow", core::Join({allowed.begin(), allowed.end()}, ", "));
      return Queue(connection, std::move(r));
    }
    const RouteLimits& limits = x->route->limits;
    std::string length = req.Header("Content-Length");
    if (!length.empty()) {
      uint64_t n = 0;
      auto [p, ec] =
          std::from_chars(length.data(), length.data() + length.size(), n);
      if (ec != std::errc() || p != length.data() + length.size()) {
        Response r = Plain(400, "Bad Content-Length.\n");
        r.SetHeader("Connection", "close");
        return Queue(connection, std::move(r));
      }
      if (n > limits.max_body) {
        ++s->body_too_large;
        s->LogRefused("body too large", &req);
        return Queue(connection,
                     s->Refusal(req, 413,
                                fmt::format("This request may carry at most "
                                            "{} bytes.\n",
                                            limits.max_body)));
      }
    }
    if (x->route->admit) {
      if (auto refused = x->route->admit(req)) {
        return Queue(connection, std::move(*refused));
      }
    }
    if (IsForm(req.Header("Content-Type"))) {
      x->form = MHD_create_post_processor(connection, 16 << 10, CollectForm, x);
      if (x->form == nullptr) x->bad_form = true;
    }
    s->SetDeadline(x->conn, limits.body_seconds);
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    x->received += n;
    if (x->route == nullptr || x->received > x->route->limits.max_body) {
      // A chunked body over the limit. This library takes no answer while
      // a body arrives, so the rest is read and dropped (nothing is kept)
      // and the 413 goes when the body ends: a browser reads no answer
      // before its upload is sent, and would show a broken connection. The
      // route's body deadline still holds, and past kMaxDrained bytes the
      // connection is closed.
      if (!x->refused) {
        ++s->body_too_large;
        s->LogRefused("body too large", &x->request);
        x->refused = true;
      }
      return x->received > kMaxDrained ? MHD_NO : MHD_YES;
    }
    if (x->form != nullptr) {
      if (MHD_post_process(x->form, upload_data, n) != MHD_YES) {
        x->bad_form = true;
      }
    } else if (!x->bad_form) {
      x->request.body.append(upload_data, n);
    }
    return MHD_YES;
  }
  // A body refused as it arrived: the route never runs.
  if (x->refused) {
    Response r =
        s->Refusal(x->request, 413,
                   fmt::format("This request may carry at most {} bytes.\n",
                               x->route ? x->route->limits.max_body : 0));
    r.SetHeader("Connection", "close");
    return Queue(connection, std::move(r));
  }
  // The whole request is here (or the worker has answered and resumed us).
  if (x->response) {
    Response r = std::move(*x->response);
    x->response.reset();
    return Queue(connection, std::move(r));
  }
  if (x->form != nullptr) {
    // The last field of a urlencoded form is only known to have ended now.
    if (MHD_destroy_post_processor(x->form) != MHD_YES) x->bad_form = true;
    x->form = nullptr;
  }
  if (x->bad_form) {
    return Queue(connection, Plain(400, "The form could not be read.\n"));
  }
  for (const auto& [k, v] : x->request.params) {
    if (k.find('\0') != std::string::npos ||
        v.find('\0') != std::string::npos) {
      return Queue(connection, Plain(400, "A form field holds a NUL byte.\n"));
    }
  }
  if (x->route->inline_handler) {
    Response r;
    s->Run(*x->route, x->request, r);
    s->SetDeadline(x->conn, s->options.write_seconds);
    return Queue(connection, std::move(r));
  }
  const Route& route = *x->route;
  if (route.limits.max_in_flight > 0 &&
      route.in_flight->fetch_add(1) >= route.limits.max_in_flight) {
    route.in_flight->fetch_sub(1);
    ++s->busy;
    s->LogRefused("route busy", &x->request);
    Response r = s->Refusal(x->request, 429,
                            "Too many requests of this kind at once; try "
                            "again in a moment.\n");
    r.SetHeader("Retry-After", "2");
    return Queue(connection, std::move(r));
  }
  x->counted = route.limits.max_in_flight > 0;
  {
    std::lock_guard lock(s->work_mu);
    if (s->queue.size() >= s->options.max_queued || s->stopping) {
      if (x->counted) route.in_flight->fetch_sub(1);
      x->counted = false;
      ++s->busy;
      s->LogRefused("busy", &x->request);
      Response r = s->Refusal(x->request, 503,
                              "Too busy right now; try again in a moment.\n");
      r.SetHeader("Retry-After", "5");
      return Queue(connection, std::move(r));
    }
    s->SetWorking(x->conn);
    MHD_suspend_connection(connection);
    s->queue.push_back(x);
  }
  s->work_cv.notify_one();
  return MHD_YES;
}

// Query strings as browsers write them from a GET form: '+' is a space
// (a '+' itself comes as %2B), then %HH sequences. An encoded NUL would
// cut the value short where it is read as a C string (a search for
// "field%00zzz" run as "field"): it becomes DEL, a control character every
// check of text refuses.
size_t UnescapeQuery(void* /*cls*/, struct MHD_Connection* /*c*/, char* s) {
  for (char* p = s; *p; ++p)
    if (*p == '+') *p = ' ';
  const size_t n = MHD_http_unescape(s);
  for (size_t i = 0; i < n; ++i)
    if (s[i] == '\0') s[i] = '\x7f';
  return n;
}

// Each request's address as sent, before it is decoded: the request starts
// here (OnCompleted ends it, even when libmicrohttpd refuses the head).
void* OnUri(void* /*cls*/, const char* uri, struct MHD_Connection* /*c*/) {
  auto* x = new Exchange();
  std::string_view raw = uri ? uri : "";
  raw = raw.substr(0, raw.find('?'));
  for (size_t i = 0; i + 2 < raw.size(); ++i) {
    if (raw[i] == '%' && raw[i + 1] == '2' && (raw[i + 2] | 0x20) == 'f')
      x->encoded_slash = true;
  }
  return x;
}

void OnCompleted(void* cls, struct MHD_Connection* connection, void** con_cls,
                 enum MHD_RequestTerminationCode) {
  auto* s = static_cast<Server::Impl*>(cls);
  auto* x = static_cast<Exchange*>(*con_cls);
  *con_cls = nullptr;
  // Ready for the next request on this connection: its head is due soon.
  const union MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  if (info != nullptr) {
    s->SetDeadline(static_cast<Connection*>(info->socket_context),
                   s->options.head_seconds);
  }
  delete x;
}

void OnConnection(void* cls, struct MHD_Connection* connection,
                  void** socket_context,
                  enum MHD_ConnectionNotificationCode code) {
  auto* s = static_cast<Server::Impl*>(cls);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    auto* c = new Connection();
    const union MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    c->fd = info ? info->connect_fd : -1;
    info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    c->peer = info ? AddressKey(AddressOf(info->client_addr)) : "";
    c->deadline = Clock::now() + std::chrono::seconds(s->options.head_seconds);
    *socket_context = c;
    std::lock_guard lock(s->conn_mu);
    s->connections.insert(c);
    ++s->per_address[c->peer];
    return;
  }
  auto* c = static_cast<Connection*>(*socket_context);
  if (c == nullptr) return;
  *socket_context = nullptr;
  {
    std::lock_guard lock(s->conn_mu);
    s->connections.erase(c);
    auto it = s->per_address.find(c->peer);
    if (it != s->per_address.end() && --it->second == 0) {
      s->per_address.erase(it);
    }
  }
  delete c;
}

enum MHD_Result OnAccept(void* cls, const struct sockaddr* addr, socklen_t) {
  auto* s = static_cast<Server::Impl*>(cls);
  if (s->closing.load()) return MHD_NO;
  std::string peer = AddressOf(addr);
  if (Trusted(peer, s->trusted)) return MHD_YES;
  std::lock_guard lock(s->conn_mu);
  auto it = s->per_address.find(AddressKey(peer));
  if (it != s->per_address.end() && it->second >= s->options.max_per_address) {
    ++s->address_limit;
    return MHD_NO;
  }
  return MHD_YES;
}

}  // namespace

Server::Server(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->trusted = ParseBlocks(impl_->options.trusted_proxies);
}

Server::~Server() { Stop(); }

void Server::Handle(const std::string& method, const std::string& pattern,
                    RouteLimits limits, Handler handler, Admit admit,
                    bool inline_handler) {
  Route r;
  r.method = method;
  r.pattern = std::regex(pattern);
  r.pattern_text = pattern;
  r.limits = limits;
  r.handler = std::move(handler);
  r.admit = std::move(admit);
  r.inline_handler = inline_handler;
  impl_->routes.push_back(std::move(r));
}

void Server::SetErrorPage(
    std::function<void(const Request&, Response&, const std::string&)> page) {
  impl_->error_page = std::move(page);
}

std::string Server::ClientAddress(const std::string& peer,
                                  const std::string& forwarded_for,
                                  const std::vector<std::string>& trusted) {
  return ClientOf(peer, forwarded_for, ParseBlocks(trusted));
}

core::Result<int> Server::Start() {
  Impl& s = *impl_;
  for (const auto& t : s.options.trusted_proxies) {
    if (!ParseBlock(t)) {
      return core::Status::Invalid(fmt::format(
          "trusted proxy '{}' is not an address or address/prefix", t));
    }
  }
  core::RaiseFileLimit();  // one descriptor a connection
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
  struct addrinfo* found = nullptr;
  std::string port = std::to_string(s.options.port);
  if (getaddrinfo(s.options.host.c_str(), port.c_str(), &hints, &found) != 0 ||
      found == nullptr) {
    return core::Status::Io(
        fmt::format("cannot listen on {}: unknown address", s.options.host));
  }
  // Every thread made here (libmicrohttpd's, the workers, the deadline
  // keeper) inherits a mask that blocks all signals: signals belong to the
  // program's own waiting thread, never to a server thread.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  struct Restore {
    sigset_t* old;
    ~Restore() { pthread_sigmask(SIG_SETMASK, old, nullptr); }
  } restore{&old};
  s.closing = false;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                   MHD_ALLOW_SUSPEND_RESUME;
  if (found->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
  s.daemon = MHD_start_daemon(
      flags, static_cast<uint16_t>(s.options.port), OnAccept, &s, OnRequest, &s,
      MHD_OPTION_SOCK_ADDR, found->ai_addr, MHD_OPTION_THREAD_POOL_SIZE,
      std::max(1u, s.options.io_threads), MHD_OPTION_CONNECTION_LIMIT,
      s.options.max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      s.options.max_header_bytes, MHD_OPTION_CONNECTION_TIMEOUT,
      std::max(s.options.write_seconds, 60u), MHD_OPTION_LISTEN_BACKLOG_SIZE,
      1024u, MHD_OPTION_NOTIFY_COMPLETED, OnCompleted, &s,
      MHD_OPTION_NOTIFY_CONNECTION, OnConnection, &s,
      MHD_OPTION_UNESCAPE_CALLBACK, UnescapeQuery, nullptr,
      MHD_OPTION_URI_LOG_CALLBACK, OnUri, nullptr, MHD_OPTION_END);
  freeaddrinfo(found);
  if (s.daemon == nullptr) {
    return core::Status::Io(fmt::format("cannot listen on {}:{} (in use?)",
                                        s.options.host, s.options.port));
  }
  int bound = s.options.port;
  if (const union MHD_DaemonInfo* info =
          MHD_get_daemon_info(s.daemon, MHD_DAEMON_INFO_BIND_PORT)) {
    bound = info->port;
  }
  {
    std::lock_guard lock(s.run_mu);
    s.running = true;
  }
  {
    std::lock_guard lock(s.work_mu);
    s.stopping = false;
  }
  for (unsigned i = 0; i < std::max(1u, s.options.workers); ++i) {
    s.workers.emplace_back([&s] { s.Work(); });
  }
  s.keeper = std::thread([&s] { s.KeepDeadlines(); });
  return bound;
}

void Server::Wait() {
  Impl& s = *impl_;
  std::unique_lock lock(s.run_mu);
  s.run_cv.wait(lock, [&] { return !s.running; });
}

void Server::Stop() {
  Impl& s = *impl_;
  if (s.daemon == nullptr) return;
  s.closing = true;
  {
    std::lock_guard lock(s.work_mu);
    s.stopping = true;
  }
  s.work_cv.notify_all();
  // Workers finish what is queued (each resumes its connection) and leave.
  for (auto& t : s.workers) t.join();
  s.workers.clear();
  {
    std::lock_guard lock(s.run_mu);
    s.running = false;
  }
  s.run_cv.notify_all();
  if (s.keeper.joinable()) s.keeper.join();
  MHD_stop_daemon(s.daemon);
  s.daemon = nullptr;
}

Counters Server::counters() const {
  const Impl& s = *impl_;
  Counters c;
  c.body_too_large = s.body_too_large;
  c.headers_too_large = s.headers_too_large;
  c.address_limit = s.address_limit;
  c.timed_out = s.timed_out;
  c.busy = s.busy;
  c.handler_errors = s.handler_errors;
  {
    std::lock_guard lock(s.conn_mu);
    c.open_connections = s.connections.size();
  }
  return c;
}

}  // namespace steward::http
