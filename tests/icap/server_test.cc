// The web door on a loopback socket with the bundled pack: OPTIONS per
// service, the status codes of bad requests, 204 / echo / block on one
// persistent connection, a block page that names the clause and never the
// value (1,002 mixed requests on one connection), JSON for scripts, an
// engine that fails, 503 past
// Max-Connections and 408 for a stalled request; and what attacks from
// outside tried: a slow head, stray CRLFs, a peer that never reads, a
// preview past the download bound, markup in the user.
#include "channels/icap/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "audit/chain.h"
#include "bundled_engine.h"
#include "channels/icap/protocol.h"
#include "channels/icap/upload.h"
#include "store/database.h"
#include "store/migrations.h"
#include "test_util.h"

namespace steward::icap {
namespace {

class IcapServerTest : public steward::testing::TempDirTest {
 protected:
  // With `db`, decisions are carried out with records; without, a dry run.
  void StartServer(Options o = {},
                   std::shared_ptr<const engine::Engine> e = nullptr,
                   std::shared_ptr<store::Database> db = nullptr) {
    o.listen = "127.0.0.1:0";
    o.quiet = true;
    const bool dry_run = db == nullptr;
    server_ = std::make_unique<Server>(
        o,
        std::make_unique<enforce::Enforcer>(
            db, enforce::Options{.blobs_dir = (dir_ / "blobs").string(),
                                 .sendmail = ""}),
        dry_run);
    // The bundled engine lives for the whole process.
    if (!e)
      e = std::shared_ptr<const engine::Engine>(&testing::BundledEngine(),
                                                [](const engine::Engine*) {});
    ASSERT_TRUE(server_->Start(e).ok());
    thread_ = std::thread([this] { server_->Serve(); });
  }
  // An engine on a copy of the bundled pack (in folder `name`) with each
  // edit {file, from, to} made; null, with a failure, when one cannot be.
  struct Edit {
    std::string file, from, to;
  };
  std::shared_ptr<const engine::Engine> EngineWith(
      const std::string& name, const std::vector<Edit>& edits) {
    namespace fs = std::filesystem;
    fs::path pack = dir_ / name;
    fs::copy(testing::PackDir(), pack, fs::copy_options::recursive);
    for (const Edit& e : edits) {
      std::string text = testing::ReadAll((pack / e.file).string());
      const size_t at = text.find(e.from);
      EXPECT_NE(at, std::string::npos) << e.from;
      if (at == std::string::npos) return nullptr;
      text.replace(at, e.from.size(), e.to);
      Write((pack / e.file).lexically_relative(dir_).string(), text);
    }
    auto made = engine::Engine::Create(
        {pack.string(), "", (dir_ / "cache").string(), false});
    EXPECT_TRUE(made.ok()) << made.status().message();
    if (!made.ok()) return nullptr;
    return std::shared_ptr<const engine::Engine>(std::move(*made));
  }
  static constexpr char kSmallBound[] = "max_inspect_bytes = 65536";
  static constexpr char kBound[] = "max_inspect_bytes = 8388608";

  // A SQLite store in the test's folder, migrated; null (with a failure)
  // when it cannot be.
  std::shared_ptr<store::Database> OpenStore() {
    auto opened = store::Database::Open((dir_ / "steward.db").string(), 4);
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    if (!opened.ok()) return nullptr;
    std::shared_ptr<store::Database> db = std::move(opened).value();
    EXPECT_TRUE(store::Migrate(*db).ok());
    return db;
  }
  void StopServer() {
    if (server_) {
      server_->Stop();
      thread_.join();
      server_.reset();
    }
  }
  void TearDown() override {
    StopServer();
    TempDirTest::TearDown();
  }

  int Connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(server_->port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return fd;
  }

  static void Send(int fd, const std::string& s) {
    ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(s.size()));
  }

