// Mail that Steward itself sends (acknowledgement reminders, the doors'
// notices to senders, released messages re-injected): one place that turns
// fields into a message and hands it to the local MTA.
//
// The contract, whatever the caller's values hold:
//  - every header field is one logical line: text values have their control
//    characters (CR, LF, TAB, NUL, DEL, C1) turned into spaces, and a value
//    that is not plain printable ASCII is written as RFC 2047 encoded words
//    (UTF-8, base64), folded so no line passes 78 characters;
//  - addresses are checked, never encoded: an address that is not a plain
//    `local@domain` (dot-atom ASCII, no quotes, comments, spaces, angle
//    brackets or leading '-') is refused with a message naming it;
//  - the header fields are exactly those the message names, in a fixed order;
//    extra fields are checked names from the caller (never From, To, Cc, Bcc,
//    Subject, or the MIME fields this module writes);
//  - recipients travel on the command line (`sendmail -i -f FROM -- RCPT…`),
//    so no header the MTA reads with -t can add one.
// Stateless and thread-safe; errors are values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace steward::core {

struct Mailbox {
  std::string address;       // local@domain, checked by CheckMailAddress
  std::string display_name;  // optional; any text, encoded as needed
};

struct OutboundMessage {
  Mailbox from;
  std::vector<Mailbox> to;  // at least one; each also an envelope recipient
  std::string subject;      // any text
  // Further fields in order, e.g. {"Auto-Submitted", "auto-generated"}. Names
  // are RFC 5322 field names; values are unstructured text, encoded as needed.
  std::vector<std::pair<std::string, std::string>> extra_headers;
  std::string body;  // UTF-8 plain text; any line ends
};

struct SendmailOptions {
  std::string program = "/usr/sbin/sendmail";  // sendmail-compatible
  uint32_t seconds = 30;  // the program is killed after this
};

// OK when `address` is a plain addr-spec Steward will put in a header and on
// a command line; otherwise Invalid naming it.
Status CheckMailAddress(std::string_view address);

// The message as the MTA receives it: header fields, a blank line, the body,
// with LF line ends (sendmail's local-submission convention). Fields: From,
// To, Subject, the extra ones, MIME-Version, Content-Type (text/plain;
// charset=utf-8), Content-Transfer-Encoding (8bit, or quoted-printable when
// a body line is too long or the body is not valid UTF-8). Invalid when an
// address or an extra field's name is refused, or there is no recipient.
Result<std::string> ComposeMessage(const OutboundMessage& message);

// The argument vector for the MTA: program, -i, -f FROM, --, recipients.
std::vector<std::string> SendmailArgv(const SendmailOptions& options,
                                      const OutboundMessage& message);

// Composes and sends through `options.program`, bounded in time and output.
// An error names what went wrong (a refused address, the program's exit
// status, a time-out); nothing is retried.
Status SendMessage(const SendmailOptions& options,
                   const OutboundMessage& message);

// Hands a message someone else wrote (a released message) back to the MTA
// as it is: `sendmail -G -i -f SENDER -- RCPT…` with the bytes on standard
// input ("<>" for an empty sender). Every address is checked as above;
// bounded in time and output like SendMessage.
Status ReinjectMessage(const SendmailOptions& options, std::string_view bytes,
                       const std::string& sender,
                       const std::vector<std::string>& recipients);

// A header value as it is written after "Name: " (for tests and for callers
// that must show it): control characters become spaces; printable ASCII is
// kept (folded at spaces); anything else becomes RFC 2047 encoded words.
// `used` is how many characters the line holds before the value.
std::string EncodeHeaderValue(std::string_view value, size_t used);

}  // namespace steward::core
