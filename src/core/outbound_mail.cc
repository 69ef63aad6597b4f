#include "core/outbound_mail.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/process.h"
#include "core/text.h"

namespace steward::core {

namespace {

constexpr size_t kLineGoal = 78;    // RFC 5322 2.1.1 "SHOULD"
constexpr size_t kLineLimit = 998;  // "MUST"

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

// A conservative subset of RFC 5322 atext: no '|', '/', '`', '!' or '%',
// which some MTAs give meanings (pipes, files, UUCP and source routes).
bool IsLocalChar(char c) {
  return IsAsciiAlnum(c) ||
         std::string_view(".'+-_=~#$&*?^{}").find(c) != std::string_view::npos;
}

// Control characters (C0, DEL, C1) become spaces; bytes that are not UTF-8
// are read as windows-1252 first, so the result is valid UTF-8.
std::string Clean(std::string_view s) {
  std::string in = IsValidUtf8(s) ? std::string(s) : ToUtf8(s);
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else if (c == 0xc2 && i + 1 < in.size() &&
               static_cast<unsigned char>(in[i + 1]) < 0xa0) {
      out += ' ';  // U+0080..U+009F
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool PlainAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return s.find("=?") == std::string_view::npos;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(in[i]) << 16 |
                 static_cast<unsigned char>(in[i + 1]) << 8 |
                 static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// RFC 2047 encoded words, B encoding, cut only between UTF-8 characters, one
// word per line after the first.
std::string EncodedWords(std::string_view utf8, size_t used) {
  std::string out;
  size_t at = 0;
  bool first = true;
  while (at < utf8.size() || first) {
    size_t room = first && used + 12 < kLineGoal ? kLineGoal - used - 12 : 63;
    size_t max_bytes = std::max<size_t>(room, 16) / 4 * 3;
    size_t end = std::min(utf8.size(), at + max_bytes);
    while (end > at && end < utf8.size() &&
           (static_cast<unsigned char>(utf8[end]) & 0xc0) == 0x80) {
      --end;  // do not split a character
    }
    if (end == at && at < utf8.size()) end = at + 1;  // cannot happen (UTF-8)
    if (!first) out += "\n ";
    out += "=?UTF-8?B?" + Base64(utf8.substr(at, end - at)) + "?=";
    at = end;
    first = false;
  }
  return out;
}

// Printable ASCII folded at spaces; "" when a word is too long to fold.
std::string Folded(std::string_view s, size_t used) {
  std::string out;
  size_t line = used;
  bool line_has_word = false;
  size_t at = 0;
  while (at < s.size()) {
    size_t space = s.find(' ', at + 1);
    std::string_view word =
        s.substr(at, space == std::string_view::npos ? std::string_view::npos
                                                     : space - at);
    if (used + word.size() > kLineLimit) return "";
    // Fold before the space that starts a word (a continuation line begins
    // with white space).
    if (line + word.size() > kLineGoal && line_has_word && word[0] == ' ') {
      out += '\n';
      line = 0;
    }
    out += word;
    line += word.size();
    line_has_word = true;
    at += word.size();
  }
  return out;
}

// A display name as an RFC 5322 phrase: a quoted string, or encoded words.
std::string Phrase(std::string_view name, size_t used) {
  std::string clean = Clean(name);
  if (PlainAscii(clean)) {
    std::string q = "\"";
    for (char c : clean) {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
    q += '"';
    if (q.size() <= 200) return q;
  }
  return EncodedWords(clean, used);
}

std::string MailboxText(const Mailbox& m, size_t used) {
  if (m.display_name.empty()) return m.address;
  return Phrase(m.display_name, used) + " <" + m.address + ">";
}

bool IsFieldName(std::string_view n) {
  if (n.empty() || n.size() > 76) return false;
  return std::all_of(n.begin(), n.end(),
                     [](char c) { return IsAsciiAlnum(c) || c == '-'; });
}

bool IsReservedField(std::string_view n) {
  std::string lower = AsciiLower(n);
  static constexpr std::array<std::string_view, 12> kReserved = {
      "from",         "to",       "cc",         "bcc",
      "subject",      "sender",   "reply-to",   "return-path",
      "mime-version", "received", "message-id", "date"};
  if (std::find(kReserved.begin(), kReserved.end(), lower) != kReserved.end())
    return true;
  return lower.rfind("content-", 0) == 0 || lower.rfind("resent-", 0) == 0;
}

// Quoted-printable (RFC 2045 6.7) with LF as the hard line break.
std::string QuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t line = 0;
  auto put = [&](std::string_view piece) {
    if (line + piece.size() > 75) {
      out += "=\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool at_end = i + 1 == text.size() || text[i + 1] == '\n';
    if (c == '\n') {
      out += '\n';
      line = 0;
    } else if ((c >= 33 && c <= 126 && c != '=') ||
               ((c == ' ' || c == '\t') && !at_end)) {
      put(std::string(1, static_cast<char>(c)));
    } else {
      char esc[3] = {'=', kHex[c >> 4], kHex[c & 15]};
      put(std::string_view(esc, 3));
    }
  }
  return out;
}

}  // namespace

Status CheckMailAddress(std::string_view a) {
  auto refuse = [&](std::string_view why) {
    std::string shown = Clean(a.substr(0, 100));
    return Status::Invalid(fmt::format(
        "'{}' is not a mail address Steward sends to or from: {}", shown, why));
  };
  if (a.empty()) return refuse("it is empty");
  if (a.size() > 254) return refuse("longer than 254 characters");
  size_t at = a.find('@');
  if (at == std::string_view::npos || a.find('@', at + 1) != a.npos)
    return refuse("it needs exactly one @");
  std::string_view local = a.substr(0, at), domain = a.substr(at + 1);
  if (local.empty() || local.size() > 64)
    return refuse("the part before @ is empty or longer than 64");
  if (local.front() == '-') return refuse("it starts with '-'");
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != local.npos) {
    return refuse("a dot starts, ends or doubles the part before @");
  }
  if (!std::all_of(local.begin(), local.end(), IsLocalChar)) {
    return refuse(
        "the part before @ holds a character other than letters, digits and "
        ".'+-_=~#$&*?^{}");
  }
  if (domain.empty() || domain.size() > 253) return refuse("no domain");
  size_t start = 0;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == domain.npos ? domain.npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-' ||
        !std::all_of(label.begin(), label.end(),
                     [](char c) { return IsAsciiAlnum(c) || c == '-'; })) {
      return refuse("the domain is not ASCII letters, digits, '-' and dots");
    }
    if (dot == domain.npos) break;
    start = dot + 1;
  }
  return Status::Ok();
}

std::string EncodeHeaderValue(std::string_view value, size_t used) {
  std::string clean = Clean(value);
  if (PlainAscii(clean)) {
    std::string folded = Folded(clean, used);
    if (!folded.empty() || clean.empty()) return folded;
  }
  return EncodedWords(clean, used);
}

Result<std::string> ComposeMessage(const OutboundMessage& m) {
  if (auto st = CheckMailAddress(m.from.address); !st.ok()) return st;
  if (m.to.empty()) return Status::Invalid("a message needs a recipient");
  for (const auto& t : m.to) {
    if (auto st = CheckMailAddress(t.address); !st.ok()) return st;
  }
  for (const auto& [name, value] : m.extra_headers) {
    if (!IsFieldName(name) || IsReservedField(name)) {
      return Status::Invalid(fmt::format(
          "'{}' is not a header field a caller may add", Clean(name)));
    }
  }
  std::string out = "From: " + MailboxText(m.from, 6) + "\n";
  std::string to = "To: ";
  for (size_t i = 0; i < m.to.size(); ++i) {
    if (i) to += ",\n ";
    to += MailboxText(m.to[i], i ? 1 : 4);
  }
  out += to + "\n";
  out += "Subject: " + EncodeHeaderValue(m.subject, 9) + "\n";
  for (const auto& [name, value] : m.extra_headers) {
    out += name + ": " + EncodeHeaderValue(value, name.size() + 2) + "\n";
  }
  // The body: LF line ends, valid UTF-8, 8bit unless a line is too long.
  std::string body = IsValidUtf8(m.body) ? m.body : ToUtf8(m.body);
  std::string lf;
  lf.reserve(body.size() + 1);
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\r') {
      lf += '\n';
      if (i + 1 < body.size() && body[i + 1] == '\n') ++i;
    } else {
      lf += body[i];
    }
  }
  if (lf.empty() || lf.back() != '\n') lf += '\n';
  bool long_line = false;
  size_t line_start = 0;
  for (size_t i = 0; i < lf.size(); ++i) {
    if (lf[i] != '\n') continue;
    if (i - line_start > kLineLimit) long_line = true;
    line_start = i + 1;
  }
  out +=
      "MIME-Version: 1.0\nContent-Type: text/plain; "
      "charset=utf-8\nContent-Transfer-Encoding: ";
  out += long_line ? "quoted-printable\n\n" + QuotedPrintable(lf)
                   : "8bit\n\n" + lf;
  return out;
}

