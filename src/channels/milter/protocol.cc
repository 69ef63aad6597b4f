#include "channels/milter/protocol.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

namespace steward::milter {

namespace {

// Protocol numbers (the milter protocol, version 6).
constexpr uint32_t kVersion = 6;
constexpr uint32_t kAddHeaders = 0x01;  // SMFIF_ADDHDRS
constexpr uint32_t kSetSymList = 0x100;
constexpr uint32_t kNoHelo = 0x02;
constexpr uint32_t kNoUnknown = 0x100;
constexpr uint32_t kNoData = 0x200;
constexpr uint32_t kNoReplyHeader = 0x80;
constexpr uint32_t kNoReplyConnect = 0x1000;
constexpr uint32_t kNoReplyMail = 0x4000;
constexpr uint32_t kNoReplyRcpt = 0x8000;
constexpr uint32_t kNoReplyEoh = 0x40000;
constexpr uint32_t kNoReplyBody = 0x80000;

// An address (RFC 5321 allows 256 bytes for a path; ESMTP arguments are not
// kept), a client's host name, a macro's name and its value.
constexpr size_t kMaxAddress = 2048;
constexpr size_t kMaxMacroName = 64;
constexpr size_t kMaxMacroValue = 4096;
constexpr size_t kMaxMacros = 64;  // kept per step

// Macro steps, in the order of a message; lookups go from the last back.
constexpr char kSteps[] = "CHMRTNE";
constexpr size_t kStepMail = 2;

int StepOf(char command) {
  if (command == 'L') command = 'N';  // header fields carry EOH's macros
  if (command == 'B') command = 'E';
  const char* p = std::strchr(kSteps, command);
  return command != '\0' && p ? static_cast<int>(p - kSteps) : -1;
}

uint32_t ReadBe32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
         (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

void AppendBe32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}

// The first `max` NUL-terminated strings of a packet's data (the rest are
// not split, so a packet of NULs costs no memory); false when the last
// byte is not a NUL.
bool Strings(std::string_view data, std::vector<std::string_view>& out,
             size_t max) {
  out.clear();
  if (!data.empty() && data.back() != '\0') return false;
  while (!data.empty() && out.size() < max) {
    const size_t nul = data.find('\0');
    out.push_back(data.substr(0, nul));
    data.remove_prefix(nul + 1);
  }
  return true;
}

std::string Unbracket(std::string_view s) {
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>')
    s = s.substr(1, s.size() - 2);
  return std::string(s);
}

std::string_view Unbrace(std::string_view s) {
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}')
    s = s.substr(1, s.size() - 2);
  return s;
}

std::string CommandName(char c) {
  if (c > 0x20 && c < 0x7f) return std::string("'") + c + "'";
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(c));
  return hex;
}

}  // namespace

void AppendPacket(std::string& out, char command, std::string_view data) {
  AppendBe32(out, static_cast<uint32_t>(data.size() + 1));
  out += command;
  out.append(data);
}

std::string ReplyText(const std::string& code, const std::string& xcode,
                      const std::string& text) {
  std::string clean;
  for (unsigned char c : text) {
    if (c == '%')
      clean += "%%";
    else if (c >= 0x20 && c < 0x7f)
      clean += static_cast<char>(c);
    else if (c == '\n' || c == '\t' || c == '\r')
      clean += ' ';
    else if (c >= 0xc0)
      clean += '?';  // one per non-ASCII character
  }
  while (!clean.empty() && clean.back() == ' ') clean.pop_back();
  constexpr size_t kWidth = 200, kLines = 8;
  std::vector<std::string_view> lines;
  std::string_view rest = clean;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && lines.size() < kLines) {
    size_t end = std::min(rest.size(), kWidth);
    if (end < rest.size()) {
      size_t sp = rest.rfind(' ', end);
      if (sp != std::string_view::npos && sp > 0) end = sp;
      // Never split a doubled '%' across lines.
      size_t run = 0;
      while (run < end && rest[end - 1 - run] == '%') ++run;
      if (run % 2 == 1) --end;
    }
    lines.push_back(rest.substr(0, end));
    rest.remove_prefix(end);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  }
  if (lines.empty()) lines.push_back("Rejected by District policy");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    out += code;
    out += i + 1 < lines.size() ? '-' : ' ';
    out += xcode;
    out += ' ';
    out.append(lines[i]);
    if (i + 1 < lines.size()) out += "\r\n";
  }
  return out;
}

