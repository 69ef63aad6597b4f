#include "extract/mime.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/mbox.h"
#include "core/text.h"
#include "extract/document.h"
#include "extract/formats.h"
#include "extract/gmime_parts.h"

namespace steward::extract {

namespace {

using gmime::Charset;
using gmime::DecodedBytes;
using gmime::Lower;
using gmime::TypeOf;

std::string AddressText(GMimeMessage* m) {
  std::string out;
  auto add = [&](const char* name, InternetAddressList* list) {
    if (!list || internet_address_list_length(list) == 0) return;
    char* s = internet_address_list_to_string(list, nullptr, FALSE);
    if (s) {
      out += std::string(name) + ": " + s + "\n";
      g_free(s);
    }
  };
  add("From", g_mime_message_get_from(m));
  add("To", g_mime_message_get_to(m));
  add("Cc", g_mime_message_get_cc(m));
  add("Reply-To", g_mime_message_get_reply_to(m));
  return out;
}

// The bytes before the first empty line: the header block as the sender
// wrote it, including lines that are no header at all.
std::string_view RawHeaderBlock(std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) return bytes;
    std::string_view line = bytes.substr(pos, nl - pos);
    if (line.empty() || line == "\r") return bytes.substr(0, pos);
    pos = nl + 1;
  }
  return bytes;
}

// GMime makes an object of every address of an address field as it reads
// the header: 24 MB of To: lines took some 500 MB. What those fields may
// hold is bounded (Postfix cuts one header field at 100 KiB): recipients
// (To, Cc, Bcc and their Resent- forms) kAddressFieldBytes together, the
// sender's fields (From, Sender, Resent- too) as much again of their own,
// and Reply-To as much again, so that no other field can push the sender
// out. Past its
// allowance a field is cut after its last whole address, and later ones of
// the kind are left out. The copy is made only then; *cut says what was
// left.
constexpr size_t kAddressFieldBytes = size_t{256} << 10;

// Whether a header field's name is one of `fields` (lower case; one that
// ends in '-' names a family: "x-ms-exchange-" is every such field).
template <size_t N>
bool NameIn(std::string_view name, const std::string_view (&fields)[N]) {
  const std::string lower = core::AsciiLower(name);
  for (std::string_view f : fields)
    if (lower == f || (f.back() == '-' && lower.starts_with(f))) return true;
  return false;
}

// 0: no address field; 1: the sender's; 2: recipients; 3: where replies
// go.
enum AddressKind { kNoAddresses, kSender, kRecipients, kReplyTo, kKinds };
int AddressFieldKind(std::string_view name) {
  static constexpr std::string_view kSenders[] = {
      "from", "sender", "resent-from", "resent-sender"};
  static constexpr std::string_view kTo[] = {
      "to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"};
  static constexpr std::string_view kReplies[] = {"reply-to",
                                                  "resent-reply-to"};
  if (name.size() > 16) return kNoAddresses;
  return NameIn(name, kSenders)   ? kSender
         : NameIn(name, kTo)      ? kRecipients
         : NameIn(name, kReplies) ? kReplyTo
                                  : kNoAddresses;
}

// Where a field of addresses may be cut, at most `room` bytes in: after
// its last comma that separates addresses (not one in a quoted name or a
// comment); 0 when none does.
size_t LastAddressEnd(std::string_view field, size_t from, size_t room) {
  size_t best = 0;
  bool quoted = false;
  int comment = 0;
  for (size_t i = from; i < std::min(room, field.size()); ++i) {
    const char ch = field[i];
    if (ch == '\\') {
      ++i;  // the escaped character, whatever it is
    } else if (ch == '"' && comment == 0) {
      quoted = !quoted;
    } else if (!quoted && ch == '(') {
      ++comment;
    } else if (!quoted && ch == ')' && comment > 0) {
      --comment;
    } else if (!quoted && comment == 0 && ch == ',') {
      best = i;
    }
  }
  return best;
}

// Past this many fields the rest of a header is left out: GMime makes an
// object of each (1.5 million short fields took 800 MB).
constexpr size_t kHeaderFields = 10000;

