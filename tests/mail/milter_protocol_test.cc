// The milter protocol as the door speaks it (channels/milter/protocol.h),
// byte for byte: what Postfix is told at negotiation, how a message is
// rebuilt, what each answer looks like on the wire, and bad packets.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "channels/milter/protocol.h"
#include "milter_wire.h"

namespace steward::milter {
namespace {

using wire::Be32;
using wire::Packet;
using wire::Strings;

struct Reply {
  char command;
  std::string data;
};

// The packets of what the door wrote.
std::vector<Reply> Replies(const std::string& out) {
  std::vector<Reply> r;
  size_t pos = 0;
  while (pos + 5 <= out.size()) {
    const auto* u = reinterpret_cast<const unsigned char*>(out.data() + pos);
    uint32_t len = (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
                   (uint32_t{u[2]} << 8) | u[3];
    r.push_back({out[pos + 4], out.substr(pos + 5, len - 1)});
    pos += 4 + len;
  }
  EXPECT_EQ(pos, out.size()) << "a partial packet was written";
  return r;
}

// What Postfix 3.7 offers: version 6, every action, every step flag.
std::string Offer() {
  return Packet('O', Be32(6) + Be32(0x1ff) + Be32(0x1fffff));
}

// One message as Postfix sends it with the door's flags.
std::string MessagePackets(const std::string& body = "Hello.\r\n") {
  return Packet('D', "C" + Strings({"j", "mx.example-usd.org"})) +
         Packet('C', Strings({"client.example-usd.org"}) + "4" +
                         std::string("\x00\x19", 2) + Strings({"10.0.0.7"})) +
         Packet('D', "M" + Strings({"{auth_authen}", "ateacher"})) +
         Packet('M', Strings({"<ateacher@example-usd.org>", "SIZE=100"})) +
         Packet('R', Strings({"<parent@gmail.com>"})) +
         Packet('R', Strings({"<colleague@example-usd.org>"})) +
         Packet('L', Strings({"Subject", "Field trip"})) +
         Packet('L',
                Strings({"From", "A Teacher <ateacher@example-usd.org>"})) +
         Packet('N', "") + Packet('B', body) +
         Packet('D', "E" + Strings({"i", "4F2A1C0D3"})) + Packet('E', "");
}

TEST(MilterProtocol, NegotiatesOnAUnixSocketWithoutRepliesAndOnlyTwoMacros) {
  Conversation c(/*noreply_allowed=*/true, 1 << 20);
  c.Feed(Offer());
  EXPECT_EQ(c.Process(), Conversation::Next::kNeedMore);
  auto r = Replies(c.output());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].command, 'O');
  ASSERT_GE(r[0].data.size(), 12u);
  EXPECT_EQ(r[0].data.substr(0, 4), Be32(6));
  EXPECT_EQ(r[0].data.substr(4, 4), Be32(0x101));  // add fields, macro lists
  // Skips HELO, DATA and unknown commands; no replies before the end.
  EXPECT_EQ(r[0].data.substr(8, 4), Be32(0x2 | 0x100 | 0x200 | 0x1000 | 0x4000 |
                                         0x8000 | 0x80 | 0x40000 | 0x80000));
  const std::string lists = r[0].data.substr(12);
  EXPECT_NE(lists.find(Be32(2) + std::string("{auth_authen}\0", 14)),
            std::string::npos);
  EXPECT_NE(lists.find(Be32(5) + std::string("i\0", 2)), std::string::npos);
}

TEST(MilterProtocol, OnTcpEveryStepIsAnswered) {
  Conversation c(/*noreply_allowed=*/false, 1 << 20);
  c.Feed(Offer());
  c.Process();
  auto r = Replies(c.output());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].data.substr(8, 4), Be32(0x2 | 0x100 | 0x200));
  c.output().clear();
  c.Feed(MessagePackets());
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  // connect, MAIL, two RCPT, two fields, end of header, one body chunk.
  auto steps = Replies(c.output());
  EXPECT_EQ(steps.size(), 8u);
  for (const auto& s : steps) EXPECT_EQ(s.command, 'c');
}

