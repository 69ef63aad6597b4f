// Dated events long past (G.4: pages kept timely): a sentence of a page that
// announces an event, by one of the District's words for it ("join us",
// "will be held", "register by"...), with a date whose year is written, more
// than a number of days before today. Dates as school sites write them:
// "September 5, 2024", "Sept. 5th, 2024", "Thursday, 5 September 2024",
// "9/5/2024" (month first), "2024-09-05". A date without its year is not
// judged (which year it means is a guess); nor is a sentence that only
// reports what happened ("the board adopted on March 3, 2021"). Pure
// functions: thread-safe, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace steward::publish {

struct PastEvent {
  std::string sentence;  // the announcing sentence, at most 200 bytes
  std::string date;      // the date as written
  int64_t when = 0;      // that day, midnight UTC, seconds since the epoch
};

// The announcements in `text` (one block a line, as a Page's text) of
// events more than `days` before `now` (seconds since the epoch), in the
// order they appear. `words` are lowercase; a sentence announces when it
// contains one of them.
std::vector<PastEvent> FindPastEvents(std::string_view text,
                                      const std::vector<std::string>& words,
                                      int64_t now, uint32_t days);

}  // namespace steward::publish