  // Reads one ICAP response: the head and, when Encapsulated names a body,
  // the chunked body up to its last chunk. "" on close or timeout.
  static std::string Read(int fd, std::string& pending, int ms = 10000) {
    auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    auto fill = [&]() {
      char buf[65536];
      pollfd p{fd, POLLIN, 0};
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              until - std::chrono::steady_clock::now())
              .count());
      if (left <= 0 || poll(&p, 1, left) <= 0) return false;
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      pending.append(buf, static_cast<size_t>(n));
      return true;
    };
    size_t end;
    while ((end = pending.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return "";
    std::string head = pending.substr(0, end + 4);
    size_t total = head.size();
    bool body = head.find("res-body=") != std::string::npos ||
                head.find("req-body=") != std::string::npos;
    if (body && !head.starts_with("ICAP/1.0 100")) {
      for (;;) {
        size_t last = pending.find("\r\n0\r\n\r\n", total - 2);
        if (last != std::string::npos) {
          total = last + 7;
          break;
        }
        if (!fill()) return "";
      }
    }
    std::string out = pending.substr(0, total);
    pending.erase(0, total);
    return out;
  }

  std::string Exchange(const std::string& request) {
    int fd = Connect();
    Send(fd, request);
    std::string pending;
    std::string r = Read(fd, pending);
    close(fd);
    return r;
  }

  std::unique_ptr<Server> server_;
  std::thread thread_;
};

std::string Reqmod(const std::string& body, const std::string& host,
                   const std::string& extra_http = "",
                   const std::string& allow = "Allow: 204\r\n",
                   bool preview_all = true,
                   const std::string& type = "text/plain") {
  std::string http =
      "POST http://" + host + "/upload HTTP/1.1\r\nHost: " + host +
      "\r\nContent-Type: " + type + "\r\n" + extra_http +
      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  std::string icap =
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\n"
      "Host: 127.0.0.1\r\n"
      "X-Client-IP: 192.0.2.7\r\n"
      "X-Authenticated-User: ateacher\r\n" +
      allow +
      (preview_all ? "Preview: " + std::to_string(body.size()) + "\r\n"
                   : std::string()) +
      "Encapsulated: req-hdr=0, req-body=" + std::to_string(http.size()) +
      "\r\n\r\n";
  return icap + http + Chunk(body) +
         (preview_all ? "0; ieof\r\n\r\n" : "0\r\n\r\n");
}

// A large upload to the District's cloud storage as Squid sends one: no
// preview, no Allow: 204, the body in ICAP chunks of 64 KiB.
struct BigUpload {
  std::string request;
  size_t http_size = 0;  // the encapsulated HTTP head's length
};
BigUpload BigReqmod(const std::string& body) {
  std::string http =
      "POST http://drive.example-usd.org/big HTTP/1.1\r\n"
      "Host: drive.example-usd.org\r\nContent-Type: text/plain\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  BigUpload u;
  u.http_size = http.size();
  u.request =
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
      "X-Authenticated-User: ateacher\r\nEncapsulated: req-hdr=0, "
      "req-body=" +
      std::to_string(http.size()) + "\r\n\r\n" + http;
  for (size_t off = 0; off < body.size(); off += 65536)
    u.request += Chunk(body.substr(off, 65536));
  u.request += "0\r\n\r\n";
  return u;
}

// `text` without the incident references (W- and twelve hex digits), whose
// random digits may hold anything.
std::string WithoutReferences(const std::string& text) {
  static const std::regex kReference("W-[0-9a-f]{12}");
  return std::regex_replace(text, kReference, "");
}

// The body of an ICAP 200 that gives the message back: after the ICAP head
// and `http_size` bytes of HTTP head, the chunks joined.
std::string EchoedBody(const std::string& r, size_t http_size) {
  std::string got;
  size_t at = r.find("\r\n\r\n") + 4 + http_size;
  for (;;) {
    size_t eol = r.find("\r\n", at);
    if (eol == std::string::npos) break;
    size_t n = std::stoul(r.substr(at, eol - at), nullptr, 16);
    if (n == 0) break;
    got += r.substr(eol + 2, n);
    at = eol + 2 + n + 2;
  }
  return got;
}

const char kSsnText[] =
    "Maria's Social Security number is 512-44-7832 and her date of birth is "
    "04/12/2011.\nHer IEP meeting is on Thursday.\n";

TEST_F(IcapServerTest, OptionsPerService) {
  StartServer();
  for (std::string svc : {"reqmod", "respmod"}) {
    std::string r = Exchange("OPTIONS icap://127.0.0.1/" + svc +
                             " ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r;
    EXPECT_NE(r.find(svc == "reqmod" ? "\r\nMethods: REQMOD\r\n"
                                     : "\r\nMethods: RESPMOD\r\n"),
              std::string::npos)
        << r;
    EXPECT_NE(r.find("\r\nTransfer-Preview: *\r\n"), std::string::npos);
    EXPECT_NE(r.find("\r\nAllow: 204\r\n"), std::string::npos);
    EXPECT_NE(r.find("\r\nPreview: 4096\r\n"), std::string::npos);
    EXPECT_NE(r.find("\r\nOptions-TTL: "), std::string::npos);
    // Half of --max-connections a service: Squid counts it per service.
    EXPECT_NE(r.find("\r\nMax-Connections: 32\r\n"), std::string::npos);
    EXPECT_EQ(r.find("Transfer-Ignore"), std::string::npos);
    size_t tag = r.find("\r\nISTag: \"");
    ASSERT_NE(tag, std::string::npos);
    size_t eol = r.find("\r\n", tag + 2);
    EXPECT_LE(eol - (tag + 9), 32u) << "ISTag at most 32 bytes, quoted";
  }
}

TEST_F(IcapServerTest, BadRequestsGetTheirStatus) {
  StartServer();
  EXPECT_TRUE(Exchange("OPTIONS icap://127.0.0.1/nothing ICAP/1.0\r\n"
                       "Host: h\r\n\r\n")
                  .starts_with("ICAP/1.0 404 "));
  EXPECT_TRUE(Exchange("RESPMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
                       "Encapsulated: null-body=0\r\n\r\n")
                  .starts_with("ICAP/1.0 405 "));
  EXPECT_TRUE(
      Exchange("PATCH icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n\r\n")
          .starts_with("ICAP/1.0 501 "));
  EXPECT_TRUE(
      Exchange("OPTIONS icap://127.0.0.1/reqmod ICAP/1.1\r\nHost: h\r\n\r\n")
          .starts_with("ICAP/1.0 505 "));
  EXPECT_TRUE(Exchange("OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\n"
                       "Bad Field: x\r\n\r\n")
                  .starts_with("ICAP/1.0 400 "));
  EXPECT_TRUE(
      Exchange("OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n" +
               std::string(70000, 'X'))
          .starts_with("ICAP/1.0 413 "));
}

TEST_F(IcapServerTest, AllowEchoAndBlockOnOnePersistentConnection) {
  StartServer();
  int fd = Connect();
  std::string pending;
  const std::string clean = "name=Ann&note=hello+world!";
  for (int round = 0; round < 334; ++round) {  // 1,002 requests
    // Allow with Allow: 204 -> 204.
    Send(fd, Reqmod(clean, "drive.example-usd.org"));
    std::string r = Read(fd, pending);
    ASSERT_TRUE(r.starts_with("ICAP/1.0 204 ")) << r;
    // Allow without Allow: 204 -> the request back, byte for byte.
    Send(fd, Reqmod(clean, "drive.example-usd.org", "", ""));
    r = Read(fd, pending);
    ASSERT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r;
    std::string http =
        "POST http://drive.example-usd.org/upload HTTP/1.1\r\n"
        "Host: drive.example-usd.org\r\nContent-Type: "
        "text/plain\r\nContent-Length: 26\r\n\r\n";
    EXPECT_NE(r.find("Encapsulated: req-hdr=0, req-body=" +
                     std::to_string(http.size()) + "\r\n"),
              std::string::npos);
    EXPECT_TRUE(r.ends_with("\r\n\r\n" + http + Chunk(clean) + "0\r\n\r\n"))
        << r;
    // An SSN to a cloud host -> a 403 page citing L.3.
    Send(fd, Reqmod(kSsnText, "drive.example-usd.org"));
    r = Read(fd, pending);
    ASSERT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r;
    EXPECT_NE(r.find("HTTP/1.1 403 Forbidden\r\n"), std::string::npos);
    EXPECT_NE(r.find("Cache-Control: no-store\r\n"), std::string::npos);
    EXPECT_NE(r.find("cloud-upload-confidential"), std::string::npos);
    EXPECT_NE(r.find("L.3.a"), std::string::npos);
    EXPECT_EQ(r.find("512-44-7832"), std::string::npos) << "never the value";
    size_t ref = r.find("X-Steward-Reference: ");
    ASSERT_NE(ref, std::string::npos);
    std::string id = r.substr(ref + 21, r.find("\r\n", ref) - ref - 21);
    EXPECT_NE(r.find(id, r.find("HTTP/1.1 403")), std::string::npos)
        << "the page carries the reference";
    // Not even its last digits (the random reference may hold any four).
    EXPECT_EQ(WithoutReferences(r).find("7832"), std::string::npos);
  }
  close(fd);
  std::string m = server_->RenderMetrics();
  EXPECT_NE(m.find("steward_icap_requests_total{outcome=\"block\"} 334"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("steward_icap_requests_total{outcome=\"allow\"} 668"),
            std::string::npos);
  EXPECT_NE(m.find("steward_policy_info{"), std::string::npos);
}

TEST_F(IcapServerTest, ApprovedHostAndJsonPage) {
  StartServer();
  // The student information system is approved (E.6): the same data passes.
  EXPECT_TRUE(Exchange(Reqmod(kSsnText, "sis.example-usd.org"))
                  .starts_with("ICAP/1.0 204 "));
  std::string r = Exchange(
      Reqmod(kSsnText, "www.dropbox.com", "Accept: application/json\r\n"));
  EXPECT_NE(r.find("Content-Type: application/json"), std::string::npos) << r;
  EXPECT_NE(r.find("\"blocked\":true"), std::string::npos);
  EXPECT_NE(r.find("\"user\":\"ateacher\""), std::string::npos)
      << "the user from X-Authenticated-User";
  EXPECT_NE(r.find("\"L.3.a\""), std::string::npos);
}

// A page script's JSON upload is read as its values: an SSN written with
// \u escapes is still found on its way to the cloud; the same to the
// student information system passes.
TEST_F(IcapServerTest, JsonUploadsAreReadAsTheirValues) {
  StartServer();
  const std::string json =
      R"({"records":[{"name":"Maria","ssn":"\u0035\u0031\u0032\u002d44\u002d7832",)"
      R"("dob":"04\/12\/2011"}]})";
  std::string r = Exchange(Reqmod(json, "drive.example-usd.org", "",
                                  "Allow: 204\r\n", true, "application/json"));
  EXPECT_NE(r.find("403 Forbidden"), std::string::npos) << r.substr(0, 400);
  EXPECT_NE(r.find("cloud-upload-confidential"), std::string::npos);
  EXPECT_TRUE(Exchange(Reqmod(json, "sis.example-usd.org", "", "Allow: 204\r\n",
                              true, "application/json"))
                  .starts_with("ICAP/1.0 204 "));
  const std::string clean = R"({"note":"Field trip forms are due Friday."})";
  EXPECT_TRUE(Exchange(Reqmod(clean, "drive.example-usd.org", "",
                              "Allow: 204\r\n", true, "application/json"))
                  .starts_with("ICAP/1.0 204 "));
}

// With a store: a refused upload is one web-block incident, and an upload
// decided on its preview and then whole counts its conduct (C.19) once.
TEST_F(IcapServerTest, WithAStoreEachUploadIsRecordedOnce) {
  std::shared_ptr<store::Database> db = OpenStore();
  ASSERT_TRUE(db);
  StartServer({}, nullptr, db);
  auto count = [&](const std::string& table) {
    auto rows = db->Query("SELECT COUNT(*) FROM " + table);
    return rows.ok() && !rows->empty() ? rows->front().Int(0) : -1;
  };
  std::string r = Exchange(Reqmod(kSsnText, "drive.example-usd.org"));
  ASSERT_NE(r.find("403 Forbidden"), std::string::npos) << r.substr(0, 300);
  EXPECT_EQ(count("incidents"), 1);
  // Profanity in the preview and again in the rest: the preview passes,
  // the whole is decided, and the conduct is counted once.
  const std::string body = "This fucking printer is jammed again.\n" +
                           std::string(6000, 'x') +
                           "\nThat fucking copier too.\n";
  std::string http =
      "POST http://files.example.net/f HTTP/1.1\r\nHost: files.example.net\r\n"
      "Content-Type: text/plain\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  std::string head =
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
      "X-Authenticated-User: ateacher\r\nAllow: 204\r\nPreview: 4096\r\n"
      "Encapsulated: req-hdr=0, req-body=" +
      std::to_string(http.size()) + "\r\n\r\n" + http;
  int fd = Connect();
  std::string pending;
  Send(fd, head + Chunk(body.substr(0, 4096)) + "0\r\n\r\n");
  ASSERT_EQ(Read(fd, pending), "ICAP/1.0 100 Continue\r\n\r\n");
  Send(fd, Chunk(body.substr(4096)) + "0\r\n\r\n");
  r = Read(fd, pending);
  close(fd);
  // Let through (204: the client offered it for a body this small).
  ASSERT_TRUE(r.starts_with("ICAP/1.0 204 ")) << r.substr(0, 300);
  EXPECT_EQ(count("conduct_events"), 1);
  EXPECT_EQ(count("incidents"), 1);
}

// A rule with `confirm` (executable-web-confirm) stops a program at a warn
// page whose "continue" link, followed by the same user through the proxy,
// lets that user's next upload of it to that host through, and is recorded
// in the audit chain; the link does nothing for another user, and a page
// script gets the link in JSON.
TEST_F(IcapServerTest, WarnPageContinueLetsTheSameUserGoOn) {
  std::shared_ptr<store::Database> db = OpenStore();
  ASSERT_TRUE(db);
  StartServer({}, nullptr, db);
  const std::string exe = "MZ" + std::string(300, '\x90');
  const std::string named = "X-File-Name: setup.exe\r\n";
  std::string r = Exchange(Reqmod(exe, "files.example.net", named));
  ASSERT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos)
      << r.substr(0, 400);
  EXPECT_NE(r.find("executable-web-confirm"), std::string::npos);
  EXPECT_NE(r.find("C.13"), std::string::npos);
  static const std::regex kLink(
      "href=\"(http://files\\.example\\.net(/\\.well-known/"
      "steward-continue\\?t=[A-Za-z0-9_.-]+))\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r, m, kLink)) << r;
  const std::string link = m[1];
  auto follow = [&](const std::string& user) {
    std::string http =
        "GET " + link + " HTTP/1.1\r\nHost: files.example.net\r\n\r\n";
    return Exchange(
        "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
        "X-Client-IP: 192.0.2.7\r\nX-Authenticated-User: " +
        user + "\r\nAllow: 204\r\nEncapsulated: req-hdr=0, null-body=" +
        std::to_string(http.size()) + "\r\n\r\n" + http);
  };
  // Another user cannot use it.
  r = follow("someoneelse");
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos) << r;
  EXPECT_NE(r.find("made for someone else"), std::string::npos);
  EXPECT_NE(Exchange(Reqmod(exe, "files.example.net", named))
                .find("HTTP/1.1 403 Forbidden"),
            std::string::npos);
  // The user it was made for: granted, recorded, and the upload passes.
  r = follow("ateacher");
  EXPECT_NE(r.find("HTTP/1.1 200 OK"), std::string::npos) << r;
  EXPECT_NE(r.find("You chose to continue"), std::string::npos);
  auto rows = db->Query(
      "SELECT detail FROM audit_log WHERE action = 'web.warn-continue'");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_NE(rows->front().Text(0).find("executable-web-confirm"),
            std::string::npos);
  EXPECT_TRUE(Exchange(Reqmod(exe, "files.example.net", named))
                  .starts_with("ICAP/1.0 204 "));
  // Only to that host, and a tampered link is refused.
  EXPECT_NE(Exchange(Reqmod(exe, "other.example.net", named))
                .find("HTTP/1.1 403 Forbidden"),
            std::string::npos);
  std::string tampered = link;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  std::string http =
      "GET " + tampered + " HTTP/1.1\r\nHost: files.example.net\r\n\r\n";
  r = Exchange(
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
      "X-Authenticated-User: ateacher\r\nEncapsulated: req-hdr=0, "
      "null-body=" +
      std::to_string(http.size()) + "\r\n\r\n" + http);
  EXPECT_NE(r.find("not one Steward made"), std::string::npos) << r;
  // A page script gets JSON with the link.
  r = Exchange(
      Reqmod(exe, "other.example.net", named + "Accept: application/json\r\n"));
  EXPECT_NE(r.find("\"warning\":true"), std::string::npos) << r;
  EXPECT_NE(r.find("\"continue\":\"http://other.example.net/.well-known/"
                   "steward-continue?t="),
            std::string::npos);
}

// The continue link is the user's choice: a page script of the site (which
// reads the warn page, JSON or HTML, and its link) cannot follow it for
// them, nor can a form's POST; the browser says so (Sec-Fetch-Mode,
// Sec-Fetch-User) where it can. A choice that cannot be recorded (the
// store is down) is not granted while on_failure is reject.
TEST_F(IcapServerTest, ContinueIsTheUsersOwnRecordedChoice) {
  std::shared_ptr<store::Database> db = OpenStore();
  ASSERT_TRUE(db);
  StartServer({}, nullptr, db);
  const std::string exe = "MZ" + std::string(300, '\x90');
  const std::string named = "X-File-Name: setup.exe\r\n";
  std::string r = Exchange(Reqmod(exe, "files.example.net", named));
  static const std::regex kLink(
      "href=\"http://files\\.example\\.net(/\\.well-known/"
      "steward-continue\\?t=[A-Za-z0-9_.-]+)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r, m, kLink)) << r;
  const std::string link = "http://files.example.net" + std::string(m[1]);
  auto follow = [&](const std::string& method, const std::string& fields) {
    std::string http = method + " " + link +
                       " HTTP/1.1\r\nHost: files.example.net\r\n" + fields +
                       "\r\n";
    return Exchange(
        "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
        "X-Authenticated-User: ateacher\r\nAllow: 204\r\n"
        "Encapsulated: req-hdr=0, null-body=" +
        std::to_string(http.size()) + "\r\n\r\n" + http);
  };
  auto granted = [&] {
    return Exchange(Reqmod(exe, "files.example.net", named))
        .starts_with("ICAP/1.0 204 ");
  };
  r = follow("GET", "Sec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\n");
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos) << r;
  r = follow("GET", "Sec-Fetch-Mode: navigate\r\n");  // no user action
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos) << r;
  r = follow("POST", "");
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos) << r;
  EXPECT_FALSE(granted());
  auto count = [&] {
    auto rows = db->Query(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'web.warn-continue'");
    return rows.ok() ? rows->front().Int(0) : -1;
  };
  EXPECT_EQ(count(), 0);
  // The store is down: not granted, and said.
  ASSERT_TRUE(db->Exec("ALTER TABLE audit_log RENAME TO audit_log_away").ok());
  r = follow("GET", "Sec-Fetch-Mode: navigate\r\nSec-Fetch-User: ?1\r\n");
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos) << r;
  EXPECT_FALSE(granted());
  ASSERT_TRUE(db->Exec("ALTER TABLE audit_log_away RENAME TO audit_log").ok());
  // The user's click: granted, recorded once.
  r = follow("GET", "Sec-Fetch-Mode: navigate\r\nSec-Fetch-User: ?1\r\n");
  EXPECT_NE(r.find("HTTP/1.1 200 OK"), std::string::npos) << r;
  EXPECT_EQ(count(), 1);
  EXPECT_TRUE(granted());
}