TEST(MilterProtocol, RebuildsTheMessageAndItsEnvelope) {
  Conversation c(true, 1 << 20);
  c.Feed(Offer() + MessagePackets("Line one.\r\nLine two.\r\n"));
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  EXPECT_EQ(Replies(c.output()).size(), 1u) << "only the negotiation";
  const Message& m = c.message();
  EXPECT_EQ(m.client, "client.example-usd.org");
  EXPECT_EQ(m.sender, "ateacher@example-usd.org");
  EXPECT_EQ(m.auth_user, "ateacher");
  EXPECT_EQ(m.queue_id, "4F2A1C0D3");
  EXPECT_EQ(m.recipients,
            (std::vector<std::string>{"parent@gmail.com",
                                      "colleague@example-usd.org"}));
  const std::string bytes =
      "Subject: Field trip\r\nFrom: A Teacher <ateacher@example-usd.org>\r\n"
      "\r\nLine one.\r\nLine two.\r\n";
  EXPECT_EQ(m.bytes, bytes);
  EXPECT_EQ(m.size, bytes.size());
}

TEST(MilterProtocol, ByteByByteGivesTheSameMessageAndAnswers) {
  const std::string all = Offer() + MessagePackets() + MessagePackets("x");
  Conversation whole(true, 1 << 20), bytes(true, 1 << 20);
  whole.Feed(all);
  std::vector<std::string> a, b;
  Answer accept;
  accept.fields = {{"X-Steward-Verdict", "allow"}};
  for (Conversation::Next n;
       (n = whole.Process()) == Conversation::Next::kMessage;) {
    a.push_back(whole.message().bytes + "|" + whole.message().sender);
    whole.Reply(accept);
  }
  for (char ch : all) {
    bytes.Feed(std::string_view(&ch, 1));
    while (bytes.Process() == Conversation::Next::kMessage) {
      b.push_back(bytes.message().bytes + "|" + bytes.message().sender);
      bytes.Reply(accept);
    }
    EXPECT_LT(bytes.pending(), all.size());
  }
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(whole.output(), bytes.output());
}

TEST(MilterProtocol, AnswersOnTheWire) {
  Conversation c(true, 1 << 20);
  c.Feed(Offer() + MessagePackets());
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  c.output().clear();
  Answer accept;
  accept.fields = {{"X-Steward-Verdict", "warn"}, {"X-Steward-Rule", "r1"}};
  c.Reply(accept);
  auto r = Replies(c.output());
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].command, 'h');
  EXPECT_EQ(r[0].data, std::string("X-Steward-Verdict\0warn\0", 23));
  EXPECT_EQ(r[2].command, 'a');

  c.output().clear();
  c.Feed(MessagePackets());
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  Answer discard;
  discard.kind = Answer::Kind::kDiscard;
  c.Reply(discard);
  r = Replies(c.output());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].command, 'd');

  c.output().clear();
  c.Feed(MessagePackets());
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  Answer reject;
  reject.kind = Answer::Kind::kReject;
  reject.code = "550";
  reject.xcode = "5.7.1";
  reject.text = "Student records (A.5) may not leave: 100% sure\r\n";
  c.Reply(reject);
  r = Replies(c.output());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].command, 'y');
  EXPECT_EQ(r[0].data,
            std::string("550 5.7.1 Student records (A.5) may not leave: 100%% "
                        "sure") +
                '\0');
  // A second message on the same connection starts clean.
  c.output().clear();
  c.Feed(Packet('M', Strings({"<other@example-usd.org>"})) + Packet('E', ""));
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  EXPECT_EQ(c.message().sender, "other@example-usd.org");
  EXPECT_TRUE(c.message().recipients.empty());
  EXPECT_TRUE(c.message().queue_id.empty());
  EXPECT_EQ(c.message().client, "client.example-usd.org");
}

