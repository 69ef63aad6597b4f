// A mailbox on an IMAP server as a records source, through libetpan. Each
// folder is opened read-only (EXAMINE) and messages are read with
// BODY.PEEK[], so indexing changes no flag of the owner's mail; a message
// is removed with UID STORE \Deleted and UID EXPUNGE of that one UID
// (UIDPLUS, which the server must offer), so nothing else in the folder is
// expunged. Messages are known by folder, UIDVALIDITY and UID.
//
// The password is never logged nor kept past the connection's login; the
// server is reached with a network timeout, so a silent server cannot hang
// an index run. The connection is encrypted before the login — STARTTLS on
// imap://, TLS from the start on imaps:// — and the server's certificate
// must be valid for the host named and issued by a trusted authority (the
// system's, or the one given); plain text only when asked for by name.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "records/source.h"

namespace steward::records {

// How the connection is protected.
enum class ImapTls {
  kStartTls,  // imap:// (143): STARTTLS, required, before the login
  kImplicit,  // imaps:// (993): TLS from the first byte
  kNone,      // imap:// in plain text: passwords readable on the network
};

struct ImapAccount {
  std::string host;  // "127.0.0.1", "mail.example.org"
  uint16_t port = 143;
  std::string user;  // "bob", or "bob*steward" for a Dovecot master user
  std::string password;
  ImapTls tls = ImapTls::kStartTls;
  // PEM file of the authorities that may issue the server's certificate;
  // "": the system's (/etc/ssl/certs).
  std::string ca_file;
  int timeout_seconds = 30;
  // The register's name for the mailbox: "imap://HOST:PORT/MAILBOX" (or
  // imaps://) where MAILBOX is the user's name before any master-user
  // separator. STARTTLS or not, the mailbox is the same: so is its name.
  std::string Name() const;
};

// "starttls", "imaps", "none".
std::optional<ImapTls> ParseImapTls(std::string_view s);

// Connects and logs in; an I/O error naming the server when it cannot be
// reached, Invalid when the login is refused.
core::Result<std::unique_ptr<Source>> OpenImap(const ImapAccount& account);

// "imap://USER@HOST:PORT" or "imaps://USER@HOST:PORT" in an --imap flag's
// form, with the password given apart (a file); imaps:// is TLS from the
// start on port 993 by default. Invalid naming what is wrong.
core::Result<ImapAccount> ParseImapUrl(const std::string& url);

}  // namespace steward::records
