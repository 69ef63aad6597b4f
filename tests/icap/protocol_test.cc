// The ICAP parser on requests from RFC 3507's examples and on what Squid 5.7
// really sends (absolute URIs, chunked uploads without framing fields,
// previews, `0; ieof`, null bodies), fed whole and a byte at a time.
#include "channels/icap/protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace steward::icap {
namespace {

using Kind = Parser::Kind;

// What a parser made of some input: the steps in order, and the body.
struct Trace {
  std::vector<Kind> steps;  // kData collapsed into one entry per run
  std::string body;
  int error = 0;
  std::vector<Request> heads;
};

// Feeds `input` in pieces of `piece` bytes; at kPreviewEnd, `cont` says
// whether to Continue() or Finish().
Trace Feed(Parser& p, const std::string& input, size_t piece,
           bool cont = true) {
  Trace t;
  size_t at = 0;
  for (;;) {
    Parser::Step s = p.Next();
    if (s.kind == Kind::kNeedMore) {
      if (at >= input.size()) break;
      p.Append(std::string_view(input).substr(at, piece));
      at += piece;
      continue;
    }
    if (s.kind == Kind::kData) {
      t.body.append(s.data);
      if (!t.steps.empty() && t.steps.back() == Kind::kData) continue;
    }
    t.steps.push_back(s.kind);
    if (s.kind == Kind::kHead) t.heads.push_back(p.request());
    if (s.kind == Kind::kPreviewEnd) cont ? p.Continue() : p.Finish();
    if (s.kind == Kind::kError) {
      t.error = p.error().status;
      break;
    }
  }
  return t;
}

Trace RunAll(const std::string& input, size_t piece = 1 << 20,
             bool cont = true) {
  Parser p;
  return Feed(p, input, piece, cont);
}

// An ICAP REQMOD as Squid 5.7 sends a form POST through a proxy.
std::string SquidPost(const std::string& body, const std::string& extra = "",
                      bool ieof = true) {
  std::string http =
      "POST http://drive.example-usd.org/upload HTTP/1.1\r\n"
      "User-Agent: curl/7.88.1\r\n"
      "Accept: */*\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n"
      "Host: drive.example-usd.org\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  std::string head =
      "REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\n"
      "Host: 127.0.0.1:1344\r\n"
      "Date: Thu, 03 Dec 2026 03:00:00 GMT\r\n"
      "Encapsulated: req-hdr=0, req-body=" +
      std::to_string(http.size()) +
      "\r\n"
      "Preview: " +
      std::to_string(body.size()) +
      "\r\n"
      "Allow: 204, trailers\r\n" +
      extra + "X-Client-IP: 127.0.0.1\r\n\r\n";
  char size[16];
  snprintf(size, sizeof size, "%zx", body.size());
  return head + http + size + "\r\n" + body + "\r\n" +
         (ieof ? "0; ieof\r\n\r\n" : "0\r\n\r\n");
}

TEST(IcapParser, SquidFormPostWholeInPreview) {
  const std::string body = "name=Ann&note=hello+world!";  // 26 bytes
  ASSERT_EQ(body.size(), 26u);
  for (size_t piece : {size_t{1}, size_t{7}, size_t{1} << 20}) {
    Trace t = RunAll(SquidPost(body), piece);
    ASSERT_EQ(t.error, 0) << piece;
    ASSERT_EQ(t.steps,
              (std::vector<Kind>{Kind::kHead, Kind::kData, Kind::kEnd}))
        << piece;
    EXPECT_EQ(t.body, body);
    const Request& r = t.heads[0];
    EXPECT_EQ(r.method, Method::kReqmod);
    EXPECT_EQ(r.service, "/reqmod");
    EXPECT_EQ(r.preview, 26u);
    EXPECT_TRUE(r.allow_204);
    EXPECT_EQ(*r.fields.Find("x-client-ip"), "127.0.0.1");
    auto http = ParseHttpHead(r.req_hdr);
    ASSERT_TRUE(http);
    EXPECT_EQ(http->method, "POST");
    EXPECT_EQ(http->target, "http://drive.example-usd.org/upload");
    EXPECT_EQ(HostOf(*http), "drive.example-usd.org");
  }
}

TEST(IcapParser, IeofEndsTheRequestWithoutContinue) {
  Parser p;
  Trace t = Feed(p, SquidPost("abc"), 5);
  EXPECT_EQ(t.steps.back(), Kind::kEnd);
  EXPECT_TRUE(p.ieof());
}

// Squid's large uploads: a 4096-byte preview without ieof, then the rest
// after 100 Continue; chunked uploads arrive with neither Content-Length
// nor Transfer-Encoding in the encapsulated head.
TEST(IcapParser, PreviewThenContinueChunkedUpload) {
  std::string http =
      "POST http://drive.example-usd.org/up HTTP/1.1\r\n"
      "Host: drive.example-usd.org\r\n"
      "Content-Type: application/octet-stream\r\n\r\n";
  std::string preview(4096, 'a'), rest(10000, 'b');
  std::string head =
      "REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\n"
      "Host: 127.0.0.1:1344\r\n"
      "Encapsulated: req-hdr=0, req-body=" +
      std::to_string(http.size()) +
      "\r\nPreview: 4096\r\nAllow: trailers\r\n\r\n";
  std::string first = head + http + "1000\r\n" + preview + "\r\n0\r\n\r\n";
  std::string second = "2710; name=x\r\n" + rest + "\r\n0\r\n\r\n";
  for (size_t piece : {size_t{1}, size_t{1000}, size_t{1} << 20}) {
    Parser p;
    Trace a = Feed(p, first, piece);
    ASSERT_EQ(a.steps,
              (std::vector<Kind>{Kind::kHead, Kind::kData, Kind::kPreviewEnd}));
    EXPECT_FALSE(a.heads[0].allow_204);
    EXPECT_FALSE(a.heads[0].fields.Find("Transfer-Encoding"));
    Trace b = Feed(p, second, piece);
    ASSERT_EQ(b.steps, (std::vector<Kind>{Kind::kData, Kind::kEnd}));
    EXPECT_EQ(a.body + b.body, preview + rest);
    EXPECT_FALSE(p.ieof());
  }
}

TEST(IcapParser, PreviewAnsweredWithoutContinueStartsTheNextRequest) {
  std::string http =
      "POST http://x.example/ HTTP/1.1\r\nHost: x.example\r\n\r\n";
  std::string req =
      "REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
      "Encapsulated: req-hdr=0, req-body=" +
      std::to_string(http.size()) + "\r\nPreview: 2\r\n\r\n" + http +
      "2\r\nab\r\n0\r\n\r\n";
  Trace t = RunAll(req + req, 3, /*cont=*/false);
  EXPECT_EQ(t.steps,
            (std::vector<Kind>{Kind::kHead, Kind::kData, Kind::kPreviewEnd,
                               Kind::kHead, Kind::kData, Kind::kPreviewEnd}));
}

// A GET: req-hdr=0, null-body=N, Preview: 0.
TEST(IcapParser, NullBodyGet) {
  std::string http =
      "GET http://www.example.org/ HTTP/1.1\r\n"
      "Host: www.example.org\r\n\r\n";
  std::string req =
      "REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\n"
      "Host: 127.0.0.1:1344\r\n"
      "Encapsulated: req-hdr=0, null-body=" +
      std::to_string(http.size()) + "\r\nPreview: 0\r\nAllow: 204\r\n\r\n" +
      http;
  Trace t = RunAll(req + req, 11);
  EXPECT_EQ(t.steps, (std::vector<Kind>{Kind::kHead, Kind::kEnd, Kind::kHead,
                                        Kind::kEnd}));
  EXPECT_EQ(t.heads[1].req_hdr, http);
}

// RFC 3507 4.9.2's RESPMOD example: request head, response head, body.
TEST(IcapParser, Rfc3507RespmodExample) {
  std::string req_hdr =
      "GET /origin-resource HTTP/1.1\r\n"
      "Host: www.origin-server.com\r\n"
      "Accept: text/html, text/plain, image/gif\r\n"
      "Accept-Encoding: gzip, compress\r\n\r\n";
  std::string res_hdr =
      "HTTP/1.1 200 OK\r\n"
      "Date: Mon, 10 Jan 2000 09:52:22 GMT\r\n"
      "Server: Apache/1.3.6 (Unix)\r\n"
      "ETag: \"63840-1ab7-378d415b\"\r\n"
      "Content-Type: text/html\r\n"
      "Content-Length: 51\r\n\r\n";
  std::string body = "This is data that was returned by an origin server.";
  std::string req =
      "RESPMOD icap://icap.example.org/satisf ICAP/1.0\r\n"
      "Host: icap.example.org\r\n"
      "Encapsulated: req-hdr=0, res-hdr=" +
      std::to_string(req_hdr.size()) +
      ", res-body=" + std::to_string(req_hdr.size() + res_hdr.size()) +
      "\r\n\r\n" + req_hdr + res_hdr + "33\r\n" + body + "\r\n0\r\n\r\n";
  Trace t = RunAll(req, 13);
  ASSERT_EQ(t.error, 0);
  EXPECT_EQ(t.steps, (std::vector<Kind>{Kind::kHead, Kind::kData, Kind::kEnd}));
  EXPECT_EQ(t.body, body);
  EXPECT_EQ(t.heads[0].method, Method::kRespmod);
  EXPECT_EQ(t.heads[0].service, "/satisf");
  EXPECT_EQ(t.heads[0].req_hdr, req_hdr);
  EXPECT_EQ(t.heads[0].res_hdr, res_hdr);
  auto http = ParseHttpHead(t.heads[0].req_hdr);
  ASSERT_TRUE(http);
  EXPECT_EQ(HostOf(*http), "www.origin-server.com");
}

TEST(IcapParser, OptionsWithoutEncapsulated) {
  Trace t = RunAll(
      "OPTIONS icap://icap.server.net/sample-service ICAP/1.0\r\n"
      "Host: icap.server.net\r\nUser-Agent: "
      "BazookaDotCom-ICAP-Client/1.0\r\n\r\n");
  EXPECT_EQ(t.steps, (std::vector<Kind>{Kind::kHead, Kind::kEnd}));
  EXPECT_EQ(t.heads[0].method, Method::kOptions);
  EXPECT_EQ(t.heads[0].service, "/sample-service");
}

TEST(IcapParser, ChunkExtensionsAndTrailers) {
  std::string http =
      "POST http://x.example/ HTTP/1.1\r\nHost: x.example\r\n\r\n";
  std::string req =
      "REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
      "Encapsulated: req-hdr=0, req-body=" +
      std::to_string(http.size()) + "\r\n\r\n" + http +
      "3;a=b;c\r\nabc\r\n2 ; x=\"y\"\r\nde\r\n0\r\n"
      "X-Trailer: 1\r\n\r\n";
  Trace t = RunAll(req, 1);
  ASSERT_EQ(t.error, 0);
  EXPECT_EQ(t.body, "abcde");
  EXPECT_EQ(t.steps.back(), Kind::kEnd);
}

int ErrorOf(const std::string& input, Limits limits = {}) {
  Parser p(limits);
  return Feed(p, input, 1 << 20).error;
}

TEST(IcapParser, ErrorsAsStatuses) {
  const std::string ok_tail = "Host: h\r\nEncapsulated: null-body=0\r\n\r\n";
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/2.0\r\n" + ok_tail), 505);
  EXPECT_EQ(ErrorOf("FROB icap://h/reqmod ICAP/1.0\r\n" + ok_tail), 501);
  EXPECT_EQ(ErrorOf("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n\r\n"), 400)
      << "no Encapsulated";
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
                    "Encapsulated: req-hdr=5, null-body=0\r\n\r\n"),
            400)
      << "offsets not ascending from 0";
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
                    "Encapsulated: req-hdr=0\r\n\r\n"),
            400)
      << "no body entity";
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
                    " folded\r\nEncapsulated: null-body=0\r\n\r\n"),
            400)
      << "obs-fold";
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nHost : h\r\n"
                    "Encapsulated: null-body=0\r\n\r\n"),
            400)
      << "space before colon";
  // Encapsulated headers that do not end where the offsets say.
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
                    "Encapsulated: req-hdr=0, null-body=10\r\n\r\n"
                    "GET / HTTP"),
            400);
}

