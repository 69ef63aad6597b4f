// RFC 5322 / MIME messages through GMime: every text part decoded to UTF-8
// (transfer encoding and charset), the subject and address headers as their
// own views, attachment names and types, nested message/rfc822 followed to
// Limits::max_depth. HTML parts with a plain-text alternative are covered by
// it; other non-text parts are reported as Skipped for now.
//
// Thread-safe once InitMime() has run (it is called for you, once).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "extract/part.h"

namespace steward::extract {

void InitMime();

// The reason of a Skipped entry for a part left unread because
// Limits::read_documents is off; its decoded size follows in parentheses.
inline constexpr std::string_view kNotOpened = "an attachment, not opened";

// Extracts one message from its bytes. Never fails: what cannot be parsed is
// a Skipped entry naming the part.
Extracted ExtractMessage(std::string_view bytes, const Limits& limits);

// Splits an mbox into messages (the "From " lines), calling `on_message`
// with each message's bytes in order. Stops when it returns false.
void SplitMbox(std::string_view bytes,
               const std::function<bool(std::string_view)>& on_message);

}  // namespace steward::extract