TEST(MilterProtocol, ReplyTextIsSafeForSmtpAndCutIntoLines) {
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "word%" + std::to_string(i) + " ";
  long_text += "\x01\x7f caf\xc3\xa9";
  const std::string t = ReplyText("550", "5.7.1", long_text);
  size_t lines = 1, pos = 0;
  std::vector<std::string> each;
  for (size_t nl; (nl = t.find("\r\n", pos)) != std::string::npos;
       pos = nl + 2) {
    each.push_back(t.substr(pos, nl - pos));
    ++lines;
  }
  each.push_back(t.substr(pos));
  EXPECT_EQ(lines, 8u);
  for (size_t i = 0; i < each.size(); ++i) {
    EXPECT_EQ(each[i].substr(0, 10),
              i + 1 < each.size() ? "550-5.7.1 " : "550 5.7.1 ");
    EXPECT_LE(each[i].size(), 210u);
    for (unsigned char ch : each[i]) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f);
    // Every '%' is doubled: an odd run would be read as a format.
    size_t run = 0;
    for (char ch : each[i] + " ") {
      if (ch == '%') {
        ++run;
        continue;
      }
      EXPECT_EQ(run % 2, 0u) << each[i];
      run = 0;
    }
  }
  EXPECT_EQ(ReplyText("451", "4.3.0", "\x01\x02"),
            "451 4.3.0 Rejected by District policy");
}

TEST(MilterProtocol, AbortForgetsTheMessageAndItsMacros) {
  Conversation c(true, 1 << 20);
  c.Feed(Offer() + Packet('D', "M" + Strings({"{auth_authen}", "someone"})) +
         Packet('M', Strings({"<a@example-usd.org>"})) +
         Packet('R', Strings({"<b@gmail.com>"})) + Packet('A', "") +
         Packet('M', Strings({"<c@example-usd.org>"})) + Packet('E', ""));
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  EXPECT_EQ(c.message().sender, "c@example-usd.org");
  EXPECT_TRUE(c.message().recipients.empty());
  EXPECT_EQ(c.message().auth_user, "") << "a signed-in user leaked";
}

TEST(MilterProtocol, KeepsAtMostKeepBytesAndCountsAll) {
  Conversation c(true, 100);
  std::string body(50000, 'x');
  c.Feed(Offer() + MessagePackets(body));
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  EXPECT_EQ(c.message().bytes.size(), 100u);
  EXPECT_GT(c.message().size, 50000u);
}

TEST(MilterProtocol, AMessageOfTheLargestSizeHoldsNoMoreThanItKeeps) {
  // Body chunks of 64 KiB, as Postfix sends them: the kept message grows by
  // doubling, but not past `keep` (it had held up to twice that).
  const uint64_t keep = 3000000;
  Conversation c(true, keep);
  std::string m =
      Offer() + Packet('M', Strings({"<a@example-usd.org>"})) + Packet('N', "");
  for (int i = 0; i < 60; ++i) m += Packet('B', std::string(65536, 'x'));
  c.Feed(m);
  EXPECT_EQ(c.Process(), Conversation::Next::kNeedMore);
  EXPECT_EQ(c.message().bytes.size(), keep);
  EXPECT_LE(c.message().bytes.capacity(), keep + 64);
}

TEST(MilterProtocol, TheStartOfTheNextPacketDoesNotKeepALargeOnesRoom) {
  // A packet of nearly 1 MiB, then three bytes of the next: what the
  // conversation holds falls back to the room of an idle one, and the
  // next packet still reads whole when the rest of it comes.
  Conversation c(true, 2u << 20);
  const std::string next = Packet('B', "tail");
  c.Feed(Offer() + Packet('M', Strings({"<a@example-usd.org>"})) +
         Packet('N', "") + Packet('B', std::string(1000000, 'x')) +
         next.substr(0, 3));
  EXPECT_EQ(c.Process(), Conversation::Next::kNeedMore);
  EXPECT_EQ(c.pending(), 3u);
  EXPECT_LE(c.held() - c.message().bytes.capacity(), size_t{64} << 10);
  // Nor does a larger start, up to the room an idle connection keeps: the
  // room stays within twice what waits.
  Conversation d(true, 2u << 20);
  const std::string large = Packet('B', std::string(100000, 'y'));
  d.Feed(Offer() + Packet('M', Strings({"<a@example-usd.org>"})) +
         Packet('N', "") + Packet('B', std::string(1000000, 'x')) +
         large.substr(0, 60000));
  EXPECT_EQ(d.Process(), Conversation::Next::kNeedMore);
  EXPECT_EQ(d.pending(), 60000u);
  EXPECT_LE(d.held() - d.message().bytes.capacity(), 2u * 60000 + 4096);
  d.Feed(large.substr(60000) + Packet('E', ""));
  EXPECT_EQ(d.Process(), Conversation::Next::kMessage);
  EXPECT_EQ(d.message().bytes.substr(d.message().bytes.size() - 3), "yyy");
  c.Feed(next.substr(3) + Packet('E', ""));
  EXPECT_EQ(c.Process(), Conversation::Next::kMessage);
  const std::string& bytes = c.message().bytes;
  ASSERT_GT(bytes.size(), 1000004u);
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "tail");
}

