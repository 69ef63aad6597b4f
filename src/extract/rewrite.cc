#include "extract/rewrite.h"

#include <gmime/gmime.h>

#include <functional>
#include <memory>

#include "core/text.h"
#include "extract/gmime_parts.h"
#include "extract/mime.h"

namespace steward::extract {

namespace {

using gmime::Owned;
using gmime::ParsedMessage;
using gmime::TypeOf;

// Fields that are the structure of the message, not what anyone wrote.
bool Structural(std::string_view name) {
  static constexpr std::string_view kFields[] = {
      "content-type", "content-transfer-encoding", "mime-version",
      "content-disposition"};
  for (std::string_view f : kFields)
    if (core::AsciiLower(name) == f) return true;
  return false;
}

// A new text/plain part holding `text`, quoted-printable, UTF-8.
GMimeObject* TextPart(const std::string& text) {
  GMimeTextPart* p = g_mime_text_part_new_with_subtype("plain");
  g_mime_text_part_set_charset(p, "utf-8");
  g_mime_text_part_set_text(p, text.c_str());
  g_mime_part_set_content_encoding(GMIME_PART(p),
                                   GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return GMIME_OBJECT(p);
}

// Sets a leaf part's content to `text`, UTF-8, quoted-printable.
void SetText(GMimePart* part, const std::string& text) {
  GMimeStream* s = g_mime_stream_mem_new_with_buffer(text.data(), text.size());
  GMimeDataWrapper* w =
      g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content(part, w);
  g_object_unref(w);
  g_object_unref(s);
  GMimeContentType* ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
  if (ct) g_mime_content_type_set_parameter(ct, "charset", "utf-8");
  g_mime_part_set_content_encoding(part,
                                   GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
}

// Sets a leaf part's content to `bytes`, base64.
void SetBytes(GMimePart* part, const std::string& bytes) {
  GMimeStream* s =
      g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
  GMimeDataWrapper* w =
      g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content(part, w);
  g_object_unref(w);
  g_object_unref(s);
  g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
}

bool AddressField(std::string_view name) {
  static constexpr std::string_view kFields[] = {
      "from",   "to",          "cc",        "bcc",      "reply-to",
      "sender", "resent-from", "resent-to", "resent-cc"};
  for (std::string_view f : kFields)
    if (core::AsciiLower(name) == f) return true;
  return false;
}

// A mailbox whose address itself was redacted gets this one.
constexpr const char* kRedactedAddress = "redacted@redacted.invalid";

struct Rewriter {
  const RewriteEdits& edits;
  const Limits& limits;
  Rewritten& out;
  uint32_t parts = 0;
  std::string error;

  void Headers(GMimeObject* o) {
    if (!edits.header) return;
    GMimeHeaderList* hl = g_mime_object_get_header_list(o);
    const int n = hl ? g_mime_header_list_get_count(hl) : 0;
    for (int i = 0; i < n; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(hl, i);
      const char* name = g_mime_header_get_name(h);
      const char* value = g_mime_header_get_value(h);
      if (!name || Structural(name)) continue;
      const std::string old = core::ToUtf8(value ? value : "");
      if (AddressField(name)) {
        Addresses(h, name, old);
        continue;
      }
      std::string now = edits.header(name, old);
      if (now == old) continue;
      g_mime_header_set_value(h, nullptr, now.c_str(), "utf-8");
      ++out.changed;
    }
  }

  // An address field is edited name by name and address by address, so
  // that what takes a name's place is quoted as a name and the field stays
  // a list of addresses.
  void Addresses(GMimeHeader* h, const char* name, const std::string& value) {
    Owned<InternetAddressList> list(
        internet_address_list_parse(nullptr, value.c_str()));
    if (!list) {
      std::string now = edits.header(name, value);
      if (now != value) {
        g_mime_header_set_value(h, nullptr, now.c_str(), "utf-8");
        ++out.changed;
      }
      return;
    }
    bool changed = false;
    std::function<void(InternetAddressList*)> walk =
        [&](InternetAddressList* l) {
          const int n = internet_address_list_length(l);
          for (int i = 0; i < n; ++i) {
            InternetAddress* a = internet_address_list_get_address(l, i);
            if (const char* nm = internet_address_get_name(a)) {
              const std::string old = core::ToUtf8(nm);
              std::string now = edits.header(name, old);
              if (now != old) {
                internet_address_set_name(a, now.c_str());
                changed = true;
              }
            }
            if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
              InternetAddressMailbox* mb = INTERNET_ADDRESS_MAILBOX(a);
              const char* addr = internet_address_mailbox_get_addr(mb);
              const std::string old = addr ? addr : "";
              if (edits.header(name, old) != old) {
                internet_address_mailbox_set_addr(mb, kRedactedAddress);
                changed = true;
              }
            } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
              walk(internet_address_group_get_members(
                  INTERNET_ADDRESS_GROUP(a)));
            }
          }
        };
    walk(list.get());
    std::string now = value;
    if (changed) {
      char* text = internet_address_list_to_string(list.get(), nullptr, FALSE);
      now = text ? text : "";
      g_free(text);
    }
    // What the list's parts did not hold (a phrase GMime reads as no
    // address at all): the field as a whole, as text.
    std::string whole = edits.header(name, now);
    if (whole != now) {
      now = std::move(whole);
      changed = true;
    }
    if (!changed) return;
    g_mime_header_set_value(h, nullptr, now.c_str(), "utf-8");
    ++out.changed;
  }

  // Rewrites `o`; returns the object that takes its place (itself, or a
  // notice), or null after an error.
  GMimeObject* Object(GMimeObject* o, const std::string& path, uint32_t depth) {
    if (++parts > limits.max_parts) {
      error = "more than " + std::to_string(limits.max_parts) + " MIME parts";
      return nullptr;
    }
    Headers(o);
    if (GMIME_IS_MULTIPART(o)) {
      GMimeMultipart* mp = GMIME_MULTIPART(o);
      g_mime_multipart_set_prologue(mp, nullptr);
      g_mime_multipart_set_epilogue(mp, nullptr);
      const int n = g_mime_multipart_get_count(mp);
      for (int i = 0; i < n; ++i) {
        GMimeObject* child = g_mime_multipart_get_part(mp, i);
        GMimeObject* now = Object(
            child, (path.empty() ? "" : path + ".") + std::to_string(i + 1),
            depth);
        if (!now) return nullptr;
        if (now != child) {
          GMimeObject* old = g_mime_multipart_replace(mp, i, now);
          if (old) g_object_unref(old);
          g_object_unref(now);
        }
      }
      return o;
    }
    if (GMIME_IS_MESSAGE_PART(o)) {
      GMimeMessage* inner =
          g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
      if (!inner) return o;
      if (depth + 1 > limits.max_depth) {
        error = "attached messages nested deeper than " +
                std::to_string(limits.max_depth);
        return nullptr;
      }
      return Message(inner, path, depth + 1) ? o : nullptr;
    }
    if (!GMIME_IS_PART(o)) return o;
    GMimePart* part = GMIME_PART(o);
    LeafPart leaf;
    leaf.path = path;
    leaf.content_type = TypeOf(o);
    const char* fn = g_mime_part_get_filename(part);
    leaf.filename = fn ? core::ToUtf8(fn) : "";
    leaf.text = leaf.content_type.starts_with("text/");
    std::string bytes;
    if (!gmime::DecodedBytes(part, limits.max_part_bytes, &bytes)) {
      error = "part " + path + " is larger than " +
              std::to_string(limits.max_part_bytes) + " bytes";
      return nullptr;
    }
    if (leaf.text) {
      bytes = core::DecodeText(bytes, gmime::Charset(o));
    }
    leaf.content = bytes;
    PartEdit e = edits.part ? edits.part(leaf) : PartEdit{};
    if (e.kind == PartEdit::Kind::kWithhold) {
      ++out.withheld;
      ++out.changed;
      return TextPart(e.text);
    }
    if (e.kind == PartEdit::Kind::kReplace && e.text != bytes) {
      SetText(part, e.text);
      ++out.changed;
    }
    if (e.kind == PartEdit::Kind::kReplaceBytes) {
      SetBytes(part, e.text);
      ++out.changed;
    }
    // The file name as it is now; a Content-Type name that says another
    // thing (a second name, which readers may show) is made the same.
    const std::string name = e.filename.empty() ? leaf.filename : e.filename;
    GMimeContentType* ct = g_mime_object_get_content_type(o);
    const char* np =
        ct ? g_mime_content_type_get_parameter(ct, "name") : nullptr;
    if ((!e.filename.empty() && e.filename != leaf.filename) ||
        (np && !name.empty() && core::ToUtf8(np) != name)) {
      g_mime_part_set_filename(part, name.c_str());
      ++out.changed;
    }
    return o;
  }

  bool Message(GMimeMessage* m, const std::string& prefix, uint32_t depth) {
    Headers(GMIME_OBJECT(m));
    GMimeObject* body = g_mime_message_get_mime_part(m);
    if (!body) return true;
    GMimeObject* now = Object(body,
                              GMIME_IS_MULTIPART(body)
                                  ? prefix
                                  : (prefix.empty() ? "1" : prefix + ".1"),
                              depth);
    if (!now) return false;
    if (now != body) {
      g_mime_message_set_mime_part(m, now);
      g_object_unref(now);
    }
    return true;
  }
};

}  // namespace

core::Result<Rewritten> RewriteMessage(std::string_view bytes,
                                       const RewriteEdits& edits,
                                       const Limits& limits) {
  InitMime();
  if (bytes.size() > limits.max_item_bytes)
    return core::Status::Invalid("message larger than " +
                                 std::to_string(limits.max_item_bytes) +
                                 " bytes");
  ParsedMessage m(bytes, limits.max_parts);
  if (!m.get()) return core::Status::Invalid("not a readable message");
  // Written back from a part of it, the message would lose the rest.
  if (!m.limit().empty())
    return core::Status::Invalid("the message has " + m.limit() +
                                 "; it cannot be rewritten part by part");
  Rewritten out;
  Rewriter r{edits, limits, out};
  if (!r.Message(m.get(), "", 0)) return core::Status::Invalid(r.error);
  Owned<GMimeStream> mem(g_mime_stream_mem_new());
  if (g_mime_object_write_to_stream(GMIME_OBJECT(m.get()), nullptr, mem.get()) <
      0)
    return core::Status::Internal("the rewritten message could not be written");
  GByteArray* arr =
      g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  out.bytes.assign(reinterpret_cast<const char*>(arr->data), arr->len);
  return out;
}

}  // namespace steward::extract