// An upload's host comes from the client: control bytes, bytes that are
// not UTF-8 and 30 KiB of it (twice: URI and Host) still make one web-block
// incident (never a "not-checked" page that records nothing), with a host of
// printable ASCII and at most 253 bytes (its end kept: hosts are matched by
// their end) in the incident and its audit entry.
TEST_F(IcapServerTest, HostFromTheClientIsBoundedInTheIncident) {
  std::shared_ptr<store::Database> db = OpenStore();
  ASSERT_TRUE(db);
  StartServer({}, nullptr, db);
  const std::string hosts[] = {
      "files.example.net\xff\xfe", "files\x1b[31m.example.net",
      std::string(30000, 'a') + ".drive.example-usd.org"};
  for (const std::string& host : hosts) {
    std::string r = Exchange(Reqmod(kSsnText, host));
    ASSERT_NE(r.find("403 Forbidden"), std::string::npos) << r.substr(0, 300);
    EXPECT_EQ(r.find("not-checked"), std::string::npos) << r.substr(0, 300);
  }
  auto rows = db->Query("SELECT detail FROM incidents ORDER BY id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  std::vector<std::string> stored;
  for (const auto& row : *rows) {
    auto detail = nlohmann::json::parse(row.Text(0));
    std::string host = detail.value("host", "");
    EXPECT_LE(host.size(), 253u);
    for (unsigned char c : host) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << host;
    EXPECT_LT(row.Text(0).size(), 1024u);
    stored.push_back(host);
  }
  EXPECT_TRUE(stored[2].ends_with(".drive.example-usd.org")) << stored[2];
  auto verified = audit::Verify(*db);
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(verified->broken_seq.has_value()) << verified->reason;
  EXPECT_EQ(verified->entries, 3);
}

// Bodies framed as browsers frame them pass; each looser framing is named.

// A loosely framed upload is stopped (C.11) even when what it says is
// harmless: another parser could read it otherwise than Steward did.
TEST_F(IcapServerTest, LooselyFramedMultipartIsStopped) {
  StartServer();
  const std::string body =
      "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nField trip "
      "forms\r\n--xyz--\r\nContent-Disposition: form-data; name=\"b\"\r\n";
  const std::string type = "multipart/form-data; boundary=xyz";
  std::string r = Exchange(
      Reqmod(body, "files.example.net", "", "Allow: 204\r\n", true, type));
  EXPECT_NE(r.find("403 Forbidden"), std::string::npos) << r.substr(0, 300);
  EXPECT_NE(r.find("malformed-upload-block"), std::string::npos);
  EXPECT_NE(r.find("C.11"), std::string::npos);
  // Its twin, framed as a browser frames it, passes.
  const std::string clean =
      "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nField trip "
      "forms\r\n--xyz--\r\n";
  EXPECT_TRUE(Exchange(Reqmod(clean, "files.example.net", "", "Allow: 204\r\n",
                              true, type))
                  .starts_with("ICAP/1.0 204 "));
}

// A multipart body whose boundary does not match hides nothing: it is read
// as plain text.
TEST_F(IcapServerTest, MalformedMultipartIsReadAsText) {
  StartServer();
  std::string body = std::string(
                         "------wrong\r\nContent-Disposition: "
                         "form-data; name=\"f\"\r\n\r\n") +
                     kSsnText + "\r\n------wrong--\r\n";
  std::string http =
      "POST http://drive.example-usd.org/f HTTP/1.1\r\n"
      "Host: drive.example-usd.org\r\nContent-Type: "
      "multipart/form-data; boundary=right\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  std::string req =
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
      "Allow: 204\r\nPreview: " +
      std::to_string(body.size()) +
      "\r\nEncapsulated: req-hdr=0, req-body=" + std::to_string(http.size()) +
      "\r\n\r\n" + http + Chunk(body) + "0; ieof\r\n\r\n";
  std::string r = Exchange(req);
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos) << r;
}

