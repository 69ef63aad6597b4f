#include "core/log.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>

#include "core/text.h"

namespace steward::core {

void Event::Key(LogName key) {
  fields_ += ",\"";
  fields_ += key.view();
  fields_ += "\":";
}

Event& Event::Str(LogName key, std::string_view value) {
  Key(key);
  fields_ += '"';
  fields_ += JsonEscape(value);
  fields_ += '"';
  return *this;
}

Event& Event::Num(LogName key, double value) {
  Key(key);
  fields_ += std::isfinite(value) ? fmt::format("{}", value) : "null";
  return *this;
}

Event& Event::Bool(LogName key, bool value) {
  Key(key);
  fields_ += value ? "true" : "false";
  return *this;
}

Event& Event::Strs(LogName key, const std::vector<std::string>& values) {
  Key(key);
  fields_ += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) fields_ += ',';
    fields_ += '"';
    fields_ += JsonEscape(values[i]);
    fields_ += '"';
  }
  fields_ += ']';
  return *this;
}

std::string Event::Line(std::string_view time) const {
  std::string now = time.empty() ? NowUtcMillis() : std::string();
  return fmt::format("{{\"time\":\"{}\",\"level\":\"{}\",\"event\":\"{}\"{}}}",
                     time.empty() ? now : JsonEscape(time),
                     NameOf(kLevelNames, level_), name_.view(), fields_);
}

void Logger::Write(const Event& event) {
  std::string line = event.Line();
  line += '\n';
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

Logger& StderrLogger() {
  static Logger* logger = new Logger(stderr);  // never destroyed: threads
                                               // may log while exiting
  return *logger;
}

std::string NowUtcMillis() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                now.time_since_epoch())
                .count();
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}

}  // namespace steward::core