TEST(IcapParser, HardLimits) {
  Limits small;
  small.max_head_bytes = 256;
  small.max_fields = 5;
  small.max_chunk_line = 32;
  std::string many = "REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n";
  for (int i = 0; i < 10; ++i) many += "X-A" + std::to_string(i) + ": 1\r\n";
  many += "Encapsulated: null-body=0\r\n\r\n";
  EXPECT_EQ(ErrorOf(many, small), 413);
  // A head that never ends is refused once past the limit.
  EXPECT_EQ(
      ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nX: " + std::string(1000, 'a'),
              small),
      413);
  std::string http = "POST http://x/ HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string head =
      "REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
      "Encapsulated: req-hdr=0, req-body=" +
      std::to_string(http.size()) + "\r\n\r\n" + http;
  EXPECT_EQ(ErrorOf(head + "1;" + std::string(100, 'x'), small), 400);
  EXPECT_EQ(ErrorOf(head + "10000000000000000\r\n"), 400) << "overlong size";
  EXPECT_EQ(ErrorOf(head + "zz\r\n"), 400);
  EXPECT_EQ(ErrorOf(head + "3\r\nabcX\r\n"), 400) << "missing CRLF after data";
  EXPECT_EQ(ErrorOf(head + "3;=\r\nabc\r\n"), 400) << "empty extension name";
  // Encapsulated offsets pointing past the head limit.
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
                    "Encapsulated: req-hdr=0, req-body=100000\r\n\r\n"),
            413);
}

