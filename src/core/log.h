// Log lines of every door (milter, portal, HTTP server, `steward serve`):
// one JSON object per event, one line each, on stderr or a given FILE*.
//
// Every line begins with the same three fields, then the event's own:
//
//   {"time":"2026-11-28T22:10:37.123Z","level":"info","event":"verdict",...}
//
// - time: UTC, ISO-8601 with milliseconds;
// - level: info, warning or error;
// - event: what happened, a lower-case word ("verdict", "reload-failed").
//
// Fields are named and typed (a string, an integer, a number, a boolean, a
// list of strings); there is no format string. Names are string literals
// checked when the program is compiled ([a-z0-9_-], at most 32 characters),
// so only values vary at run time, and every string value is escaped
// (core::JsonEscape: control characters, NUL, DEL and C1 as \u escapes,
// invalid UTF-8 as U+FFFD): whatever a value holds, the line stays one line
// of valid JSON. A door logs only what it chooses to name: never a password,
// a token, a message's text or a request's path or query.
//
//   core::Log(core::Event("verdict").Str("queue_id", id).Int("size", n));
//
// Thread-safe: a line is written by one fwrite under the logger's lock and
// flushed, so lines from many threads never interleave.
#pragma once

#include <concepts>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/names.h"

namespace steward::core {

enum class Level { kInfo, kWarning, kError };
inline constexpr Named<Level> kLevelNames[] = {
    {Level::kInfo, "info"},
    {Level::kWarning, "warning"},
    {Level::kError, "error"},
};

// An event's or a field's name: a string literal of [a-z0-9_-], checked at
// compile time (anything else does not compile).
class LogName {
 public:
  template <size_t N>
  consteval LogName(const char (&s)[N]) : name_(s, N - 1) {  // NOLINT
    if (N < 2 || N > 33) throw "a log name has 1 to 32 characters";
    for (char c : name_) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
            c == '-'))
        throw "a log name is lower-case letters, digits, '_' and '-'";
    }
  }
  constexpr std::string_view view() const { return name_; }

 private:
  std::string_view name_;
};

// One event: its name, level and fields, in the order added. The names
// time, level and event are the line's own; do not add them as fields.
class Event {
 public:
  explicit Event(LogName name, Level level = Level::kInfo)
      : name_(name), level_(level) {}

  Event& Str(LogName key, std::string_view value);
  template <std::integral T>
  requires(!std::same_as<T, bool>) Event& Int(LogName key, T value) {
    Key(key);
    fields_ += std::to_string(value);
    return *this;
  }
  // A finite number (shortest form that reads back the same); null when not
  // finite.
  Event& Num(LogName key, double value);
  Event& Bool(LogName key, bool value);
  Event& Strs(LogName key, const std::vector<std::string>& values);

  // The whole line without its newline, stamped with `time`
  // (NowUtcMillis() when empty).
  std::string Line(std::string_view time = {}) const;

 private:
  void Key(LogName key);
  LogName name_;
  Level level_;
  std::string fields_;  // ,"key":value ...
};

// Writes events to one FILE*, a line at a time.
class Logger {
 public:
  explicit Logger(std::FILE* out) : out_(out) {}
  void Write(const Event& event);

 private:
  std::mutex mu_;
  std::FILE* out_;
};

// The process's logger, on stderr.
Logger& StderrLogger();
inline void Log(const Event& event) { StderrLogger().Write(event); }

// Now, as the lines carry it: "2026-11-28T22:10:37.123Z".
std::string NowUtcMillis();

}  // namespace steward::core
