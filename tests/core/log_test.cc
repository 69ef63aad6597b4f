// core/log.h: every door's log lines are one line of valid JSON with the
// same leading fields, whatever the values hold.
#include "core/log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace steward::core {
namespace {

using nlohmann::json;

// What a Logger wrote to a memory stream.
class Captured {
 public:
  Captured() : file_(open_memstream(&buf_, &size_)) {}
  ~Captured() {
    if (file_) std::fclose(file_);
    std::free(buf_);
  }
  std::FILE* file() { return file_; }
  std::string Text() {
    std::fflush(file_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

TEST(Log, LineStartsWithTimeLevelAndEvent) {
  Captured out;
  Logger logger(out.file());
  logger.Write(Event("reload-failed", Level::kError)
                   .Str("error", "mail.toml:3: unknown action")
                   .Int("size", uint64_t{25} << 20)
                   .Int("delta", -3)
                   .Num("ms", 1.25)
                   .Bool("enforce", false)
                   .Strs("clauses", {"C.2", "E.1"}));
  std::string text = out.Text();
  ASSERT_EQ(text.back(), '\n');
  ASSERT_EQ(text.find('\n'), text.size() - 1) << text;
  EXPECT_TRUE(text.starts_with("{\"time\":\"")) << text;
  json j = json::parse(text);
  EXPECT_TRUE(
      std::regex_match(j["time"].get<std::string>(),
                       std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << j["time"];
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["event"], "reload-failed");
  EXPECT_EQ(j["error"], "mail.toml:3: unknown action");
  EXPECT_EQ(j["size"], 26214400);
  EXPECT_EQ(j["delta"], -3);
  EXPECT_EQ(j["ms"], 1.25);
  EXPECT_EQ(j["enforce"], false);
  EXPECT_EQ(j["clauses"], json::array({"C.2", "E.1"}));
}

TEST(Log, HostileValuesStayOnOneLineOfValidJson) {
  // CR LF (a forged second line), ESC (a terminal sequence), NUL, a quote
  // and a backslash, invalid UTF-8 (a lone continuation byte, a truncated
  // sequence, an overlong '/'), a C1 control (U+009B, CSI) and DEL.
  const std::string hostile =
      std::string("a\r\n{\"event\":\"forged\"}\x1b[2J") + std::string(1, '\0') +
      "\"\\ \x80 \xc3 \xc0\xaf "
      "\xc2\x9b \x7f caf\xc3\xa9";
  Captured out;
  Logger logger(out.file());
  logger.Write(Event("verdict").Str("sender", hostile).Strs("rcpt", {hostile}));
  std::string text = out.Text();
  EXPECT_EQ(text.find('\n'), text.size() - 1) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x7f'), std::string::npos);
  EXPECT_EQ(text.find(std::string(1, '\0')), std::string::npos);
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos);
  json j = json::parse(text);  // throws on invalid JSON or UTF-8
  const std::string back = j["sender"].get<std::string>();
  EXPECT_EQ(back, std::string("a\r\n{\"event\":\"forged\"}\x1b[2J") +
                      std::string(1, '\0') +
                      "\"\\ \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
                      "\xc2\x9b \x7f caf\xc3\xa9");
  EXPECT_EQ(j["rcpt"][0], back);
  EXPECT_EQ(j["event"], "verdict");
}

TEST(Log, LinesFromManyThreadsNeverInterleave) {
  Captured out;
  Logger logger(out.file());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&logger, t] {
      const std::string filler(512, static_cast<char>('a' + t));
      for (int i = 0; i < 200; ++i)
        logger.Write(Event("tick").Int("thread", t).Str("filler", filler));
    });
  }
  for (auto& th : threads) th.join();
  std::string text = out.Text();
  size_t lines = 0, start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    json j = json::parse(text.substr(start, nl - start));
    EXPECT_EQ(
        j["filler"].get<std::string>(),
        std::string(512, static_cast<char>('a' + j["thread"].get<int>())));
    ++lines;
  }
  EXPECT_EQ(lines, 8u * 200u);
  EXPECT_EQ(start, text.size());
}

TEST(Log, NumbersThatAreNotFiniteAreNull) {
  json j = json::parse(
      Event("x").Num("ratio", std::numeric_limits<double>::quiet_NaN()).Line());
  EXPECT_TRUE(j["ratio"].is_null());
}

}  // namespace
}  // namespace steward::core