TEST(IcapParser, PersistentConnectionManyRequests) {
  std::string one = SquidPost("k=v");
  std::string all;
  for (int i = 0; i < 1000; ++i) all += one;
  Parser p;
  Trace t = Feed(p, all, 4096);
  ASSERT_EQ(t.error, 0);
  EXPECT_EQ(t.heads.size(), 1000u);
  EXPECT_EQ(std::count(t.steps.begin(), t.steps.end(), Kind::kEnd), 1000);
  EXPECT_FALSE(p.InRequest());
}

TEST(IcapParser, EncapsulatedParsing) {
  auto e = ParseEncapsulated("req-hdr=0, res-hdr=137, res-body=296");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->res_hdr, 137);
  EXPECT_EQ(e->BodyOffset(), 296);
  EXPECT_FALSE(ParseEncapsulated("req-hdr=0, req-hdr=1, null-body=2"));
  EXPECT_FALSE(ParseEncapsulated("req-body=0, req-hdr=5"));
  EXPECT_FALSE(ParseEncapsulated("req-hdr=0, foo=3, null-body=9"));
  EXPECT_FALSE(ParseEncapsulated("req-hdr=0, null-body=-1"));
}

// Two entities at one offset would read the same bytes twice: a RESPMOD
// with "req-hdr=0, res-hdr=0" had its request head taken for the response
// head too. Offsets ascend strictly.
TEST(IcapParser, EncapsulatedOffsetsAscendStrictly) {
  EXPECT_FALSE(ParseEncapsulated("req-hdr=0, res-hdr=0, res-body=45"));
  EXPECT_FALSE(ParseEncapsulated("req-hdr=0, req-body=0"));
  EXPECT_FALSE(ParseEncapsulated("res-hdr=0, res-hdr=0, null-body=9"));
  EXPECT_TRUE(ParseEncapsulated("null-body=0"));
  EXPECT_TRUE(ParseEncapsulated("res-body=0"));
  std::string http = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
  EXPECT_EQ(ErrorOf("RESPMOD icap://h/respmod ICAP/1.0\r\nHost: h\r\n"
                    "Encapsulated: req-hdr=0, res-hdr=0, res-body=" +
                    std::to_string(http.size()) + "\r\n\r\n" + http +
                    "2\r\nhi\r\n0\r\n\r\n"),
            400);
}

