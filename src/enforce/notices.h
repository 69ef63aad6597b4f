// Mail to the sender, composed here for every door (the enforcement layer
// decides when: enforce/enforce.h): a caution on a warning (E.1) and word
// that a message is held. Plain English, the clause, what to do instead;
// never the values found. Sent in the background through the one outbound
// mail helper (core/outbound_mail.h, which runs sendmail), so a slow MTA
// never delays a verdict; at most 1,000 wait, more are dropped and logged
// (core/log.h: notice-dropped; a send that fails: notice-failed).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

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
  // The sending thread blocks every signal (they belong to the program's
  // own waiting thread).
  explicit Notifier(std::string sendmail);
  ~Notifier();  // sends what is queued, then stops

  void Caution(const policy::PolicyPack& pack, const decide::Envelope& env,
               const decide::Verdict& v);
  void Held(const policy::PolicyPack& pack, const decide::Envelope& env,
            const decide::Verdict& v, int64_t quarantine_id);

 private:
  void Enqueue(core::OutboundMessage message);
  void Loop();
  std::string sendmail_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<core::OutboundMessage> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace steward::enforce
