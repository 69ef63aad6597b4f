#include "enforce/notices.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <csignal>

#include "core/log.h"
#include "core/outbound_mail.h"
#include "core/text.h"

namespace steward::enforce {

namespace {

std::string NoticeFrom(const policy::PolicyPack& pack) {
  if (!pack.mail.notice_from.empty()) return pack.mail.notice_from;
  return "postmaster@" + (pack.internal_domains.empty()
                              ? std::string("localhost")
                              : pack.internal_domains.front());
}

// One line of text for a subject or a sentence: valid UTF-8 (bytes that are
// not are read as windows-1252), control characters and the Unicode line and
// paragraph separators as spaces, at most `max` bytes, cut between
// characters. The mail helper encodes what is not ASCII in the header.
std::string OneLine(std::string_view s, size_t max) {
  std::string in = core::IsValidUtf8(s) ? std::string(s) : core::ToUtf8(s);
  std::string out;
  for (size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (i + len > in.size()) break;
    std::string_view ch(in.data() + i, len);
    i += len;
    bool control = c < 0x20 || c == 0x7f ||
                   (c == 0xc2 && static_cast<unsigned char>(ch[1]) < 0xa0) ||
                   ch == "\xe2\x80\xa8" || ch == "\xe2\x80\xa9";
    if (out.size() + (control ? 1 : len) > max) break;
    if (control) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

// What was found, by category title with counts; advice once each.
std::string Found(const policy::PolicyPack& pack, const decide::Verdict& v,
                  std::string* advice) {
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& f : v.findings) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& p) {
      return p.first == f.category;
    });
    if (it == counts.end())
      counts.emplace_back(f.category, 1);
    else
      ++it->second;
  }
  std::string out;
  for (const auto& [id, n] : counts) {
    const policy::Category* c = pack.FindCategory(id);
    out += fmt::format("  - {} ({})\n", c ? c->title : id, n);
    if (c && !c->advice.empty() && advice->find(c->advice) == std::string::npos)
      *advice += "  - " + c->advice + "\n";
  }
  return out;
}

core::OutboundMessage Notice(const policy::PolicyPack& pack,
                             const decide::Envelope& env, std::string subject,
                             std::string body) {
  core::OutboundMessage m;
  m.from = {NoticeFrom(pack), "Steward"};
  m.to = {{env.sender, ""}};
  m.subject = std::move(subject);
  m.extra_headers = {{"Auto-Submitted", "auto-generated"},
                     {"X-Steward-Notice", "yes"}};
  m.body = std::move(body);
  return m;
}

std::string ClauseLine(const policy::PolicyPack& pack,
                       const std::vector<std::string>& clauses) {
  std::string out;
  for (const auto& id : clauses) {
    const policy::Clause* c = pack.FindClause(id);
    out += fmt::format("  {} {}\n", id, c ? c->title : "");
  }
  return out;
}

}  // namespace

core::OutboundMessage CautionMessage(const policy::PolicyPack& pack,
                                     const decide::Envelope& env,
                                     const decide::Verdict& v) {
  std::string advice;
  std::string found = Found(pack, v, &advice);
  return Notice(
      pack, env,
      "Caution about your message \"" + OneLine(v.subject, 80) + "\"",
      fmt::format(
          "Your message \"{}\" to {} was delivered.\n\n{}\n\nWhat was "
          "found (the values are not repeated here):\n{}\nWhat to do:\n{}\n"
          "This rests on the District's regulation on employee use of "
          "technology:\n{}",
          OneLine(v.subject, 200), core::Join(env.recipients, ", "), v.message,
          found, advice, ClauseLine(pack, v.clauses)));
}

core::OutboundMessage HeldMessage(const policy::PolicyPack& pack,
                                  const decide::Envelope& env,
                                  const decide::Verdict& v,
                                  int64_t quarantine_id) {
  std::string advice;
  std::string found = Found(pack, v, &advice);
  return Notice(
      pack, env, "Held: your message \"" + OneLine(v.subject, 80) + "\"",
      fmt::format(
          "Your message \"{}\" to {} has been held and was NOT delivered.\n"
          "\n{}\n\nWhat was found (the values are not repeated here):\n{}\n"
          "What to do:\n{}\nWho can release it: {}. Quote reference "
          "Q-{} if you contact ITS.\n\nThis rests on the District's "
          "regulation on employee use of technology:\n{}",
          OneLine(v.subject, 200), core::Join(env.recipients, ", "), v.message,
          found, advice,
          v.release_role == policy::ReleaseRole::kDesignee
              ? "the Superintendent's designee (Assistant Superintendent)"
              : "ITS",
          quarantine_id, ClauseLine(pack, v.clauses)));
}

Notifier::Notifier(std::string sendmail) : sendmail_(std::move(sendmail)) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  thread_ = std::thread([this] { Loop(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

Notifier::~Notifier() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Notifier::Caution(const policy::PolicyPack& pack,
                       const decide::Envelope& env, const decide::Verdict& v) {
  Enqueue(CautionMessage(pack, env, v));
}

void Notifier::Held(const policy::PolicyPack& pack, const decide::Envelope& env,
                    const decide::Verdict& v, int64_t quarantine_id) {
  Enqueue(HeldMessage(pack, env, v, quarantine_id));
}

bool Notifier::WithinRate(const std::string& address) {
  const auto now = std::chrono::steady_clock::now();
  const auto hour = std::chrono::hours(1);
  if (hours_.size() >= 10000)  // forget the hours that are over
    std::erase_if(hours_,
                  [&](const auto& e) { return now - e.second.start >= hour; });
  std::string key = address;
  for (char& c : key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  Hour& h = hours_[key];
  if (h.sent == 0 || now - h.start >= hour) h = {now, 0};
  if (++h.sent <= kPerPersonPerHour) return true;
  if (h.sent == kPerPersonPerHour + 1)  // once an hour a person
    core::Log(core::Event("notice-dropped", core::Level::kWarning)
                  .Str("reason", "more than " +
                                     std::to_string(kPerPersonPerHour) +
                                     " notices to one person in an hour; "
                                     "the rest of the hour's are not sent"));
  return false;
}

void Notifier::Enqueue(core::OutboundMessage message) {
  {
    std::lock_guard lock(mu_);
    if (!message.to.empty() && !WithinRate(message.to.front().address)) return;
    if (queue_.size() >= 1000) {
      core::Log(core::Event("notice-dropped", core::Level::kWarning)
                    .Str("reason", "1000 notices waiting"));
      return;
    }
    queue_.push_back(std::move(message));
  }
  cv_.notify_one();
}

void Notifier::Loop() {
  for (;;) {
    core::OutboundMessage item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    auto st = core::SendMessage({.program = sendmail_, .seconds = 30}, item);
    if (!st.ok()) {
      // The reason names the program or a refused address, never the
      // notice's text.
      core::Log(core::Event("notice-failed", core::Level::kError)
                    .Str("error", st.code() == core::Code::kInvalidArgument
                                      ? "an address was refused"
                                      : "sendmail failed"));
    }
  }
}

}  // namespace steward::enforce