// A framing field sent twice is refused, not read as its first copy.
TEST(IcapParser, FramingFieldsOnce) {
  std::string http = "POST http://x/ HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string enc =
      "Encapsulated: req-hdr=0, req-body=" + std::to_string(http.size()) +
      "\r\n";
  const std::string body = http + "2\r\nhi\r\n0; ieof\r\n\r\n";
  const std::string line = "REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n";
  EXPECT_EQ(ErrorOf(line + enc + "Preview: 2\r\n\r\n" + body), 0);
  EXPECT_EQ(ErrorOf(line + enc +
                    "encapsulated: req-hdr=0, null-body=5\r\n"
                    "Preview: 2\r\n\r\n" +
                    body),
            400);
  EXPECT_EQ(ErrorOf(line + enc + "Preview: 2\r\nPreview: 0\r\n\r\n" + body),
            400);
}

// A REQMOD without the request it is about has no destination; the echo
// of one even said "req-hdr=0" with no head.
TEST(IcapParser, ReqmodNeedsTheRequestHead) {
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
                    "Encapsulated: req-body=0\r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
            400);
  EXPECT_EQ(ErrorOf("REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n"
                    "Encapsulated: null-body=0\r\n\r\n"),
            400);
}

// The preview holds at most what its Preview field announced; more was
// taken as preview and, past the inspection bound, left a streamed answer
// without its last chunk when the preview then ended.
TEST(IcapParser, PreviewLongerThanAnnounced) {
  std::string http = "POST http://x/ HTTP/1.1\r\nHost: x\r\n\r\n";
  auto req = [&](int preview, const std::string& chunks) {
    return "REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\nPreview: " +
           std::to_string(preview) + "\r\nEncapsulated: req-hdr=0, req-body=" +
           std::to_string(http.size()) + "\r\n\r\n" + http + chunks;
  };
  EXPECT_EQ(ErrorOf(req(4, "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n")), 0);
  EXPECT_EQ(ErrorOf(req(4, "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n")), 400);
  EXPECT_EQ(ErrorOf(req(0, "1\r\na\r\n0; ieof\r\n\r\n")), 400);
  // After "100 Continue" the rest is not counted.
  Parser p;
  Trace t = Feed(p, req(2, "2\r\nab\r\n0\r\n\r\n") + "5\r\ncdefg\r\n0\r\n\r\n",
                 1 << 20, /*cont=*/true);
  EXPECT_EQ(t.error, 0);
  EXPECT_EQ(t.body, "abcdefg");
}