Conversation::Conversation(bool noreply_allowed, uint64_t keep)
    : noreply_allowed_(noreply_allowed), keep_(keep) {
  message_.client = "local";
}

void Conversation::Feed(std::string_view bytes) { in_.append(bytes); }

Conversation::Next Conversation::Process() {
  Next next = Next::kNeedMore;
  while (next == Next::kNeedMore) {
    if (answering_) {
      next = Next::kMessage;
      break;
    }
    const size_t avail = in_.size() - pos_;
    if (avail < 4) break;
    const uint32_t len = ReadBe32(in_.data() + pos_);
    if (len == 0) {
      next = Fail('\0', "a packet of length 0");
      break;
    }
    if (len > kMaxPacket) {
      next =
          Fail(avail > 4 ? in_[pos_ + 4] : '\0',
               "a packet of " + std::to_string(len) + " bytes, more than the " +
                   std::to_string(kMaxPacket) + " accepted");
      break;
    }
    if (avail - 4 < len) break;
    const char command = in_[pos_ + 4];
    const std::string_view data(in_.data() + pos_ + 5, len - 1);
    pos_ += 4 + size_t{len};
    ++packets_;
    next = Handle(command, data);
  }
  // Keep the buffer small: drop what was read, and the memory a large
  // packet grew it to, also when part of the next packet waits: its room
  // stays within twice what waits (a peer that sends a few KiB of one
  // after each large packet would otherwise keep the large one's room for
  // as long as it likes, looking idle to the memory budget).
  if (pos_ == in_.size()) {
    if (in_.capacity() > kRetained)
      std::string().swap(in_);
    else
      in_.clear();
    pos_ = 0;
  } else if (in_.capacity() > kRetained &&
             in_.capacity() > 2 * (in_.size() - pos_)) {
    std::string(in_, pos_).swap(in_);
    pos_ = 0;
  } else if (pos_ > (size_t{64} << 10) && pos_ * 2 > in_.size()) {
    in_.erase(0, pos_);
    pos_ = 0;
  }
  return next;
}

Conversation::Next Conversation::Fail(char command, const std::string& what) {
  error_ = command ? "milter command " + CommandName(command) + ": " + what
                   : "milter protocol: " + what;
  return Next::kError;
}

void Conversation::Continue(uint32_t noreply_flag) {
  if ((noreply_ & noreply_flag) == 0) AppendPacket(out_, 'c', {});
}

void Conversation::Append(std::string_view data) {
  message_.size += data.size();
  std::string& kept = message_.bytes;
  if (kept.size() >= keep_) return;
  data = data.substr(0, std::min<uint64_t>(data.size(), keep_ - kept.size()));
  // Grown by doubling, but never past what is kept: a message of the
  // largest size holds `keep` bytes, not up to twice that.
  // (A fresh string: reserve() on a grown one doubles past what it is asked.)
  if (kept.size() + data.size() > kept.capacity()) {
    std::string grown;
    grown.reserve(std::min<uint64_t>(
        keep_, std::max(kept.size() + data.size(), 2 * kept.capacity())));
    grown.append(kept);
    kept.swap(grown);
  }
  kept.append(data);
}

void Conversation::ClearMessage() {
  // Buffers are kept for the next message, unless a large one grew them.
  message_.sender.clear();
  message_.auth_user.clear();
  message_.recipients.clear();
  message_.recipients_dropped = 0;
  if (message_.recipients.capacity() > 64)
    std::vector<std::string>().swap(message_.recipients);
  envelope_bytes_ = 0;
  recipient_bytes_ = 0;
  message_.queue_id.clear();
  message_.size = 0;
  if (message_.bytes.capacity() > kRetained)
    std::string().swap(message_.bytes);
  else
    message_.bytes.clear();
}

void Conversation::NewMessage() {
  ClearMessage();
  in_message_ = false;
  answering_ = false;
  for (size_t i = kStepMail; i < std::size(macros_); ++i) {
    macros_[i].clear();
    macro_bytes_[i] = 0;
  }
}

