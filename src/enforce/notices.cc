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
  Enqueue(PersonKey('c', env), CautionMessage(pack, env, v));
}

void Notifier::Held(const policy::PolicyPack& pack, const decide::Envelope& env,
                    const decide::Verdict& v, int64_t quarantine_id) {
  Enqueue(PersonKey('h', env), HeldMessage(pack, env, v, quarantine_id));
}

std::string Notifier::PersonKey(char kind, const decide::Envelope& env) {
  // The signed-in account when there is one (it may send as no one else);
  // otherwise the mailbox as Postfix delivers it: the local part without
  // quotes, escapes or a "+extension", the domain without a final dot,
  // both in lower case. "jdoe+1@x", "\"jdoe\"@x" and "JDoe@x." are jdoe@x.
  std::string key(1, kind);
  key += ' ';
  if (!env.auth_user.empty()) {
    key += "user:" + core::AsciiLower(env.auth_user);
    return key;
  }
  const std::string_view a = env.sender;
  const size_t at = a.rfind('@');
  std::string local;
  for (size_t i = 0; i < (at == std::string_view::npos ? a.size() : at); ++i) {
    if (a[i] == '\\' && i + 1 < a.size()) {
      local += a[++i];
    } else if (a[i] != '"' && a[i] != '<' && a[i] != '>') {
      local += a[i];
    }
  }
  if (const size_t plus = local.find('+'); plus != std::string::npos)
    local.erase(plus);
  std::string domain(at == std::string_view::npos ? "" : a.substr(at + 1));
  while (!domain.empty() && (domain.back() == '.' || domain.back() == '>'))
    domain.pop_back();
  key += core::AsciiLower(local) + "@" + core::AsciiLower(domain);
  return key;
}

bool Notifier::WithinRate(const std::string& person) {
  const auto now = std::chrono::steady_clock::now();
  const auto hour = std::chrono::hours(1);
  // Forget the hours that are over whenever the map has doubled since it
  // was last swept: each notice costs O(1) on average, and the map holds
  // at most twice the people of one hour.
  if (hours_.size() >= next_sweep_) {
    std::erase_if(hours_,
                  [&](const auto& e) { return now - e.second.start >= hour; });
    next_sweep_ = std::max<size_t>(1024, 2 * hours_.size());
  }
  // Past kPeople at once (a flood of made-up senders), the newcomers share
  // one count: memory stays bounded and so do their notices.
  auto it = hours_.find(person);
  if (it == hours_.end())
    it = hours_.size() < kPeople ? hours_.emplace(person, Hour{}).first
                                 : hours_.emplace("*", Hour{}).first;
  Hour& h = it->second;
  if (h.sent == 0 || now - h.start >= hour) h = {now, 0};
  if (++h.sent <= kPerPersonPerHour) return true;
  if (h.sent == kPerPersonPerHour + 1)  // once an hour a person
    core::Log(
        core::Event("notice-dropped", core::Level::kWarning)
            .Str("to", it->first.substr(2))
            .Str("reason", "more than " + std::to_string(kPerPersonPerHour) +
                               (it->first[0] == 'h' ? " held" : " caution") +
                               " notices to one person in an hour; "
                               "the rest of the hour's are not sent"));
  return false;
}

void Notifier::Enqueue(const std::string& person,
                       core::OutboundMessage message) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= 1000) {
      core::Log(core::Event("notice-dropped", core::Level::kWarning)
                    .Str("reason", "1000 notices waiting"));
      return;
    }
    if (!WithinRate(person)) return;
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