// What CapHeader left out of the header it gives the parser.
struct HeaderCut {
  size_t address_bytes = 0;  // of address fields past their allowance
  size_t fields = 0;         // past kHeaderFields
  // Their text, inspected instead: the fields left out whole, and what
  // was cut off address fields (each as "Name: the rest").
  std::string fields_left, addresses_left;
  // A From or Sender field was cut or left out: who the message claims to
  // be from is not known whole.
  bool sender = false;
  std::string Reason() const {
    std::string r;
    if (address_bytes != 0)
      r = "address fields past " + std::to_string(kAddressFieldBytes >> 10) +
          " KiB read as plain text only (" + std::to_string(address_bytes) +
          " bytes)";
    if (fields != 0)
      r += (r.empty() ? "" : "; ") + std::to_string(fields) +
           " header fields past the first " + std::to_string(kHeaderFields) +
           " read as plain text only";
    return r;
  }
};

// Where the header field at `pos` ends: after its first line and the
// folded lines that continue it.
size_t FieldEnd(std::string_view header, size_t pos) {
  size_t end = pos;
  do {
    const size_t nl = header.find('\n', end);
    end = nl == std::string_view::npos ? header.size() : nl + 1;
  } while (end < header.size() && (header[end] == ' ' || header[end] == '\t'));
  return end;
}

// A header field's name, without the blanks before its colon; "" when the
// line has no colon.
std::string_view FieldName(std::string_view field) {
  const size_t colon = field.find(':');
  std::string_view name =
      field.substr(0, colon == std::string_view::npos ? 0 : colon);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
    name.remove_suffix(1);
  return name;
}

// A From or Sender field with a NUL byte in it: GMime reads a field's value
// as a C string, so whatever follows the NUL (another address) would go
// unread. Such a field cannot be cleared by the check of who may send as
// whom.
bool SenderFieldHoldsNul(std::string_view header) {
  if (header.find('\0') == std::string_view::npos) return false;
  for (size_t pos = 0; pos < header.size();) {
    const size_t end = FieldEnd(header, pos);
    const std::string_view field = header.substr(pos, end - pos);
    if (AddressFieldKind(FieldName(field)) == kSender &&
        field.find('\0') != std::string_view::npos)
      return true;
    pos = end;
  }
  return false;
}

std::optional<std::string> CapHeader(std::string_view bytes, HeaderCut* cut) {
  const std::string_view header = RawHeaderBlock(bytes);
  // A header that holds neither limit's worth is given whole (lines are at
  // least as many as fields).
  if (header.size() <= kAddressFieldBytes &&
      static_cast<size_t>(std::count(header.begin(), header.end(), '\n')) <=
          kHeaderFields)
    return std::nullopt;
  std::string out;
  size_t used[kKinds] = {}, pos = 0, copied = 0, fields = 0;
  *cut = HeaderCut();
  while (pos < header.size()) {
    const size_t end = FieldEnd(header, pos);
    const std::string_view field = header.substr(pos, end - pos);
    if (++fields > kHeaderFields) {
      // The rest is left out, but for the fields that say what the body
      // is (without them an attachment would be read as text) and who
      // sent it, within its allowance.
      out.append(bytes.substr(copied, pos - copied));
      size_t kept = 0;
      for (size_t at = pos; at < header.size();) {
        const size_t stop = FieldEnd(header, at);
        const std::string_view rest = header.substr(at, stop - at);
        static constexpr std::string_view kMime[] = {"content-",
                                                     "mime-version"};
        const std::string_view name = FieldName(rest);
        const int kind = AddressFieldKind(name);
        if (!name.empty() && kept < 32 && rest.size() <= (size_t{64} << 10) &&
            NameIn(name, kMime)) {
          out.append(rest);
          ++kept;
        } else if (kind == kSender &&
                   used[kSender] + rest.size() <= kAddressFieldBytes) {
          out.append(rest);
          used[kSender] += rest.size();
        } else {
          ++cut->fields;
          cut->sender |= kind == kSender;
          (kind != kNoAddresses ? cut->addresses_left : cut->fields_left)
              .append(rest);
        }
        at = stop;
      }
      copied = header.size();
      break;
    }
    const size_t colon = field.find(':');
    const std::string_view name = FieldName(field);
    const int kind = AddressFieldKind(name);
    if (kind != 0) {
      const size_t room =
          kAddressFieldBytes - std::min(used[kind], kAddressFieldBytes);
      if (field.size() > room) {
        out.append(bytes.substr(copied, pos - copied));
        size_t keep = LastAddressEnd(field, colon + 1, room);
        // Without the folding white space before the cut.
        while (keep > colon + 1 &&
               (field[keep - 1] == ' ' || field[keep - 1] == '\t' ||
                field[keep - 1] == '\r' || field[keep - 1] == '\n'))
          --keep;
        if (keep > colon + 1) {
          out.append(field.substr(0, keep));
          out.append("\r\n");
        } else {
          keep = 0;  // not one whole address fits: the field goes
        }
        cut->address_bytes += field.size() - keep;
        cut->sender |= kind == kSender;
        if (keep == 0) {
          cut->addresses_left.append(field);
        } else {  // after the comma the cut fell on
          cut->addresses_left.append(name).append(":").append(
              field.substr(field.find(',', keep) + 1));
        }
        copied = end;
      }
      used[kind] += field.size();
    }
    pos = end;
  }
  if (cut->address_bytes == 0 && cut->fields == 0) return std::nullopt;
  out.append(bytes.substr(copied));
  return out;
}