std::string Conversation::Macro(std::string_view name) const {
  name = Unbrace(name);
  for (size_t i = std::size(macros_); i-- > 0;)
    for (const auto& [n, v] : macros_[i])
      if (n == name) return v;
  return {};
}

Conversation::Next Conversation::Negotiate(std::string_view data) {
  if (data.size() < 12) return Fail('O', "shorter than 12 bytes");
  const uint32_t version = ReadBe32(data.data());
  const uint32_t actions = ReadBe32(data.data() + 4);
  const uint32_t steps = ReadBe32(data.data() + 8);
  if (version < 2)
    return Fail('O', "protocol version " + std::to_string(version) +
                         " is older than 2");
  const uint32_t nr = kNoReplyConnect | kNoReplyMail | kNoReplyRcpt |
                      kNoReplyHeader | kNoReplyEoh | kNoReplyBody;
  // Actions: add header fields only. Steps: skip HELO, unknown commands
  // and DATA; on a unix socket, no replies to the steps before the end.
  const uint32_t granted = (kAddHeaders | kSetSymList) & actions;
  noreply_ = noreply_allowed_ ? (nr & steps) : 0;
  std::string reply;
  AppendBe32(reply, std::min(version, kVersion));
  AppendBe32(reply, granted);
  AppendBe32(reply, ((kNoHelo | kNoUnknown | kNoData) & steps) | noreply_);
  if (granted & kSetSymList) {
    // Only the macros the door reads: the signed-in user and the queue id
    // ("j" where none is wanted: an empty list would mean the default).
    for (auto [step, names] : {std::pair<uint32_t, std::string_view>{0, "j"},
                               {2, "{auth_authen}"},
                               {3, "j"},
                               {5, "i"},
                               {6, "j"}}) {
      AppendBe32(reply, step);
      reply.append(names);
      reply += '\0';
    }
  }
  AppendPacket(out_, 'O', reply);
  negotiated_ = true;
  return Next::kNeedMore;
}

Conversation::Next Conversation::Macros(std::string_view data) {
  if (data.empty()) return Fail('D', "no command named");
  const int step = StepOf(data[0]);
  std::vector<std::string_view>& strings = strings_;
  if (!Strings(data.substr(1), strings, 2 * kMaxMacros + 1))
    return Fail('D', "a macro not ended by NUL");
  if (strings.size() > 2 * kMaxMacros)
    return Fail('D', "more than " + std::to_string(kMaxMacros) + " macros");
  if (strings.size() % 2 != 0) return Fail('D', "a macro name without value");
  for (size_t i = 0; i < strings.size(); i += 2)
    if (strings[i].size() > kMaxMacroName ||
        strings[i + 1].size() > kMaxMacroValue)
      return Fail(
          'D', "a macro of " +
                   std::to_string(strings[i].size() + strings[i + 1].size()) +
                   " bytes, more than a name of " +
                   std::to_string(kMaxMacroName) + " and a value of " +
                   std::to_string(kMaxMacroValue));
  if (step < 0) return Next::kNeedMore;  // a step the door does not read
  auto& kept = macros_[step];
  kept.clear();
  macro_bytes_[step] = 0;
  for (size_t i = 0; i + 1 < strings.size(); i += 2) {
    kept.emplace_back(std::string(Unbrace(strings[i])),
                      std::string(strings[i + 1]));
    macro_bytes_[step] += kept.back().first.capacity() +
                          kept.back().second.capacity() +
                          2 * sizeof(std::string);
  }
  return Next::kNeedMore;
}