TEST(MilterProtocol, QuitAndQuitWithANewConnection) {
  Conversation c(true, 1 << 20);
  c.Feed(Offer() + MessagePackets());
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  c.Reply(Answer());
  c.Feed(Packet('K', "") + Packet('M', Strings({"<x@example-usd.org>"})) +
         Packet('E', ""));
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  EXPECT_EQ(c.message().client, "local") << "the old client was kept";
  c.Reply(Answer());
  c.Feed(Packet('Q', ""));
  EXPECT_EQ(c.Process(), Conversation::Next::kClosed);
}

struct Bad {
  const char* name;
  std::string bytes;
  const char* error;
};

TEST(MilterProtocol, BadPacketsAreErrorsThatSayWhat) {
  const std::vector<Bad> cases = {
      {"zero length", Offer() + Be32(0), "a packet of length 0"},
      {"huge length", Offer() + Be32(0x7fffffff) + "B",
       "milter command 'B': a packet of 2147483647 bytes"},
      {"unknown command", Offer() + Packet('Z', ""), "'Z': unknown"},
      {"control byte", Offer() + Packet('\x01', ""), "0x01: unknown"},
      {"before negotiation", Packet('M', Strings({"<a@b>"})),
       "'M': before option negotiation"},
      {"short negotiation", Packet('O', "abc"), "'O': shorter than 12"},
      {"old version", Packet('O', Be32(1) + Be32(0) + Be32(0)),
       "protocol version 1"},
      {"twice negotiated", Offer() + Offer(), "'O': negotiation repeated"},
      {"field without value",
       Offer() + Packet('M', Strings({"<a@b>"})) +
           Packet('L', Strings({"Subject"})),
       "'L': not a name and a value"},
      {"unterminated field",
       Offer() + Packet('M', Strings({"<a@b>"})) +
           Packet('L', std::string("Subject\0Hi", 10)),
       "'L': not a name and a value"},
      {"recipient before MAIL", Offer() + Packet('R', Strings({"<a@b>"})),
       "'R': a recipient before MAIL"},
      {"body before MAIL", Offer() + Packet('B', "x"),
       "'B': a body chunk before MAIL"},
      {"end before MAIL", Offer() + Packet('E', ""), "'E': end of message"},
      {"unterminated sender", Offer() + Packet('M', "<a@b>"),
       "'M': a sender not ended by NUL"},
      // No MTA passes control characters in an address or a host name;
      // one that reached a notice or a log would write lines of its own.
      {"line break in a recipient",
       Offer() + Packet('M', Strings({"<a@example-usd.org>"})) +
           Packet('R', Strings({"<x\r\nSECOND LINE@example-usd.org>"})),
       "'R': a recipient with a control character"},
      {"escape in a sender",
       Offer() + Packet('M', Strings({"<a\x1b[2J@example-usd.org>"})),
       "'M': a sender with a control character"},
      {"line break in a host name",
       Offer() +
           Packet('C', std::string("host\nname\0", 10) + "4" +
                           std::string("\x00\x19", 2) + Strings({"10.0.0.7"})),
       "'C': a host name with a control character"},
      {"odd macros", Offer() + Packet('D', "M" + Strings({"i"})),
       "'D': a macro name without value"},
      {"empty macros", Offer() + Packet('D', ""), "'D': no command named"},
      {"connect without NUL", Offer() + Packet('C', "host"),
       "'C': a host name not ended by NUL"},
      // What would be kept is bounded: addresses, host names, macros.
      {"long recipient",
       Offer() + Packet('M', Strings({"<a@b>"})) +
           Packet('R', Strings({"<" + std::string(5000, 'r') + "@b>"})),
       "'R': a recipient of 5004 bytes, more than 2048"},
      {"long sender",
       Offer() + Packet('M', Strings({std::string(3000, 's'), "SIZE=1"})),
       "'M': a sender of 3000 bytes, more than 2048"},
      {"long host name",
       Offer() + Packet('C', Strings({std::string(4000, 'h')}) + "4"),
       "'C': a host name of 4000 bytes, more than 2048"},
      {"long macro value",
       Offer() + Packet('D', "M" + Strings({"{auth_authen}",
                                            std::string(5000, 'v')})),
       "'D': a macro of 5013 bytes, more than a name of 64"},
      {"a megabyte of empty macros",
       Offer() + Packet('D', "M" + std::string(1000000, '\0')),
       "'D': more than 64 macros"},
  };
  for (const auto& b : cases) {
    Conversation c(true, 1 << 20);
    c.Feed(b.bytes);
    EXPECT_EQ(c.Process(), Conversation::Next::kError) << b.name;
    EXPECT_NE(c.error().find(b.error), std::string::npos)
        << b.name << ": " << c.error();
    // The claimed length of a huge packet is never allocated or waited for.
    EXPECT_LT(c.pending(), size_t{1} << 20) << b.name;
  }
}