// Mail programs do not write messages this way; a message that is written
// so reads differently to its reader than to Steward.
constexpr const char* kMalformed = "malformed-message";

// Header fields that hold no content of the sender's own: the subject and
// the addresses (views of their own), transport and MIME machinery.
bool IsBlankedField(std::string_view name) {
  static constexpr std::string_view kFields[] = {"subject",
                                                 "from",
                                                 "to",
                                                 "cc",
                                                 "bcc",
                                                 "reply-to",
                                                 "sender",
                                                 "return-path",
                                                 "delivered-to",
                                                 "received",
                                                 "message-id",
                                                 "in-reply-to",
                                                 "references",
                                                 "date",
                                                 "mime-version",
                                                 "content-type",
                                                 "content-transfer-encoding",
                                                 "content-disposition",
                                                 "content-id",
                                                 "dkim-signature",
                                                 "domainkey-signature",
                                                 "authentication-results",
                                                 "received-spf",
                                                 "arc-seal",
                                                 "arc-message-signature",
                                                 "arc-authentication-results",
                                                 "x-google-dkim-signature",
                                                 "x-received",
                                                 "x-originating-ip",
                                                 "list-unsubscribe",
                                                 "list-id",
                                                 "thread-index",
                                                 "x-ms-exchange-"};
  return NameIn(name, kFields);
}

// The header block with blanked fields turned into spaces (newlines kept, so
// lines and offsets still match the block). `subject`: the Subject fields
// are kept, for a block the subject view does not cover.
std::string HeaderView(std::string_view block, bool subject = false) {
  std::string out(block);
  bool blank = false;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    size_t end = nl == std::string::npos ? out.size() : nl;
    if (pos < end && out[pos] != ' ' && out[pos] != '\t') {
      size_t colon = out.find(':', pos);
      const std::string_view name =
          colon != std::string::npos && colon < end
              ? std::string_view(out).substr(pos, colon - pos)
              : std::string_view();
      blank = !name.empty() && IsBlankedField(name) &&
              !(subject && core::AsciiLower(name) == "subject");
    }
    if (blank)
      for (size_t i = pos; i < end; ++i) out[i] = ' ';
    pos = end + 1;
  }
  return out;
}

// The addresses written in a display name (lower case): each run of
// address characters around an '@' with a dot after it.
std::vector<std::string> AddressesIn(const char* name) {
  std::vector<std::string> out;
  const std::string_view n = name ? name : "";
  auto part = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("._%+-'").find(c) != std::string_view::npos;
  };
  for (size_t at = n.find('@'); at != std::string_view::npos;
       at = n.find('@', at + 1)) {
    size_t b = at, e = at + 1;
    while (b > 0 && part(n[b - 1])) --b;
    while (e < n.size() && part(n[e])) ++e;
    const std::string_view domain = n.substr(at + 1, e - at - 1);
    if (b < at && domain.find('.') != std::string_view::npos)
      out.push_back(core::AsciiLower(n.substr(b, e - b)));
  }
  return out;
}