Conversation::Next Conversation::Handle(char command, std::string_view data) {
  if (!negotiated_ && command != 'O')
    return Fail(command, "before option negotiation");
  std::vector<std::string_view>& strings = strings_;
  auto error = [&](const std::string& what) { return Fail(command, what); };
  // An address or host name as an SMTP command line can carry it: at most
  // kMaxAddress bytes, no control characters (an MTA passes none; one
  // that reached a notice or a log would write lines of its own).
  auto bad_address = [&](const char* what,
                         std::string_view value) -> std::optional<Next> {
    if (value.size() > kMaxAddress)
      return error(std::string(what) + " of " + std::to_string(value.size()) +
                   " bytes, more than " + std::to_string(kMaxAddress));
    for (const char c : value)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
        return error(std::string(what) + " with a control character");
    return std::nullopt;
  };
  switch (command) {
    case 'O':
      if (negotiated_) return error("negotiation repeated");
      return Negotiate(data);
    case 'D':
      return Macros(data);
    case 'C':
      if (in_message_) return error("connect inside a message");
      {
        // The host name; the family, port and address after it are not read.
        const size_t nul = data.find('\0');
        if (nul == std::string_view::npos)
          return error("a host name not ended by NUL");
        if (auto bad = bad_address("a host name", data.substr(0, nul)))
          return *bad;
        message_.client = nul == 0 ? "local" : std::string(data.substr(0, nul));
      }
      Continue(kNoReplyConnect);
      return Next::kNeedMore;
    case 'H':
    case 'T':
    case 'U':
      AppendPacket(out_, 'c', {});
      return Next::kNeedMore;
    case 'M':
      if (!Strings(data, strings, 1) || strings.empty())
        return error("a sender not ended by NUL");
      if (auto bad = bad_address("a sender", strings[0])) return *bad;
      // A new message: what an earlier MAIL began without an end or an
      // abort is dropped.
      ClearMessage();
      message_.sender = Unbracket(strings[0]);
      message_.auth_user = Macro("auth_authen");
      in_message_ = true;
      Continue(kNoReplyMail);
      return Next::kNeedMore;
    case 'R':
      if (!in_message_) return error("a recipient before MAIL");
      if (!Strings(data, strings, 1) || strings.empty())
        return error("a recipient not ended by NUL");
      if (auto bad = bad_address("a recipient", strings[0])) return *bad;
      if (message_.recipients.size() < kMaxRecipients &&
          recipient_bytes_ + strings[0].size() <= kMaxRecipientBytes) {
        message_.recipients.push_back(Unbracket(strings[0]));
        recipient_bytes_ += strings[0].size();
        envelope_bytes_ += strings[0].size() + sizeof(std::string);
      } else {
        ++message_.recipients_dropped;  // the door refuses the message
      }
      Continue(kNoReplyRcpt);
      return Next::kNeedMore;
    case 'L':
      if (!in_message_) return error("a header field before MAIL");
      if (!Strings(data, strings, 3) || strings.size() != 2)
        return error("not a name and a value, each ended by NUL");
      Append(strings[0]);
      Append(": ");
      Append(strings[1]);
      Append("\r\n");
      Continue(kNoReplyHeader);
      return Next::kNeedMore;
    case 'N':
      if (!in_message_) return error("end of header before MAIL");
      Append("\r\n");
      Continue(kNoReplyEoh);
      return Next::kNeedMore;
    case 'B':
      if (!in_message_) return error("a body chunk before MAIL");
      Append(data);
      Continue(kNoReplyBody);
      return Next::kNeedMore;
    case 'E':
      if (!in_message_) return error("end of message before MAIL");
      Append(data);
      message_.queue_id = Macro("i");
      answering_ = true;
      return Next::kMessage;
    case 'A':
      NewMessage();
      return Next::kNeedMore;
    case 'K':
      NewMessage();
      message_.client = "local";
      for (auto& m : macros_) m.clear();
      for (size_t& b : macro_bytes_) b = 0;
      return Next::kNeedMore;
    case 'Q':
      return Next::kClosed;
    default:
      return error("unknown");
  }
}

void Conversation::Reply(const Answer& answer) {
  if (!answering_) return;
  switch (answer.kind) {
    case Answer::Kind::kAccept: {
      std::string field;
      for (const auto& [name, value] : answer.fields) {
        field.assign(name);
        field += '\0';
        field += value;
        field += '\0';
        AppendPacket(out_, 'h', field);
      }
      AppendPacket(out_, 'a', {});
      break;
    }
    case Answer::Kind::kDiscard:
      AppendPacket(out_, 'd', {});
      break;
    case Answer::Kind::kReject:
    case Answer::Kind::kTempfail: {
      std::string text = ReplyText(answer.code, answer.xcode, answer.text);
      text += '\0';
      AppendPacket(out_, 'y', text);
      break;
    }
  }
  NewMessage();
}

}  // namespace steward::milter