// A form post is read decoded: an SSN written %2D for '-' is still found.
TEST_F(IcapServerTest, UrlencodedFormIsReadDecoded) {
  StartServer();
  std::string body = "name=Maria&note=SSN+512%2D44%2D7832+born+04%2F12%2F2011";
  std::string http =
      "POST http://drive.example-usd.org/f HTTP/1.1\r\n"
      "Host: drive.example-usd.org\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  std::string req =
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
      "Allow: 204\r\nPreview: " +
      std::to_string(body.size()) +
      "\r\nEncapsulated: req-hdr=0, req-body=" + std::to_string(http.size()) +
      "\r\n\r\n" + http + Chunk(body) + "0; ieof\r\n\r\n";
  std::string r = Exchange(req);
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos) << r;
  EXPECT_EQ(WithoutReferences(r).find("7832"), std::string::npos);
}

// A compressed upload is read decoded: an SSN in a deflate-coded body is
// found on its way to the cloud, and the upload named by Dropbox's API is
// read as the file it names; a body coded in a way Steward does not read
// passes with a warning (not-inspected), never silently.
TEST_F(IcapServerTest, CodedAndApiUploadsAreReadAsTheirFiles) {
  StartServer();
  std::string packed(compressBound(sizeof kSsnText), '\0');
  uLongf n = packed.size();
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &n,
                      reinterpret_cast<const Bytef*>(kSsnText),
                      sizeof kSsnText - 1, 9),
            Z_OK);
  packed.resize(n);
  std::string r = Exchange(Reqmod(packed, "drive.example-usd.org",
                                  "Content-Encoding: deflate\r\n",
                                  "Allow: 204\r\n", true, "text/plain"));
  EXPECT_NE(r.find("403 Forbidden"), std::string::npos) << r.substr(0, 300);
  EXPECT_NE(r.find("L.3.a"), std::string::npos);
  // A student's record sent bare through Dropbox's upload API, named as
  // a text file: read and stopped.
  r = Exchange(Reqmod(kSsnText, "content.dropboxapi.com",
                      "Dropbox-API-Arg: {\"path\":\"/IEP/maria.txt\"}\r\n",
                      "Allow: 204\r\n", true, "application/octet-stream"));
  EXPECT_NE(r.find("403 Forbidden"), std::string::npos) << r.substr(0, 300);
  // A coding Steward does not read: passed, as the pack's rule says
  // (a warning), with the upload untouched.
  r = Exchange(Reqmod("\x1f\x9d\x90 some compress(1) bytes",
                      "files.example.net", "Content-Encoding: compress\r\n"));
  EXPECT_TRUE(r.starts_with("ICAP/1.0 204 ")) << r.substr(0, 300);
}

