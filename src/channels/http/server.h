// An HTTP/1.1 server for Steward's web faces (the portal today), on
// libmicrohttpd's event loop, built to stay up when clients misbehave.
//
// Reading a request never ties up a worker: a few I/O threads parse every
// connection's head and body, and only a complete request is handed to the
// pool of handler threads. What one client can cost is bounded:
//
// - the head: at most `max_header_bytes` (libmicrohttpd's per-connection
//   memory; beyond it 431) and `max_header_fields` fields (431), received
//   within `head_seconds` of the connection opening or of the last answer;
// - the body: each route's `max_body`, checked against Content-Length before
//   anything is read (413, and the client is never asked to continue) and
//   counted as a chunked body arrives (past the limit the rest is read and
//   dropped, and the 413 goes at its end; past 64 MiB the connection is
//   closed), received within the route's `body_seconds`;
// - the path: 1,024 bytes (414); a slash sent encoded ("%2F") is 404;
// - connections: `max_connections` in all and `max_per_address` from one
//   client (an IPv4 address or an IPv6 /64; trusted proxies excepted);
//   beyond, refused at accept;
// - work: `max_queued` complete requests waiting for a handler (beyond,
//   503), and a route's own `max_in_flight` (beyond, 429).
// A form with a NUL byte in a field, or two file parts of one name, is 400.
//
// A route may `Admit` a request on its head alone (a session and role check,
// say), so that a large body is only ever read for someone allowed to send
// it. Handlers are plain functions of a Request and a Response; an exception
// escaping one becomes a logged 500, never a dead thread.
//
// Behind a reverse proxy, `trusted_proxies` names the proxies' addresses (or
// CIDR blocks); for a connection from one of them the client is the
// right-most X-Forwarded-For address (over every line of that field) that is
// not itself a trusted proxy.
//
// Thread-safety: Handle() before Start(); Start(), Wait() and Stop() from any
// one thread; handlers run concurrently on the worker threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace steward::http {

class Request;
class Response;

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;            // 0: any free port
  unsigned io_threads = 2;    // event loops reading and writing sockets
  unsigned workers = 16;      // handler threads
  unsigned max_queued = 512;  // complete requests waiting for a worker
  unsigned max_connections = 2000;
  unsigned max_per_address = 64;     // open connections from one client
  size_t max_header_bytes = 32768;   // request line and header fields
  unsigned max_header_fields = 100;  // header fields in one request
  unsigned head_seconds = 10;    // to send a request's head; also keep-alive
  unsigned write_seconds = 300;  // for the client to take an answer
  std::vector<std::string> trusted_proxies;  // "10.0.0.5", "10.1.0.0/16"
  bool log_errors = true;  // refused and failed requests to stderr
  // Given each answer the server makes itself before any handler runs (no
  // such route 404/405, a body too large 413, an address too long 414, too
  // many header fields 431, too many at once 429/503),
  // a plain-text answer whose text it may dress for the people who read
  // it (an HTML page, JSON for an API), keeping its status and headers.
  // Runs on an I/O thread; must not throw (anything thrown is dropped).
  std::function<void(const Request&, Response&)> refusal_page;
};

// What one route lets a client send.
struct RouteLimits {
  size_t max_body = 16 << 10;
  unsigned body_seconds = 30;
  // Requests of this route with a handler at once (0: no limit of its own);
  // beyond, 429 at once, so one kind of request (anonymous sign-ins) cannot
  // take every worker.
  unsigned max_in_flight = 0;
};

struct FormFile {
  std::string filename;
  std::string content_type;
  std::string content;
};

class Request {
 public:
  std::string method;
  std::string path;                  // decoded, without the query
  std::string peer;                  // the connecting address
  std::string remote_addr;           // the client (see trusted_proxies)
  std::vector<std::string> matches;  // [0] the path, then the route's groups
  std::string body;                  // when not a form

  // The first value of a header field (names compare caseless), or "".
  std::string Header(const std::string& name) const;
  // Every line of a header field, in order, joined with ", ".
  std::string HeaderAll(const std::string& name) const;
  bool HasHeader(const std::string& name) const;
  bool HasParam(const std::string& name) const;
  // A query or form field (the first when repeated), or "".
  std::string Param(const std::string& name) const;
  bool HasFile(const std::string& name) const;
  const FormFile& File(const std::string& name) const;  // HasFile first

  std::vector<std::pair<std::string, std::string>> headers;  // names lower
  std::multimap<std::string, std::string> params;            // query and form
  std::set<std::string> query_names;  // the fields that came in the query
  std::map<std::string, FormFile> files;
};

class Response {
 public:
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // Replaces a field of that name. A value with a control character is
  // refused (false), so nothing a client sent can split a header.
  bool SetHeader(const std::string& name, const std::string& value);
  // Adds a field even when one of that name exists (Set-Cookie).
  bool AddHeader(const std::string& name, const std::string& value);
  std::string Header(const std::string& name) const;
  void SetContent(std::string body, const std::string& type);
};

using Handler = std::function<void(const Request&, Response&)>;
// Looks at a request's head (no body, no form fields yet); an answer refuses
// the request before its body is read. Runs on an I/O thread: keep it quick.
using Admit = std::function<std::optional<Response>(const Request&)>;

// Counters of what the server refused, for /metrics.
struct Counters {
  uint64_t body_too_large = 0;
  uint64_t headers_too_large = 0;
  uint64_t address_limit = 0;   // connections refused for their address
  uint64_t timed_out = 0;       // heads, bodies or answers too slow
  uint64_t busy = 0;            // 503: every worker busy, queue full
  uint64_t handler_errors = 0;  // 500 from an exception
  uint64_t open_connections = 0;
};

class Server {
 public:
  explicit Server(Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // `pattern` is a regular expression matched against the whole path; its
  // groups are Request::matches. `inline_handler` routes (health, metrics,
  // static files) are answered on the I/O thread, never queued, so they
  // answer while every worker is busy; they must be quick.
  void Handle(const std::string& method, const std::string& pattern,
              RouteLimits limits, Handler handler, Admit admit = nullptr,
              bool inline_handler = false);

  // A handler that throws gets a 500 that names a reference (also in the
  // logged line); `page` makes that answer (by default, plain text).
  void SetErrorPage(
      std::function<void(const Request&, Response&, const std::string&)> page);

  // Listens and starts serving; returns the port (the chosen one for 0).
  core::Result<int> Start();
  // Blocks until Stop().
  void Wait();
  // Stops accepting, lets handlers finish, closes every connection.
  void Stop();

  Counters counters() const;

  // The client address for a connection from `peer` with this
  // X-Forwarded-For value, by `trusted` (exposed for tests).
  static std::string ClientAddress(const std::string& peer,
                                   const std::string& forwarded_for,
                                   const std::vector<std::string>& trusted);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Percent-encoding for a query value or a cookie (RFC 3986 unreserved kept).
std::string UrlEncode(const std::string& s);
// Percent-decoding; '+' as a space when `plus_is_space`.
std::string UrlDecode(const std::string& s, bool plus_is_space);

}  // namespace steward::http
