// A mailbox on an IMAP server as a records source, through libetpan. Each
// folder is opened read-only (EXAMINE) and messages are read with
// BODY.PEEK[], so indexing changes no flag of the owner's mail; a message
// is removed with UID STORE \Deleted and UID EXPUNGE of that one UID
// (UIDPLUS, which the server must offer), so nothing else in the folder is
// expunged. Messages are known by folder, UIDVALIDITY and UID.
//
// The password is never logged nor kept past the connection's login; the
// server is reached with a network timeout, so a silent server cannot hang
// an index run.
#pragma once

#include <memory>
#include <string>

#include "records/source.h"

namespace steward::records {

struct ImapAccount {
  std::string host;     // "127.0.0.1", "mail.example.org"
  uint16_t port = 143;  // plain IMAP on a trusted network (STARTTLS: not yet)
  std::string user;     // "bob", or "bob*steward" for a Dovecot master user
  std::string password;
  int timeout_seconds = 30;
  // The register's name for the mailbox: "imap://HOST:PORT/MAILBOX" where
  // MAILBOX is the user's name before any master-user separator.
  std::string Name() const;
};

// Connects and logs in; an I/O error naming the server when it cannot be
// reached, Invalid when the login is refused.
core::Result<std::unique_ptr<Source>> OpenImap(const ImapAccount& account);

// "imap://host:port/user" in an --imap flag's form, with the password given
// apart (a file). Invalid naming what is wrong.
core::Result<ImapAccount> ParseImapUrl(const std::string& url);

}  // namespace steward::records
