// Mail to the sender from a door: a caution on a warning (E.1) and word
// that a message is held. Plain English, the clause, what to do instead;
// never the values found. Sent in the background through sendmail, so a
// slow MTA never delays a verdict; at most 1,000 wait, more are dropped
// and logged.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "decide/verdict.h"

namespace steward::enforce {

// The text of a notice (headers and body), for tests and the Notifier.
std::string CautionText(const policy::PolicyPack& pack,
                        const decide::Envelope& env, const decide::Verdict& v);
std::string HeldText(const policy::PolicyPack& pack,
                     const decide::Envelope& env, const decide::Verdict& v,
                     int64_t quarantine_id);

class Notifier {
 public:
  // The sending thread blocks every signal (they belong to the program's
  // own waiting thread).
  explicit Notifier(std::string sendmail);
  ~Notifier();  // sends what is queued, then stops

  void Caution(const policy::PolicyPack& pack, const decide::Envelope& env,
               const decide::Verdict& v);
  void Held(const policy::PolicyPack& pack, const decide::Envelope& env,
            const decide::Verdict& v, int64_t quarantine_id);

 private:
  void Enqueue(std::string message, std::string from);
  void Loop();
  std::string sendmail_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::string>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace steward::enforce