// An SSN in the preview of a larger upload: the page at once, no 100
// Continue, and the connection goes on to the next request.
TEST_F(IcapServerTest, BlockDecidedOnThePreview) {
  StartServer();
  std::string preview = kSsnText + std::string(4096 - sizeof kSsnText + 1, 'x');
  ASSERT_EQ(preview.size(), 4096u);
  std::string http =
      "POST http://drive.example-usd.org/u HTTP/1.1\r\n"
      "Host: drive.example-usd.org\r\nContent-Type: "
      "text/plain\r\nContent-Length: 100000\r\n\r\n";
  std::string head =
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
      "Preview: 4096\r\nAllow: trailers\r\n"
      "Encapsulated: req-hdr=0, req-body=" +
      std::to_string(http.size()) + "\r\n\r\n";
  int fd = Connect();
  std::string pending;
  Send(fd, head + http + Chunk(preview) + "0\r\n\r\n");
  std::string r = Read(fd, pending);
  ASSERT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r;
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos);
  Send(fd, Reqmod("k=v", "drive.example-usd.org"));
  EXPECT_TRUE(Read(fd, pending).starts_with("ICAP/1.0 204 "));
  close(fd);
}

TEST_F(IcapServerTest, PreviewContinueThenEcho) {
  StartServer();
  std::string body(100000, 'a');
  std::string http =
      "POST http://drive.example-usd.org/u HTTP/1.1\r\n"
      "Host: drive.example-usd.org\r\n\r\n";
  std::string head =
      "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: h\r\n"
      "Preview: 4096\r\nAllow: trailers\r\n"
      "Encapsulated: req-hdr=0, req-body=" +
      std::to_string(http.size()) + "\r\n\r\n";
  int fd = Connect();
  std::string pending;
  Send(fd, head + http + Chunk(body.substr(0, 4096)) + "0\r\n\r\n");
  std::string r = Read(fd, pending);
  ASSERT_EQ(r, "ICAP/1.0 100 Continue\r\n\r\n");
  Send(fd, Chunk(body.substr(4096)) + "0\r\n\r\n");
  r = Read(fd, pending);
  ASSERT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r.substr(0, 200);
  // The body comes back whole (re-chunked).
  EXPECT_EQ(EchoedBody(r, http.size()), body);
  close(fd);
}