std::vector<std::string> SendmailArgv(const SendmailOptions& o,
                                      const OutboundMessage& m) {
  std::vector<std::string> argv = {o.program, "-i", "-f", m.from.address, "--"};
  for (const auto& t : m.to) argv.push_back(t.address);
  return argv;
}

Status SendMessage(const SendmailOptions& o, const OutboundMessage& m) {
  auto text = ComposeMessage(m);
  if (!text.ok()) return text.status();
  auto run = RunProgram(SendmailArgv(o, m), *text,
                        {.seconds = o.seconds, .max_output = 1 << 16});
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) {
    return Status::Io(fmt::format("{} exited {}{}", o.program, run->exit_code,
                                  run->exit_code < 0 ? " (killed)" : ""));
  }
  return Status::Ok();
}

Status ReinjectMessage(const SendmailOptions& o, std::string_view bytes,
                       const std::string& sender,
                       const std::vector<std::string>& recipients) {
  if (recipients.empty()) return Status::Invalid("no recipient to send to");
  if (!sender.empty()) {
    if (auto st = CheckMailAddress(sender); !st.ok()) return st;
  }
  std::vector<std::string> argv = {
      o.program, "-G", "-i", "-f", sender.empty() ? "<>" : sender, "--"};
  for (const auto& r : recipients) {
    if (auto st = CheckMailAddress(r); !st.ok()) return st;
    argv.push_back(r);
  }
  auto run =
      RunProgram(argv, bytes, {.seconds = o.seconds, .max_output = 1 << 16});
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) {
    return Status::Io(fmt::format(
        "{} exited {}{}: {}", o.program, run->exit_code,
        run->exit_code < 0 ? " (killed)" : "", run->output.substr(0, 200)));
  }
  return Status::Ok();
}

}  // namespace steward::core