// The outer message's facts for the mail doors.
void ReadFacts(GMimeMessage* m, MessageFacts& f) {
  f.is_message = true;
  // Every From address, those in groups ("Office: a@x, b@y;") too.
  constexpr size_t kFromAddresses = 200;
  size_t mailboxes = 0;  // read from the fields, not from names
  std::function<void(InternetAddressList*, int)> add_from =
      [&](InternetAddressList* list, int depth) {
        const int n = list ? internet_address_list_length(list) : 0;
        for (int i = 0; i < n; ++i) {
          InternetAddress* a = internet_address_list_get_address(list, i);
          if (INTERNET_ADDRESS_IS_GROUP(a) && depth < 4) {
            add_from(
                internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
                depth + 1);
          } else if (!INTERNET_ADDRESS_IS_MAILBOX(a) ||
                     f.from.size() == kFromAddresses) {
            f.from_unread = true;  // groups nested past reason, or too many
          } else {
            f.from.push_back(Lower(internet_address_mailbox_get_addr(
                INTERNET_ADDRESS_MAILBOX(a))));
            ++mailboxes;
            // A name that is another address ("principal@x" <jdoe@x>) is
            // what the reader sees as the sender: claimed too.
            for (std::string& shown : AddressesIn(internet_address_get_name(a)))
              if (shown != f.from.back() && f.from.size() < kFromAddresses)
                f.from.push_back(std::move(shown));
          }
        }
      };
  add_from(g_mime_message_get_from(m), 0);
  const size_t from_addresses = mailboxes;
  add_from(g_mime_message_get_sender(m), 0);
  // An address GMime could not read ("principal@@x", "a@x; b@y") is an
  // address the sender still claims: more '@' outside quoted names and
  // comments than addresses read fails the check.
  size_t claimed = 0;
  GMimeHeaderList* fields = g_mime_object_get_header_list(GMIME_OBJECT(m));
  const int count = fields ? g_mime_header_list_get_count(fields) : 0;
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(fields, i);
    const std::string name = Lower(g_mime_header_get_name(h));
    if (name != "from" && name != "sender") continue;
    const char* raw = g_mime_header_get_raw_value(h);
    bool quoted = false;
    int comment = 0;
    size_t in_quotes = 0;  // '@' in a quoted string not yet closed
    // A From that names nobody a parser can read ("Principal Smith",
    // "<>", a comment alone) claims to be from someone all the same.
    if (name == "from" && from_addresses == 0 && raw != nullptr &&
        std::string_view(raw).find_first_not_of(" \t\r\n") !=
            std::string_view::npos)
      f.from_unread = true;
    for (const char* c = raw ? raw : ""; *c; ++c) {
      if (*c == '\\' && c[1] != '\0') {
        ++c;
      } else if (*c == '"' && comment == 0) {
        quoted = !quoted;
        in_quotes = 0;
      } else if (quoted && *c == '@') {
        ++in_quotes;
      } else if (!quoted && *c == '(') {
        ++comment;
      } else if (!quoted && *c == ')' && comment > 0) {
        --comment;
      } else if (!quoted && comment == 0 && *c == '@') {
        ++claimed;
      }
    }
    if (quoted) claimed += in_quotes;  // a quote never closed hides nothing
  }
  if (claimed > mailboxes) f.from_unread = true;
  if (const char* s = g_mime_message_get_subject(m))
    f.subject = core::ToUtf8(s);
  if (const char* id = g_mime_message_get_message_id(m)) f.message_id = id;
  if (GDateTime* d = g_mime_message_get_date(m))
    f.date = g_date_time_to_unix(d);
  for (GMimeAddressType type : {GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC}) {
    InternetAddressList* list = g_mime_message_get_addresses(m, type);
    int count = list ? internet_address_list_length(list) : 0;
    for (int i = 0; i < count && f.to.size() < 200; ++i) {
      InternetAddress* a = internet_address_list_get_address(list, i);
      if (INTERNET_ADDRESS_IS_MAILBOX(a))
        f.to.push_back(Lower(
            internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a))));
    }
  }
  GMimeHeaderList* hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
  int n = hl ? g_mime_header_list_get_count(hl) : 0;
  for (int i = 0; i < n && i < 200; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(hl, i);
    const char* name = g_mime_header_get_name(h);
    const char* value = g_mime_header_get_value(h);
    f.headers.emplace_back(Lower(name), core::ToUtf8(value ? value : ""));
  }
  GMimeObject* body = g_mime_message_get_mime_part(m);
  if (!body) return;
  std::string type = TypeOf(body);
  if (type == "multipart/encrypted") f.encrypted = true;
  if (type == "multipart/signed") f.signed_ = true;
  if (type == "application/pkcs7-mime" || type == "application/x-pkcs7-mime") {
    GMimeContentType* ct = g_mime_object_get_content_type(body);
    std::string smime =
        Lower(ct ? g_mime_content_type_get_parameter(ct, "smime-type") : "");
    if (smime == "signed-data")
      f.signed_ = true;
    else
      f.encrypted = true;  // enveloped-data, or unnamed
  }
}