TEST(IcapParser, HostOfRequests) {
  auto host = [](const std::string& line, const std::string& fields = "") {
    auto h = ParseHttpHead(line + "\r\n" + fields + "\r\n");
    return h ? HostOf(*h) : std::string("(bad)");
  };
  EXPECT_EQ(host("POST http://User@Drive.Example-USD.org:8080/a?b HTTP/1.1"),
            "drive.example-usd.org");
  EXPECT_EQ(host("PUT https://[2001:db8::1]:443/x HTTP/1.1"), "2001:db8::1");
  EXPECT_EQ(host("POST /upload HTTP/1.1", "Host: files.example.com:81\r\n"),
            "files.example.com");
  EXPECT_EQ(host("POST /upload HTTP/1.1"), "");
}

// What the client names is bounded: a byte outside printable ASCII is '?'
// (it matches no list), and past 253 bytes the end is kept.
TEST(IcapParser, HostOfIsBoundedPrintableAscii) {
  auto host = [](const std::string& line, const std::string& fields = "") {
    auto h = ParseHttpHead(line + "\r\n" + fields + "\r\n");
    return h ? HostOf(*h) : std::string("(bad)");
  };
  EXPECT_EQ(host("POST /u HTTP/1.1", "Host: a\x1b\xff.Example.net\r\n"),
            "a??.example.net");
  const std::string longer = host("POST http://" + std::string(5000, 'x') +
                                  ".drive.google.com/ HTTP/1.1");
  EXPECT_EQ(longer.size(), 253u);
  EXPECT_TRUE(longer.ends_with("x.drive.google.com")) << longer;
}

TEST(IcapParser, Writers) {
  Fields f;
  f.list.push_back({"ISTag", "\"x\""});
  EXPECT_EQ(StatusHead(204, f),
            "ICAP/1.0 204 No Content\r\nISTag: \"x\"\r\n\r\n");
  EXPECT_EQ(Chunk("hello world, this!"), "12\r\nhello world, this!\r\n");
  EXPECT_EQ(Chunk(""), "");
}

}  // namespace
}  // namespace steward::icap