TEST_F(IcapServerTest, Overloaded503AndStalled408) {
  Options o;
  o.max_connections = 1;
  o.read_timeout = 1;
  StartServer(o);
  int first = Connect();
  Send(first, "OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\n");  // stalls
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int second = Connect();
  std::string pending;
  EXPECT_TRUE(Read(second, pending).starts_with("ICAP/1.0 503 "));
  close(second);
  pending.clear();
  EXPECT_TRUE(Read(first, pending, 5000).starts_with("ICAP/1.0 408 "));
  close(first);
}

// A head sent a byte at a time is answered 408 once read_timeout has passed
// since its first byte: each byte used to grant a new read_timeout, so a
// few such connections held every slot for ever.
TEST_F(IcapServerTest, HeadSentSlowlyTimesOut) {
  Options o;
  o.read_timeout = 1;
  o.idle_timeout = 60;
  StartServer(o);
  int fd = Connect();
  const std::string head =
      "OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n"
      "X-Slow: " +
      std::string(100, 'a');
  std::string pending;
  std::string r;
  auto start = std::chrono::steady_clock::now();
  for (char c : head) {
    if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
    r = Read(fd, pending, 250);
    if (!r.empty() || !pending.empty()) break;
  }
  if (r.empty()) r = Read(fd, pending, 2000);
  EXPECT_TRUE(r.starts_with("ICAP/1.0 408 ")) << r;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  close(fd);
}

// Stray CRLFs between requests do not keep an idle connection: it closes
// after idle_timeout whatever arrives that is not a request.
TEST_F(IcapServerTest, StrayCrlfsDoNotHoldAnIdleConnection) {
  Options o;
  o.read_timeout = 1;
  o.idle_timeout = 2;
  StartServer(o);
  int fd = Connect();
  bool closed = false;
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(6)) {
    if (send(fd, "\r\n", 2, MSG_NOSIGNAL) != 2) {
      closed = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 300) > 0) {
      char c;
      closed = recv(fd, &c, 1, 0) <= 0;
      break;
    }
  }
  EXPECT_TRUE(closed) << "still open after 6 s with idle_timeout 2";
  close(fd);
}