// Whether a decoded text body is an inline OpenPGP message.
bool InlinePgp(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  return start != std::string_view::npos &&
         text.substr(start).starts_with("-----BEGIN PGP MESSAGE-----");
}

struct Walker {
  Context& ctx;
  std::string raw_headers;  // the outer message's header block, once
  const Limits& limits = ctx.limits();
  Extracted& out = ctx.out();

  void Skip(const std::string& path, const std::string& type,
            const std::string& filename, std::string reason) {
    ctx.Skip(path, type, filename, std::move(reason));
  }

  void Message(GMimeMessage* m, const std::string& prefix, uint32_t depth) {
    const char* subject = g_mime_message_get_subject(m);
    std::string base = prefix.empty() ? "" : prefix;
    if (subject && *subject)
      out.texts.push_back(
          {base, core::View::kSubject, "", "", core::ToUtf8(subject)});
    if (limits.address_view) {
      std::string addrs = AddressText(m);
      if (!addrs.empty())
        out.texts.push_back(
            {base, core::View::kAddresses, "", "", core::ToUtf8(addrs)});
    }
    // The header block: as written for the outer message (raw_headers), as
    // GMime kept it for attached ones.
    std::string block = raw_headers;
    raw_headers.clear();
    if (block.empty()) {
      char* h = g_mime_object_get_headers(GMIME_OBJECT(m), nullptr);
      if (h) {
        block = h;
        g_free(h);
      }
    }
    std::string fields = HeaderView(block);
    if (fields.find_first_not_of(" \n") != std::string::npos)
      out.texts.push_back(
          {base, core::View::kHeaders, "", "", core::DecodeText(fields)});
    GMimeObject* body = g_mime_message_get_mime_part(m);
    if (!body) return;
    if (GMIME_IS_MULTIPART(body))
      Object(body, prefix, depth, false);
    else
      Object(body, prefix.empty() ? "1" : prefix + ".1", depth, false);
  }

  // `path` is this object's part number; multiparts number their children.
  void Object(GMimeObject* o, const std::string& path, uint32_t depth,
              bool has_plain_sibling) {
    if (++out.parts > limits.max_parts) {
      if (out.parts == limits.max_parts + 1)
        Skip(path, "", "",
             "more than " + std::to_string(limits.max_parts) +
                 " MIME parts; the rest were not read");
      return;
    }
    std::string type = TypeOf(o);
    if (GMIME_IS_MULTIPART(o)) {
      GMimeMultipart* mp = GMIME_MULTIPART(o);
      int n = g_mime_multipart_get_count(mp);
      bool alternative = type == "multipart/alternative";
      bool plain = false;
      if (alternative)
        for (int i = 0; i < n; ++i)
          plain |= TypeOf(g_mime_multipart_get_part(mp, i)) == "text/plain";
      for (int i = 0; i < n; ++i) {
        std::string child =
            (path.empty() ? "" : path + ".") + std::to_string(i + 1);
        Object(g_mime_multipart_get_part(mp, i), child, depth,
               alternative && plain);
      }
      return;
    }
    if (GMIME_IS_MESSAGE_PART(o)) {
      GMimeMessage* inner =
          g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
      if (!inner) return;
      if (depth + 1 > limits.max_depth) {
        Skip(path, type, "",
             "attached messages nested deeper than " +
                 std::to_string(limits.max_depth));
        return;
      }
      Message(inner, path, depth + 1);
      return;
    }
    if (!GMIME_IS_PART(o)) return;
    GMimePart* part = GMIME_PART(o);
    const char* fn = g_mime_part_get_filename(part);
    std::string filename = fn ? core::ToUtf8(fn) : "";
    if (!filename.empty()) {
      // In the name view, '_' separates words ("IEP_Garcia.pdf"); same length,
      // so offsets still point into the real name.
      std::string words = filename;
      std::replace(words.begin(), words.end(), '_', ' ');
      out.texts.push_back({path, core::View::kFilename, type, filename, words});
    }
    // A named part is a file, read by what it is whatever its declared
    // type: a program or a table sent as text/plain is still one.
    bool plain = filename.empty() &&
                 (type == "text/plain" || type == "message/delivery-status" ||
                  type == "text/enriched" || type == "text/markdown");
    if ((type == "text/html" || type == "application/xhtml+xml") &&
        has_plain_sibling)
      return;  // its plain-text alternative says the same
    if (!ctx.InTime(path)) return;
    std::string bytes;
    bool whole = DecodedBytes(part, limits.max_part_bytes, &bytes);
    if (!whole)
      Skip(path, type, filename,
           "part larger than " + std::to_string(limits.max_part_bytes) +
               " bytes; only the start was read");
    std::string charset = Charset(o);
    if (plain) {
      if ((path == "1" || path == "1.1") && out.message.is_message &&
          depth == 0 && InlinePgp(bytes))
        out.message.encrypted = true;
      out.texts.push_back({path, core::View::kBody, type, filename,
                           core::DecodeText(bytes, charset), charset});
      return;
    }
    if (!limits.read_documents &&
        !(filename.empty() &&
          (type == "text/html" || type == "application/xhtml+xml"))) {
      Skip(path, type, filename,
           std::string(kNotOpened) + " (" + std::to_string(bytes.size()) +
               " bytes)");
      return;
    }
    // Attachments, HTML, calendars, documents: read by what they are.
    ExtractDocument(bytes, {path, filename, type, charset}, depth, ctx);
  }
};

}  // namespace