TEST(MilterProtocol, MacrosCountInWhatAConversationHolds) {
  // Every step's macros at their limits hold about 2 MB: counted, so the
  // door's budget sees them, and given back with the message.
  Conversation c(true, 1 << 20);
  c.Feed(Offer() + Packet('M', Strings({"<a@b>"})));
  ASSERT_EQ(c.Process(), Conversation::Next::kNeedMore);
  const size_t before = c.held();
  std::vector<std::string> macros;
  for (int i = 0; i < 64; ++i) {
    macros.push_back("m" + std::to_string(i));
    macros.push_back(std::string(4096, 'v'));
  }
  for (char step : std::string("CHMRTNE"))
    c.Feed(Packet('D', std::string(1, step) + Strings(macros)));
  ASSERT_EQ(c.Process(), Conversation::Next::kNeedMore);
  EXPECT_GT(c.held(), before + size_t{7} * 64 * 4096);
  c.Feed(Packet('A', ""));  // the message's steps' macros go with it
  ASSERT_EQ(c.Process(), Conversation::Next::kNeedMore);
  EXPECT_LT(c.held(), before + size_t{3} * 64 * 4096 + (size_t{64} << 10));
}

TEST(MilterProtocol, RecipientsAreKeptUpToTwoMebibytesTogether) {
  Conversation c(true, 1 << 20);
  std::string m = Offer() + Packet('M', Strings({"<a@example-usd.org>"}));
  for (int i = 0; i < 1200; ++i)
    m += Packet('R', Strings({"<" + std::string(2000, 'r') + "@x.org>"}));
  c.Feed(m + Packet('E', ""));
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  EXPECT_LT(c.message().recipients.size(), 1050u);
  EXPECT_EQ(c.message().recipients.size() + c.message().recipients_dropped,
            1200u);
  EXPECT_LE(c.held(), (size_t{2} << 20) + (size_t{4} << 20));
  c.Reply(Answer{});
  EXPECT_EQ(c.message().recipients_dropped, 0u);  // the next message's
}

TEST(MilterProtocol, AHalfPacketWaitsAndTooManyRecipientsAreCut) {
  Conversation c(true, 1 << 20);
  std::string m = Offer() + Packet('M', Strings({"<a@example-usd.org>"}));
  for (int i = 0; i < 10050; ++i)
    m += Packet('R', Strings({"<r" + std::to_string(i) + "@x.org>"}));
  m += Packet('E', "");
  c.Feed(m.substr(0, m.size() - 2));
  EXPECT_EQ(c.Process(), Conversation::Next::kNeedMore);
  EXPECT_EQ(c.pending(), 3u);
  c.Feed(m.substr(m.size() - 2));
  ASSERT_EQ(c.Process(), Conversation::Next::kMessage);
  EXPECT_EQ(c.message().recipients.size(), 10000u);
  EXPECT_EQ(c.message().recipients_dropped, 50u);  // the door refuses it
  // What the recipients hold is counted in what the conversation holds,
  // and given back with the message.
  const size_t before = c.held();
  c.Reply(Answer{});
  EXPECT_LT(c.held() + size_t{10000} * 14, before);
}

}  // namespace
}  // namespace steward::milter