// A peer that sends and never reads its answers: what waits for the door
// goes to a temporary file, which holds at most max_spill_bytes; past it
// the connection is no longer read (it used to take a gigabyte a second to
// disk until the send timeout). The door serves the next connection.
TEST_F(IcapServerTest, SpillToDiskIsBounded) {
  Options o;
  o.max_spill_bytes = 8 << 20;
  StartServer(o);
  int fd = Connect();
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string http =
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
  Send(fd,
       "RESPMOD icap://127.0.0.1/respmod ICAP/1.0\r\nHost: h\r\n"
       "Allow: 204\r\nEncapsulated: res-hdr=0, res-body=" +
           std::to_string(http.size()) + "\r\n\r\n" + http);
  std::string block;
  for (int i = 0; i < 16; ++i) block += Chunk(std::string(65536, 'a'));
  uint64_t sent = 0, most_spilled = 0;
  const uint64_t kTry = uint64_t{512} << 20;
  while (sent < kTry) {
    ssize_t n = send(fd, block.data(), block.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<uint64_t>(n);
    std::string m = server_->RenderMetrics();
    size_t at = m.find("\nsteward_icap_spill_bytes ");
    ASSERT_NE(at, std::string::npos) << m;
    most_spilled =
        std::max<uint64_t>(most_spilled, std::stoull(m.substr(at + 26)));
  }
  EXPECT_LT(sent, uint64_t{128} << 20) << "the door kept reading";
  EXPECT_LE(most_spilled, uint64_t{8} << 20);
  close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::string r =
      Exchange("OPTIONS icap://127.0.0.1/respmod ICAP/1.0\r\nHost: h\r\n\r\n");
  EXPECT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r;
  std::string m = server_->RenderMetrics();
  EXPECT_NE(m.find("\nsteward_icap_spill_bytes 0\n"), std::string::npos) << m;
}

// Past the inspection bound an upload is read on in overlapping windows
// while it waits on disk: a student's record 12 MiB into a 20 MiB upload,
// across a window's end and an ICAP chunk's, is found and the upload
// blocked (nothing goes back but the page); so is one in the first window
// past the bound and one in the last; the same upload without it comes back
// byte-identical; the disk it used is given back. Each with the windows
// judged by the connection's own thread, by one window thread, and by two
// (the connection reading on while they judge).
TEST_F(IcapServerTest, PastTheBoundTheRestIsReadInWindows) {
  auto e = EngineWith("pack", {{"web.toml", kBound, kSmallBound}});
  ASSERT_TRUE(e);
  // Lines of ordinary text, 20 MiB.
  std::string clean;
  const std::string line = "Minutes of the grade-level meeting, item ";
  while (clean.size() < (size_t{20} << 20))
    clean += line + std::to_string(clean.size() % 97) + ".\n";
  // The record straddles the end of the third window (the first holds the
  // 64 KiB kept and ends at 2 MiB; each next one is 2 MiB and begins 64 KiB
  // before the end of the one before), which is also an ICAP chunk's end.
  const size_t across = 3 * ((size_t{2} << 20) - 65536) + 65536 - 20;
  ASSERT_EQ((across + 20) % 65536, 0u);
  // ICAP chunks of 64 KiB: the record is cut between two of them too.
  auto upload = [&](const std::string& body) {
    const BigUpload u = BigReqmod(body);
    return std::make_pair(Exchange(u.request), u.http_size);
  };
  for (int threads : {-1, 1, 2}) {
    SCOPED_TRACE(threads);
    Options o;
    o.window_threads = threads;
    StartServer(o, e);
    // In the first window past the bound, across two, in the last full
    // window (judged while the rest arrives), in the last.
    for (size_t at :
         {size_t{100} << 10, across, size_t{19} << 20, clean.size() - 1000}) {
      SCOPED_TRACE(at);
      std::string dirty = clean;
      dirty.replace(at, sizeof kSsnText - 1, kSsnText);
      auto [blocked, http_size] = upload(dirty);
      EXPECT_NE(blocked.find("HTTP/1.1 403 Forbidden"), std::string::npos)
          << blocked.substr(0, 300);
      EXPECT_NE(blocked.find("L.3.a"), std::string::npos);
      EXPECT_LT(blocked.size(), size_t{64} << 10);
    }
    auto [passed, size] = upload(clean);
    ASSERT_TRUE(passed.starts_with("ICAP/1.0 200 OK\r\n"))
        << passed.substr(0, 300);
    const std::string echoed = EchoedBody(passed, size);
    EXPECT_EQ(echoed.size(), clean.size());
    EXPECT_TRUE(echoed == clean) << "the echoed body differs from byte "
                                 << std::mismatch(echoed.begin(), echoed.end(),
                                                  clean.begin(), clean.end())
                                            .first -
                                        echoed.begin();
    std::string m = server_->RenderMetrics();
    EXPECT_NE(m.find("\nsteward_icap_spill_bytes 0\n"), std::string::npos);
    EXPECT_NE(m.find("steward_icap_requests_total{outcome=\"block\"} 4\n"),
              std::string::npos)
        << m;
    StopServer();
  }
}

// A window judged on a window thread that blocks still blocks when the
// disk then cannot keep the upload and on_failure is accept (which passes
// the rest unread): its answer is taken before the upload is let through.
// The disk holds the first window past the bound (2 MiB) and a little
// more, so it fills while that window is judged. Only the spool may fill
// it, not bytes waiting to be read (which count against the same budget
// once past 4 MiB): the first bytes go, then a pause while the door
// judges what it kept (slow under the sanitizers), then the rest at a pace
// its reading keeps up with.
TEST_F(IcapServerTest, PastTheBoundABlockedWindowStandsWhenTheDiskFills) {
  auto e = EngineWith("pack", {{"web.toml", kBound, kSmallBound},
                               {"web.toml", "on_failure = \"reject\"",
                                "on_failure = \"accept\""}});
  ASSERT_TRUE(e);
  std::string body;
  while (body.size() < (size_t{4} << 20))
    body += "Minutes of the meeting, item " + std::to_string(body.size() % 89) +
            ".\n";
  body.replace(size_t{1} << 20, sizeof kSsnText - 1, kSsnText);
  Options o;
  o.window_threads = 1;
  o.max_spill_bytes = (size_t{2} << 20) + (size_t{256} << 10);
  StartServer(o, e);
  const std::string req = BigReqmod(body).request;
  int fd = Connect();
  const size_t first = size_t{192} << 10;
  Send(fd, req.substr(0, first));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  for (size_t off = first; off < req.size(); off += size_t{64} << 10) {
    Send(fd, req.substr(off, size_t{64} << 10));
    std::this_thread::sleep_for(std::chrono::milliseconds(4));
  }
  std::string pending;
  std::string r = Read(fd, pending, 30000);
  close(fd);
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos)
      << r.substr(0, 300);
  EXPECT_LT(r.size(), size_t{64} << 10);
}

// With a store, an upload past the bound whose every window holds a
// student's record and profanity is one refusal: one event on the
// web-block incident and its conduct (C.19) counted once, though several
// windows were being judged at once when the first was refused.
TEST_F(IcapServerTest, PastTheBoundABlockIsRecordedOnce) {
  auto e = EngineWith("pack", {{"web.toml", kBound, kSmallBound}});
  ASSERT_TRUE(e);
  std::shared_ptr<store::Database> db = OpenStore();
  ASSERT_TRUE(db);
  auto count = [&](const std::string& table) {
    auto rows = db->Query("SELECT COUNT(*) FROM " + table);
    return rows.ok() && !rows->empty() ? rows->front().Int(0) : -1;
  };
  std::string body;
  while (body.size() < (size_t{12} << 20)) {
    body += "Minutes of the meeting, item " + std::to_string(body.size() % 89) +
            ".\n";
    if (body.size() > (size_t{1} << 20) && body.size() % (size_t{1} << 20) < 40)
      body += std::string(kSsnText) + " This fucking form again.\n";
  }
  Options o;
  o.window_threads = 2;
  StartServer(o, e, db);
  std::string r = Exchange(BigReqmod(body).request);
  EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos)
      << r.substr(0, 300);
  EXPECT_EQ(count("incident_events"), 1);
  EXPECT_EQ(count("conduct_events"), 1);
}

// When the disk cannot keep an upload past the bound (max_spill_bytes
// reached, here at once and after some windows) and on_failure is accept,
// the upload goes on unread, whole: the bytes kept in memory used to be
// dropped when the first write to disk was refused. The disk is given back.
TEST_F(IcapServerTest, PastTheBoundAFullDiskPassesTheUploadWhole) {
  auto e = EngineWith("pack", {{"web.toml", kBound, kSmallBound},
                               {"web.toml", "on_failure = \"reject\"",
                                "on_failure = \"accept\""}});
  ASSERT_TRUE(e);
  std::string clean;
  while (clean.size() < (size_t{3} << 20))
    clean += "Minutes of the meeting, item " +
             std::to_string(clean.size() % 89) + ".\n";
  const BigUpload big = BigReqmod(clean);
  const std::string& req = big.request;
  for (uint64_t max_spill : {uint64_t{16} << 10, uint64_t{1} << 20}) {
    SCOPED_TRACE(max_spill);
    Options o;
    o.max_spill_bytes = max_spill;
    StartServer(o, e);
    std::string r = Exchange(req);
    ASSERT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r.substr(0, 300);
    const std::string echoed = EchoedBody(r, big.http_size);
    EXPECT_EQ(echoed.size(), clean.size());
    EXPECT_TRUE(echoed == clean);
    std::string m = server_->RenderMetrics();
    EXPECT_NE(m.find("\nsteward_icap_spill_bytes 0\n"), std::string::npos);
    StopServer();
  }
}

