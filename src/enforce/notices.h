// Mail to the sender, composed here for every door (the enforcement layer
// decides when: enforce/enforce.h): a caution on a warning (E.1) and word
// that a message is held. Plain English, the clause, what to do instead;
// never the values found. Sent in the background through the one outbound
// mail helper (core/outbound_mail.h, which runs sendmail), so a slow MTA
// never delays a verdict; at most 1,000 wait, more are dropped and logged
// (core/log.h: notice-dropped; a send that fails: notice-failed). One
// person (the signed-in account, or the sender's mailbox however its
// address is written) gets at most kPerPersonPerHour held notices and as
// many cautions an hour: a script or a stolen account that sends hundreds
// of held messages must not bury its owner (or, with a forged sender,
// someone else) in notices; the held messages are in the portal's queue
// all the same.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/outbound_mail.h"
#include "decide/verdict.h"

namespace steward::enforce {

// A notice as a message for core/outbound_mail (which encodes its header
// fields and sends it), for tests and the Notifier.
core::OutboundMessage CautionMessage(const policy::PolicyPack& pack,
                                     const decide::Envelope& env,
                                     const decide::Verdict& v);
core::OutboundMessage HeldMessage(const policy::PolicyPack& pack,
                                  const decide::Envelope& env,
                                  const decide::Verdict& v,
                                  int64_t quarantine_id);

class Notifier {
 public:
  static constexpr int kPerPersonPerHour = 40;
  // The sending thread blocks every signal (they belong to the program's
  // own waiting thread).
  explicit Notifier(std::string sendmail);
  ~Notifier();  // sends what is queued, then stops

  void Caution(const policy::PolicyPack& pack, const decide::Envelope& env,
               const decide::Verdict& v);
  void Held(const policy::PolicyPack& pack, const decide::Envelope& env,
            const decide::Verdict& v, int64_t quarantine_id);

 private:
  // Who a notice is for, as its count knows them: `kind` ('c' caution,
  // 'h' held: each has a count of its own, so cautions never use up the
  // notices that say a message was not delivered), then the signed-in
  // account, or the sender's mailbox as it is delivered to.
  static std::string PersonKey(char kind, const decide::Envelope& env);
  void Enqueue(const std::string& person, core::OutboundMessage message);
  // Counts a notice to `person` against its hour; false when over.
  bool WithinRate(const std::string& person);
  void Loop();
  std::string sendmail_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<core::OutboundMessage> queue_;
  struct Hour {
    std::chrono::steady_clock::time_point start;
    int sent = 0;
  };
  std::unordered_map<std::string, Hour> hours_;  // by PersonKey
  size_t next_sweep_ = 1024;
  static constexpr size_t kPeople = 100000;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace steward::enforce