std::string MessageFacts::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

void InitMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

void ReadMessage(std::string_view bytes, const Declared& file, uint32_t depth,
                 Context& ctx) {
  InitMime();
  auto as_text = [&](std::string_view text, core::View view) {
    ctx.out().texts.push_back(
        {file.path, view, "text/plain", file.name, core::DecodeText(text)});
  };
  HeaderCut cut;
  const std::optional<std::string> capped = CapHeader(bytes, &cut);
  if (capped) {
    ctx.Skip(file.path, "message/rfc822", file.name, cut.Reason());
    if (cut.fields != 0 || cut.sender)
      ctx.AddFlag(
          file.path, kMalformed,
          cut.fields != 0
              ? "more than " + std::to_string(kHeaderFields) + " header fields"
              : "a From or Sender field over " +
                    std::to_string(kAddressFieldBytes >> 10) + " KiB");
    bytes = *capped;
  }
  gmime::ParsedMessage parsed(bytes, ctx.limits().max_parts);
  GMimeMessage* m = parsed.get();
  if (!m) {
    ctx.Skip(file.path, "message/rfc822", file.name, "not a readable message");
    // Still inspect the bytes as text: a broken message may hold data.
    as_text(bytes, core::View::kBody);
  } else {
    if (file.path.empty() && depth == 0) {
      ReadFacts(m, ctx.out().message);
      ctx.out().message.from_unread |=
          cut.sender || SenderFieldHoldsNul(RawHeaderBlock(bytes));
    }
    Walker w{ctx, std::string(RawHeaderBlock(bytes))};
    w.Message(m, file.path, depth);
    // The walk stops at max_parts too, where the parser was given more:
    // the rest is then read as text as well (under a finding of its own).
    const size_t max_parts = ctx.limits().max_parts;
    if (parsed.limit().empty() && ctx.out().parts > max_parts) {
      const size_t rest = gmime::BoundaryLinesEnd(bytes, max_parts);
      if (rest < bytes.size()) {
        ctx.AddFlag(file.path, kMalformed,
                    "more than " + std::to_string(max_parts) + " MIME parts");
        as_text(bytes.substr(rest), core::View::kBody);
      }
    } else if (!parsed.limit().empty()) {
      ctx.AddFlag(file.path, kMalformed, parsed.limit());
      const size_t read = parsed.parsed();
      ctx.Skip(file.path, "message/rfc822", file.name,
               "the message's parts past byte " + std::to_string(read) +
                   " were not read as parts (" + parsed.limit() + "); their " +
                   std::to_string(bytes.size() - read) +
                   " bytes were inspected as plain text");
      as_text(bytes.substr(read), core::View::kBody);
    }
  }
  // What the header cut left out, after the views the walk made.
  if (!cut.fields_left.empty())
    as_text(HeaderView(cut.fields_left, /*subject=*/true),
            core::View::kHeaders);
  if (!cut.addresses_left.empty() && ctx.limits().address_view)
    as_text(cut.addresses_left, core::View::kAddresses);
}

Extracted ExtractMessage(std::string_view bytes, const Limits& limits) {
  Extracted out;
  Context ctx(limits, out);
  ReadMessage(bytes, {}, 0, ctx);
  return out;
}

void SplitMbox(std::string_view bytes,
               const std::function<bool(std::string_view)>& on_message) {
  core::ForEachMboxRecord(bytes, [&](const core::MboxRecord& r) {
    return on_message(bytes.substr(r.start, r.end - r.start));
  });
}

}  // namespace steward::extract