// A body whose Content-Encoding Steward does not read is inspected as it
// came (most servers ignore a request's coding); past the bound it is read
// on in windows like any other, not let through unread: a record 1 MiB
// into an upload marked "x-unknown" is found.
TEST_F(IcapServerTest, PastTheBoundAnUnreadCodingIsReadAsItCame) {
  auto e = EngineWith("pack", {{"web.toml", kBound, kSmallBound}});
  ASSERT_TRUE(e);
  StartServer({}, e);
  std::string body;
  while (body.size() < (size_t{2} << 20))
    body += "Minutes of the meeting, item " + std::to_string(body.size() % 89) +
            ".\n";
  body.replace(size_t{1} << 20, sizeof kSsnText - 1, kSsnText);
  for (const std::string coding : {"x-unknown", "gzip, compress"}) {
    SCOPED_TRACE(coding);
    std::string r = Exchange(Reqmod(body, "drive.example-usd.org",
                                    "Content-Encoding: " + coding + "\r\n",
                                    "Allow: 204\r\n", /*preview_all=*/false));
    EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos)
        << r.substr(0, 300);
  }
}

// A preview longer than the download bound (32 KiB), as Squid sends with
// --preview above it: the door used to decide at the bound and stream a 200
// from inside the preview, which then never ended (Squid sends the rest only
// after "100 Continue"). The preview is kept whole and continued.
TEST_F(IcapServerTest, PreviewLongerThanTheDownloadBound) {
  Options o;
  o.preview = 40000;
  StartServer(o);
  std::string http =
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
  std::string body(50000, 'a');
  auto head = [&](size_t preview) {
    return "RESPMOD icap://127.0.0.1/respmod ICAP/1.0\r\nHost: h\r\n"
           "Preview: " +
           std::to_string(preview) + "\r\nEncapsulated: res-hdr=0, res-body=" +
           std::to_string(http.size()) + "\r\n\r\n" + http;
  };
  int fd = Connect();
  std::string pending;
  Send(fd, head(40000) + Chunk(body.substr(0, 40000)) + "0\r\n\r\n");
  std::string r = Read(fd, pending, 3000);
  ASSERT_EQ(r, "ICAP/1.0 100 Continue\r\n\r\n") << r.substr(0, 300);
  Send(fd, Chunk(body.substr(40000)) + "0\r\n\r\n");
  r = Read(fd, pending);
  ASSERT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r.substr(0, 300);
  EXPECT_EQ(EchoedBody(r, http.size()), body);
  close(fd);
  // A preview past what any client is offered is refused.
  EXPECT_TRUE(Exchange(head(100000) + Chunk("x") + "0; ieof\r\n\r\n")
                  .starts_with("ICAP/1.0 400 "));
}

// What the proxy says of the user reaches the block page escaped and
// without control bytes, in HTML and in JSON, also when it comes base64
// (Squid's X-Authenticated-User) and decodes to markup, CR, LF, NUL, ESC or
// bytes that are not UTF-8. Held when attacked; kept as a test.
TEST_F(IcapServerTest, UserOnTheBlockPageIsEscaped) {
  auto e = EngineWith("b64", {{"web.toml", "user_header_base64 = false",
                               "user_header_base64 = true"}});
  ASSERT_TRUE(e);
  StartServer({}, e);
  // "<script>x</script>\r\nX-Evil: 1", ESC "[31m", 0xff 0xfe, NUL, "\"end"
  const std::string user =
      "PHNjcmlwdD54PC9zY3JpcHQ+DQpYLUV2aWw6IDEbWzMxbf/+ACJlbmQ=";
  for (bool json : {false, true}) {
    std::string req =
        Reqmod(kSsnText, "drive.example-usd.org",
               json ? "Accept: application/json\r\n" : "", "Allow: 204\r\n");
    size_t u = req.find("X-Authenticated-User: ateacher");
    ASSERT_NE(u, std::string::npos);
    req.replace(u + 22, 8, user);
    std::string r = Exchange(req);
    ASSERT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos) << r;
    std::string page = r.substr(r.find("HTTP/1.1 403"));
    if (!json) {
      EXPECT_EQ(page.find("<script>"), std::string::npos) << page;
    }
    EXPECT_EQ(page.find("X-Evil: 1\r\n"), std::string::npos);
    EXPECT_EQ(page.find('\x1b'), std::string::npos);
    EXPECT_EQ(page.find('\xff'), std::string::npos);
    EXPECT_EQ(page.find(std::string(1, '\0')), std::string::npos);
    EXPECT_NE(page.find(json ? "<script>x</script>X-Evil: 1[31m\\\"end"
                             : "&lt;script&gt;x&lt;/script&gt;X-Evil: "
                               "1[31m&quot;end"),
              std::string::npos)
        << page;
    EXPECT_EQ(r.substr(0, r.find("HTTP/1.1 403")).find("X-Evil"),
              std::string::npos)
        << "nothing of it in the ICAP head";
  }
}

// An engine that cannot decide (clamd named in the pack, nothing there)
// gives the pack's [web] on_failure: the block page or a pass, never an ICAP
// error, which Squid would count against the service.
TEST_F(IcapServerTest, EngineFailureAnswersOnFailure) {
  for (bool accept : {false, true}) {
    std::vector<Edit> edits = {
        {"mail.toml", "clamd = \"\"", "clamd = \"inet:127.0.0.1:1\""}};
    if (accept)
      edits.push_back(
          {"web.toml", "on_failure = \"reject\"", "on_failure = \"accept\""});
    auto e = EngineWith(accept ? "accept" : "reject", edits);
    ASSERT_TRUE(e);
    StartServer({}, e);
    std::string r = Exchange(Reqmod("hello", "drive.example-usd.org"));
    if (accept) {
      EXPECT_TRUE(r.starts_with("ICAP/1.0 204 ")) << r;
    } else {
      EXPECT_TRUE(r.starts_with("ICAP/1.0 200 OK\r\n")) << r;
      EXPECT_NE(r.find("HTTP/1.1 403 Forbidden"), std::string::npos) << r;
      EXPECT_NE(r.find("not-checked"), std::string::npos);
    }
    StopServer();
  }
}

}  // namespace
}  // namespace steward::icap
