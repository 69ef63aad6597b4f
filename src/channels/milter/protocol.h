// The milter protocol (version 6, as Postfix and Sendmail speak it), as a
// state machine over bytes: no sockets, no threads, no engine. The door's
// connections (event_loop.h) feed it what the MTA sent and write back what
// it answers; the fuzz target and the tests feed it anything.
//
// A packet is a 32-bit length in network order (counting the command byte),
// a command byte and its data. What the door does with each command:
//   O  negotiate: the actions (add header fields, set macro lists) and the
//      steps it skips (HELO, DATA, unknown commands); on a unix socket also
//      "no reply" for connect, MAIL, RCPT, header fields, end of header and
//      body chunks; the macros it wants: {auth_authen} at MAIL, i at the end
//   D  macros for the next command, kept per step
//   C  the client's name;  M  the sender;  R  a recipient (at most
//      kMaxRecipients, of kMaxRecipientBytes together; past them they are
//      counted, not kept; an address or a host name of at most 2 KiB, a
//      macro's value 4 KiB)
//   L  a header field;  N  end of the header;  B  a body chunk
//   E  end of message: the message is ready (Next() says kMessage); the
//      caller decides and gives the answer to Answer()
//   A  abort the message;  K  quit, a new connection follows;  Q  quit
//   H, T, U  answered "continue" (skipped when the MTA honours the flags)
// The message is rebuilt as "Name: value\r\n" fields, a blank line and the
// body, kept up to `keep` bytes; its size counts all of it.
//
// Bad bytes are a value, never an exception: a packet longer than
// kMaxPacket, of length 0, of an unknown command, with data that does not
// parse, or a command out of order makes Next() return kError with a
// sentence naming the command and what is wrong; the connection is then
// closed (the MTA applies its milter_default_action).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace steward::milter {

// The largest packet read: Postfix and Sendmail send body chunks of at most
// 64 KiB; larger sizes are only negotiated on request, which the door never
// makes. A little more is accepted for long header fields.
inline constexpr size_t kMaxPacket = (size_t{1} << 20) + 64;

// Recipients a message keeps, and their bytes together (Postfix passes at
// most smtpd_recipient_limit, 1,000 by default).
inline constexpr size_t kMaxRecipients = 10000;
inline constexpr size_t kMaxRecipientBytes = size_t{2} << 20;

// A message as the MTA passed it, with its envelope.
struct Message {
  std::string client;  // the connecting host's name as the MTA gave it
  std::string sender;  // without <>
  std::string auth_user;
  std::vector<std::string> recipients;  // without <>
  uint64_t recipients_dropped = 0;      // past the bounds above
  std::string queue_id;                 // macro i at end of message
  std::string bytes;                    // header fields, blank line, body
  uint64_t size = 0;                    // all of it, even past what is kept
};

// The answer to a message.
struct Answer {
  enum class Kind { kAccept, kDiscard, kReject, kTempfail };
  Kind kind = Kind::kAccept;
  // Fields added on acceptance, in order.
  std::vector<std::pair<std::string, std::string>> fields;
  // For kReject and kTempfail: "550" / "5.7.1" and a text of any length or
  // bytes; it is made safe for SMTP (printable ASCII, '%' doubled) and cut
  // into at most 8 lines of 200 characters.
  std::string code, xcode, text;
};

class Conversation {
 public:
  enum class Next { kNeedMore, kMessage, kClosed, kError };

  // The room an idle connection's buffers (input, message, answers) keep
  // for the next message at most: 4,096 connections of it are a quarter of
  // the default --max-held-mb, so connections that end their messages and
  // hold on cannot fill it. (The memory budget ranks connections by what
  // they hold of the MTA's bytes, live(), not by this room.)
  static constexpr size_t kRetained = size_t{64} << 10;

  // `noreply_allowed`: whether steps may be negotiated without replies (on
  // a unix socket; on TCP they make Postfix wait on delayed ACKs).
  // `keep`: bytes of a message kept at most.
  Conversation(bool noreply_allowed, uint64_t keep);

  // Bytes from the MTA.
  void Feed(std::string_view bytes);
  // Reads packets until a message is ready, more bytes are needed, the MTA
  // quit, or an error (error() says what). After kMessage, call
  // Answer() before Next() again; after kClosed or kError, stop.
  Next Process();

  // The message of the last kMessage.
  Message& message() { return message_; }
  // Writes the answer to the message of the last kMessage and starts a new
  // one (the client stays).
  void Reply(const Answer& answer);

  // Bytes to send to the MTA; the caller removes what it sent.
  std::string& output() { return out_; }
  const std::string& error() const { return error_; }
  // Bytes fed and not yet read (a partial packet).
  size_t pending() const { return in_.size() - pos_; }
  // Memory this conversation holds for its MTA: input, the message kept so
  // far, its recipients and macros, answers not yet sent. (The other
  // envelope strings are an address or host name of at most 2 KiB.)
  size_t held() const {
    return in_.capacity() + message_.bytes.capacity() + out_.capacity() +
           envelope_bytes_ + MacroBytes();
  }
  // Of that, what the MTA's bytes fill now: without the room buffers keep
  // for the next message, which an idle connection holds too.
  size_t live() const {
    return pending() + message_.bytes.size() + out_.size() + envelope_bytes_ +
           MacroBytes();
  }
  // Packets read whole so far.
  uint64_t packets() const { return packets_; }

 private:
  size_t MacroBytes() const {
    size_t macros = 0;
    for (size_t b : macro_bytes_) macros += b;
    return macros;
  }
  Next Handle(char command, std::string_view data);
  Next Negotiate(std::string_view data);
  Next Macros(std::string_view data);
  std::string Macro(std::string_view name) const;
  void Continue(uint32_t noreply_flag);
  Next Fail(char command, const std::string& what);  // kError
  void Append(std::string_view data);
  void ClearMessage();  // the client stays
  void NewMessage();    // and macros of the message's steps go

  bool noreply_allowed_;
  uint64_t keep_;
  bool negotiated_ = false;
  uint32_t noreply_ = 0;  // steps negotiated without replies
  std::string in_;
  size_t pos_ = 0;
  uint64_t packets_ = 0;
  size_t envelope_bytes_ = 0;   // the recipients kept, as held
  size_t recipient_bytes_ = 0;  // their addresses' bytes
  std::string out_;
  std::string error_;
  Message message_;
  bool in_message_ = false;  // between MAIL and the end or an abort
  bool answering_ = false;   // a message is ready and not yet answered
  // Macros by step: connect, HELO, MAIL, RCPT, DATA, end of header, end of
  // message. Names are kept without braces.
  std::vector<std::pair<std::string, std::string>> macros_[7];
  size_t macro_bytes_[7] = {};             // what each step's macros hold
  std::vector<std::string_view> strings_;  // a packet's strings, reused
};

// Writes one packet.
void AppendPacket(std::string& out, char command, std::string_view data);

// The reply text as one SMTP reply of up to 8 lines ("550-5.7.1 a\r\n550
// 5.7.1 b"), printable ASCII with '%' doubled (the MTA undoes it).
std::string ReplyText(const std::string& code, const std::string& xcode,
                      const std::string& text);

}  // namespace steward::milter
