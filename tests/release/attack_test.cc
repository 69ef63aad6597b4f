// Attacks on release redaction and productions: inputs where a withheld
// value survives, where the check is fooled, or where the code misbehaves
// on hostile files. A test that fails names a defect of the current code.
#include <fcntl.h>
#include <gmime/gmime.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <thread>

#include "core/hash.h"
#include "core/text.h"
#include "engine/engine.h"
#include "extract/mime.h"
#include "pdf_maker.h"
#include "release/pdf.h"
#include "release/production.h"
#include "release/redact.h"
#include "test_util.h"

namespace steward::release {
namespace {

using testing_pdf::MakePdf;

namespace fs = std::filesystem;

const Mark kName{"Maria Lopez", "roster-student", "7927.705", "FERPA"};
const Mark kSsn{"123-45-6789", "ssn", "7927.700", "privacy"};
const std::vector<Mark> kMarks = {kName, kSsn};

std::string Lower(std::string s) { return core::AsciiLower(s); }
bool Has(const std::string& hay, const std::string& needle) {
  return Lower(hay).find(Lower(needle)) != std::string::npos;
}

std::string B64(std::string_view s) {
  static const char* k =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0, col = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v =
        (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
    for (int sh = 18; sh >= 0; sh -= 6) out += k[(v >> sh) & 63];
    if (++col % 19 == 0) out += "\r\n";
  }
  if (i < s.size()) {
    uint32_t v = uint8_t(s[i]) << 16;
    if (i + 1 < s.size()) v |= uint8_t(s[i + 1]) << 8;
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += i + 1 < s.size() ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = data.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// What a reader of the message can see, decoded by GMime itself: every
// header of every part (structural ones too, parameters decoded), every
// leaf's content decoded with its charset, nested messages the same.
void Shown(GMimeObject* o, std::string& out);
void ShownHeaders(GMimeObject* o, std::string& out) {
  GMimeHeaderList* hl = g_mime_object_get_header_list(o);
  const int n = hl ? g_mime_header_list_get_count(hl) : 0;
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(hl, i);
    const char* v = g_mime_header_get_value(h);
    out += std::string(g_mime_header_get_name(h)) + ": " + (v ? v : "") + "\n";
  }
  GMimeContentType* ct = g_mime_object_get_content_type(o);
  if (ct) {
    GMimeParamList* pl = g_mime_content_type_get_parameters(ct);
    for (int i = 0; pl && i < g_mime_param_list_length(pl); ++i) {
      GMimeParam* p = g_mime_param_list_get_parameter_at(pl, i);
      out += std::string("param ") + g_mime_param_get_name(p) + "=" +
             (g_mime_param_get_value(p) ? g_mime_param_get_value(p) : "") +
             "\n";
    }
  }
  GMimeContentDisposition* cd = g_mime_object_get_content_disposition(o);
  if (cd) {
    GMimeParamList* pl = g_mime_content_disposition_get_parameters(cd);
    for (int i = 0; pl && i < g_mime_param_list_length(pl); ++i) {
      GMimeParam* p = g_mime_param_list_get_parameter_at(pl, i);
      out += std::string("dparam ") + g_mime_param_get_name(p) + "=" +
             (g_mime_param_get_value(p) ? g_mime_param_get_value(p) : "") +
             "\n";
    }
  }
}
void Shown(GMimeObject* o, std::string& out) {
  ShownHeaders(o, out);
  if (GMIME_IS_MULTIPART(o)) {
    GMimeMultipart* mp = GMIME_MULTIPART(o);
    for (int i = 0; i < g_mime_multipart_get_count(mp); ++i)
      Shown(g_mime_multipart_get_part(mp, i), out);
  } else if (GMIME_IS_MESSAGE_PART(o)) {
    GMimeMessage* m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
    if (m) {
      ShownHeaders(GMIME_OBJECT(m), out);
      if (g_mime_message_get_mime_part(m))
        Shown(g_mime_message_get_mime_part(m), out);
    }
  } else if (GMIME_IS_PART(o)) {
    GMimeDataWrapper* w = g_mime_part_get_content(GMIME_PART(o));
    if (!w) return;
    GMimeStream* mem = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, mem);
    GByteArray* a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    std::string bytes(reinterpret_cast<const char*>(a->data), a->len);
    g_object_unref(mem);
    GMimeContentType* ct = g_mime_object_get_content_type(o);
    const char* cs =
        ct ? g_mime_content_type_get_parameter(ct, "charset") : nullptr;
    out += "content: " + core::DecodeText(bytes, cs ? cs : "") + "\n";
  }
}
std::string Shown(const std::string& message) {
  extract::InitMime();
  GMimeStream* s =
      g_mime_stream_mem_new_with_buffer(message.data(), message.size());
  GMimeParser* p = g_mime_parser_new_with_stream(s);
  GMimeMessage* m = g_mime_parser_construct_message(p, nullptr);
  std::string out;
  if (m) {
    ShownHeaders(GMIME_OBJECT(m), out);
    if (g_mime_message_get_mime_part(m))
      Shown(g_mime_message_get_mime_part(m), out);
    g_object_unref(m);
  }
  g_object_unref(p);
  g_object_unref(s);
  return out;
}

std::string Mixed(const std::string& parts) {
  return "From: office@district.example\r\nTo: a@district.example\r\n"
         "Subject: note\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
         "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         "See attached.\r\n" +
         parts + "--b--\r\n";
}

std::string Simple(const std::string& headers, const std::string& body) {
  return "From: office@district.example\r\nTo: a@district.example\r\n"
         "Subject: note\r\nMIME-Version: 1.0\r\n" +
         headers + "\r\n" + body;
}

// Whitespace folded the way a reader shows it: NBSP and &nbsp; are spaces,
// a format=flowed soft break and any run of white space one space.
std::string AsRead(const std::string& s) {
  std::string t;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "\xC2\xA0") == 0) {
      t += ' ';
      ++i;
    } else if (s.compare(i, 6, "&nbsp;") == 0) {
      t += ' ';
      i += 5;
    } else {
      t += s[i];
    }
  }
  std::string out;
  for (char c : t) {
    const bool sp = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (sp) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return Lower(out);
}

std::string Digits(const std::string& s) {
  std::string d;
  for (char c : s)
    if (c >= '0' && c <= '9') d += c;
  return d;
}

// ---------------------------------------------------------------------------
// Messages.

// The redaction log is released (redaction-log.csv): its "where" must not
// name the value the redaction removed.
TEST(ReleaseAttack, TheRedactionLogNamesTheWithheldAttachment) {
  const std::string m = Mixed(
      "--b\r\nContent-Type: application/octet-stream; "
      "name=\"Maria Lopez IEP.txt\"\r\nContent-Disposition: attachment; "
      "filename=\"Maria Lopez IEP.txt\"\r\nContent-Transfer-Encoding: "
      "base64\r\n\r\n" +
      B64("IEP notes for Maria Lopez, grade 5.") + "\r\n");
  auto r = RedactMessage(m, kMarks, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(Has(r->bytes, "maria lopez"));
  for (const LogEntry& e : r->log)
    EXPECT_FALSE(Has(e.where, "maria lopez")) << "log where: " << e.where;
  // And so in the production's redaction-log.csv.
  testing::TempDir tmp;
  const std::string dir = (tmp.path() / "p").string();
  Document d;
  d.bytes = r->bytes;
  d.item = "1";
  d.log = r->log;
  ASSERT_TRUE(WriteProduction(dir, {d}, {}).ok());
  auto log = core::ReadFile(dir + "/redaction-log.csv", 1 << 20);
  ASSERT_TRUE(log.ok());
  EXPECT_FALSE(Has(*log, "maria lopez")) << *log;
}

// Content-Type's name= is the file name Outlook and others show; it is a
// structural field, never offered to the edit, and an encoded form of it
// passes the raw-bytes check.
TEST(ReleaseAttack, AValueInTheContentTypeNameParameterSurvives) {
  for (const std::string& ct :
       {std::string("text/plain; charset=utf-8; name*=utf-8''%4D%61%72%69%61"
                    "%20%4C%6F%70%65%7A.txt"),
        std::string("application/octet-stream; "
                    "name=\"=?utf-8?B?TWFyaWEgTG9wZXoudHh0?=\"")}) {
    SCOPED_TRACE(ct);
    const std::string m =
        Mixed("--b\r\nContent-Type: " + ct +
              "\r\nContent-Disposition: attachment; filename=\"notes.txt\""
              "\r\n\r\nnothing here\r\n");
    auto r = RedactMessage(m, kMarks, {});
    if (!r.ok()) continue;  // refused: nothing released
    const std::string shown = Shown(r->bytes);
    EXPECT_FALSE(Has(shown, "maria lopez")) << shown;
  }
}

// An address field is searched address by address; a phrase GMime keeps
// but does not hand over as a name or an address is never searched, and
// encoded it passes the raw-bytes check.
TEST(ReleaseAttack, AnEncodedPhraseInAnAddressFieldSurvives) {
  for (const std::string& to :
       {std::string("a@district.example, =?utf-8?B?TWFyaWEgTG9wZXo=?="),
        "a@district.example, =?utf-8?B?" + B64("123-45-6789") + "?=",
        std::string("=?utf-8?B?TWFyaWEgTG9wZXo=?=")}) {
    SCOPED_TRACE(to);
    const std::string m = "From: office@district.example\r\nTo: " + to +
                          "\r\nSubject: x\r\n\r\nhi\r\n";
    auto r = RedactMessage(m, kMarks, {});
    if (!r.ok()) continue;
    const std::string shown = Shown(r->bytes);
    EXPECT_FALSE(Has(shown, "maria lopez") || Has(shown, "123-45-6789"))
        << shown;
    EXPECT_TRUE(Leaks(r->bytes, kMarks, {}).empty());
  }
}

// An archive member past the extractor's ratio cap is skipped, not read;
// the scan takes "not read" for "holds nothing".
TEST(ReleaseAttack, AGzipAttachmentPastTheRatioCapIsReleasedUnread) {
  const std::string gz =
      Gzip(std::string(2 << 20, ' ') + "Maria Lopez 123-45-6789\n");
  const std::string m = Mixed(
      "--b\r\nContent-Type: application/gzip; name=\"notes.txt.gz\"\r\n"
      "Content-Disposition: attachment; filename=\"notes.txt.gz\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      B64(gz) + "\r\n");
  auto r = RedactMessage(m, kMarks, {});
  if (!r.ok()) return;  // refused: nothing released
  EXPECT_GE(r->withheld, 1u) << "the archive went out as it came in";
  EXPECT_EQ(r->bytes.find(B64(gz).substr(0, 60)), std::string::npos);
}

// message/partial is a leaf GMime does not decode further: the fragment's
// base64 goes out as it came in.
TEST(ReleaseAttack, AMessagePartialFragmentCarriesTheValueInBase64) {
  const std::string frag = B64("Maria Lopez 123-45-6789");
  const std::string m = Mixed(
      "--b\r\nContent-Type: message/partial; id=\"p1\"; number=1; "
      "total=1\r\n\r\nContent-Type: text/plain\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      frag + "\r\n");
  const std::string m2 = Mixed(
      "--b\r\nContent-Type: message/partial; id=\"p1\"; number=2; "
      "total=2\r\n\r\n" +
      frag + "\r\n");
  for (const std::string& msg : {m, m2}) {
    auto r = RedactMessage(msg, kMarks, {});
    if (!r.ok()) continue;
    EXPECT_EQ(r->bytes.find(frag), std::string::npos) << r->bytes;
  }
}

// The value as a reader shows it, with other white space: a format=flowed
// soft break, a hard wrap, a no-break space, &nbsp; in HTML.
TEST(ReleaseAttack, AValueWithOtherWhiteSpaceSurvives) {
  struct Case {
    const char* name;
    std::string headers, body;
  };
  const std::vector<Case> cases = {
      {"flowed", "Content-Type: text/plain; charset=utf-8; format=flowed\r\n",
       "Please call Maria \r\nLopez today.\r\n"},
      {"hard wrap", "Content-Type: text/plain; charset=utf-8\r\n",
       "Please call Maria\r\nLopez today.\r\n"},
      {"nbsp", "Content-Type: text/plain; charset=utf-8\r\n",
       "Please call Maria\xC2\xA0Lopez today.\r\n"},
      {"two spaces", "Content-Type: text/plain; charset=utf-8\r\n",
       "Please call Maria  Lopez today.\r\n"},
      {"html nbsp", "Content-Type: text/html; charset=utf-8\r\n",
       "<p>Please call Maria&nbsp;Lopez today.</p>\r\n"},
      {"subject", "Content-Type: text/plain\r\n", "x\r\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string msg = Simple(c.headers, c.body);
    if (std::string(c.name) == "subject")
      msg =
          "From: a@district.example\r\nSubject: Re: Maria\xC2\xA0Lopez"
          "\r\n\r\nx\r\n";
    auto r = RedactMessage(msg, kMarks, {});
    if (!r.ok()) continue;
    EXPECT_EQ(AsRead(Shown(r->bytes)).find("maria lopez"), std::string::npos)
        << r->bytes;
  }
}

// Matching folds ASCII case only: the same name in capitals with an
// accent, or decomposed (NFD), goes out.
TEST(ReleaseAttack, AnAccentedValueInOtherCaseOrNormalisationSurvives) {
  const Mark accented{
      "Mar\xC3\xAD"
      "a L\xC3\xB3pez",
      "roster-student", "7927.705", "FERPA"};
  for (const std::string& v : {std::string("MAR\xC3\x8D"
                                           "A L\xC3\x93PEZ"),
                               std::string("Mari\xCC\x81"
                                           "a Lo\xCC\x81pez")}) {
    SCOPED_TRACE(v);
    const std::string m = Simple("Content-Type: text/plain; charset=utf-8\r\n",
                                 "Student: " + v + ", grade 5.\r\n");
    auto r = RedactMessage(m, {accented}, {});
    if (!r.ok()) continue;
    EXPECT_EQ(Shown(r->bytes).find(v), std::string::npos);
  }
}

// End to end: what the engine finds is what is removed. A finding whose
// value is written otherwise in the text (the engine normalises it) is
// never matched again.
TEST(ReleaseAttack, WhatTheEngineFindsIsWhatIsRemoved) {
  auto e = testing_pdf::ValuesEngine();
  ASSERT_TRUE(e);
  auto scratch = e->NewScratch();
  for (const std::string& ssn :
       {std::string("536-22-8163"), std::string("536 22 8163"),
        std::string("536.22.8163"), std::string("536228163"),
        std::string("536-22-\r\n8163"), std::string("536 - 22 - 8163"),
        std::string("536\xE2\x80\x93"
                    "22\xE2\x80\x93"
                    "8163"),
        std::string("536\xE2\x80\x91"
                    "22\xE2\x80\x91"
                    "8163"),
        std::string("\xEF\xBC\x95\xEF\xBC\x93\xEF\xBC\x96-\xEF\xBC\x92\xEF"
                    "\xBC\x92-\xEF\xBC\x98\xEF\xBC\x91\xEF\xBC\x96\xEF\xBC"
                    "\x93")}) {
    SCOPED_TRACE(ssn);
    const std::string m =
        "From: hr@district.example\r\nSubject: payroll\r\nMIME-Version: "
        "1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Her SSN is " +
        ssn + " per the form.\r\n";
    auto marks = MarksFor(*e, m, {}, *scratch);
    ASSERT_TRUE(marks.ok());
    bool found = false;
    for (const Mark& k : *marks) {
      std::printf("  [%s] mark %s = '%s'\n", ssn.c_str(), k.category.c_str(),
                  k.value.c_str());
      found |= k.category == "ssn";
    }
    if (!found) continue;
    auto r = RedactMessage(m, *marks, {});
    if (!r.ok()) continue;
    EXPECT_EQ(Digits(Shown(r->bytes)).find("536228163"), std::string::npos)
        << r->bytes;
  }
}

// ---------------------------------------------------------------------------
// PDFs.

std::string PdfStream(const std::string& dict, const std::string& data) {
  return "<< " + dict + " /Length " + std::to_string(data.size()) +
         " >>\nstream\n" + data + "\nendstream";
}

struct StringsOf : QPDFObjectHandle::ParserCallbacks {
  std::string out;
  void Add(QPDFObjectHandle o) {
    if (o.isString()) {
      out += o.getStringValue() + "\n";
    } else if (o.isArray()) {
      for (auto& x : o.getArrayAsVector())
        if (!x.isIndirect()) Add(x);  // each object is visited on its own
    } else if (o.isDictionary()) {
      for (auto& [k, v] : o.getDictAsMap())
        if (!v.isIndirect()) Add(v);
    }
  }
  void handleObject(QPDFObjectHandle o) override { Add(o); }
  void handleEOF() override {}
};

// Every string of every object and of every stream's content, decoded.
std::string PdfStrings(const std::string& pdf) {
  QPDF q;
  q.setSuppressWarnings(true);
  q.processMemoryFile("x", pdf.data(), pdf.size());
  StringsOf s;
  for (QPDFObjectHandle o : q.getAllObjects()) {
    if (!o.isStream()) {
      s.Add(o);
      continue;
    }
    s.Add(o.getDict());
    try {
      QPDFObjectHandle::parseContentStream(o, &s);
    } catch (const std::exception&) {
    }
  }
  return s.out;
}

// A Type3 glyph draws the name with another font; the glyph procedures
// are content streams the cutter never visits, and the survivor check
// looks for the value in lower-case hex only ("4D61..." is missed).
TEST(ReleaseAttack, PdfTextDrawnInsideAType3GlyphIsNotCut) {
  const std::string page =
      "BT /F1 12 Tf 72 720 Td (Student:) Tj ET\n"
      "BT /T3 12 Tf 140 720 Td (X) Tj ET\n";
  const std::string glyph =
      "9000 0 d0\nBT /F1 1000 Tf 0 100 Td <4D61726961204C6F70657A> Tj ET";
  const std::string pdf = MakePdf({
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R /T3 6 0 R >> >> >>",
      PdfStream("", page),
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding "
      "/WinAnsiEncoding >>",
      "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 9000 1000] /FontMatrix "
      "[0.001 0 0 0.001 0 0] /CharProcs << /X 7 0 R >> /Encoding << /Type "
      "/Encoding /Differences [88 /X] >> /FirstChar 88 /LastChar 88 /Widths "
      "[9000] /Resources << /Font << /F1 5 0 R >> >> >>",
      PdfStream("", glyph),
  });
  ASSERT_TRUE(Has(PdfStrings(pdf), "maria lopez"));
  auto r = RedactPdf(pdf, kMarks, {});
  if (!r.ok()) return;  // refused: the caller withholds it
  EXPECT_FALSE(Has(PdfStrings(r->bytes), "maria lopez"))
      << "RedactPdf returned the PDF with the name still drawn";
}

// Streams deflate 1000:1; the survivor check inflates every stream of the
// output whole, and copies it twice, whatever Limits say.
TEST(ReleaseAttack, PdfRedactionMemoryIsBoundedByTheLimits) {
  // 300 MiB of zeros, deflated (about 300 KiB).
  std::string bomb;
  {
    z_stream z{};
    deflateInit(&z, 9);
    std::string zeros(1 << 20, '\0');
    char buf[1 << 16];
    for (int i = 0; i < 300; ++i) {
      z.next_in = reinterpret_cast<Bytef*>(zeros.data());
      z.avail_in = zeros.size();
      do {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        deflate(&z, i == 299 ? Z_FINISH : Z_NO_FLUSH);
        bomb.append(buf, sizeof buf - z.avail_out);
      } while (z.avail_out == 0);
    }
    deflateEnd(&z);
  }
  const std::string pdf = MakePdf({
      "<< /Type /Catalog /Pages 2 0 R /Extra 5 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      "/Resources << >> >>",
      PdfStream("", "BT /F1 12 Tf 72 720 Td (Hello) Tj ET"),
      PdfStream("/Filter /FlateDecode", bomb),
  });
  extract::Limits limits;
  const std::string out = (fs::temp_directory_path() / "attack_rss").string();
  pid_t pid = fork();
  if (pid == 0) {
    struct rusage a {
    }, b{};
    getrusage(RUSAGE_SELF, &a);
    bool ok = false;
    try {
      ok = RedactPdf(pdf, kMarks, limits).ok();
    } catch (...) {
      _exit(5);
    }
    getrusage(RUSAGE_SELF, &b);
    FILE* f = std::fopen(out.c_str(), "w");
    if (f) {
      std::fprintf(f, "%ld %d", (b.ru_maxrss - a.ru_maxrss) / 1024, ok);
      std::fclose(f);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  long grew = -1;
  int ok = -1;
  FILE* f = std::fopen(out.c_str(), "r");
  ASSERT_TRUE(f);
  ASSERT_EQ(std::fscanf(f, "%ld %d", &grew, &ok), 2);
  std::fclose(f);
  std::printf("  input %zu bytes: peak memory grew %ld MiB, ok=%d\n",
              pdf.size(), grew, ok);
  EXPECT_LT(grew, static_cast<long>(limits.max_expanded_bytes >> 20))
      << "a " << pdf.size() / 1024 << " KiB PDF";
}

// ---------------------------------------------------------------------------
// Productions.

class ReleaseAttackProduction : public testing::TempDirTest {
 protected:
  std::string Dir(const std::string& name) { return (dir_ / name).string(); }

  std::vector<Document> Docs() {
    Document a;
    a.bytes =
        "From: Ana Ruiz <aruiz@district.example>\r\nSubject: Budget"
        "\r\n\r\nThe budget grew.\r\n";
    a.item = "41";
    a.from = "Ana Ruiz <aruiz@district.example>";
    a.subject = "Budget";
    Document b;
    b.bytes =
        "From: x@district.example\nSubject: Re: [REDACTED: FERPA]\n\n"
        "About [REDACTED: FERPA].\n";
    b.item = "42";
    return {a, b};
  }

  // Writes manifest.sha256 again over every other file: what anyone who
  // changes a production can do.
  void Remanifest(const std::string& dir) {
    std::map<std::string, std::string> files;
    for (auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      std::string rel = fs::relative(e.path(), dir).generic_string();
      if (rel == "manifest.sha256") continue;
      files[rel] = core::Sha256Hex(testing::ReadAll(e.path().string()));
    }
    std::string m;
    for (auto& [name, sha] : files) m += sha + "  " + name + "\n";
    Write(fs::relative(dir + "/manifest.sha256", dir_).string(), m);
  }

  std::string Problems(const std::string& dir) {
    auto v = VerifyProduction(dir);
    return v.ok() ? core::Join(v->problems, "\n") : v.status().message();
  }
};

// A file the manifest lists but no load-file row names (the unredacted
// original, say) is accepted: "whole".
TEST_F(ReleaseAttackProduction, AnExtraListedFileIsAccepted) {
  ASSERT_TRUE(WriteProduction(Dir("p"), Docs(), {}).ok());
  Write("p/natives/DIST-000003.eml",
        "From: x@district.example\nSubject: Re: Maria Lopez\n\nAbout Maria "
        "Lopez, SSN 123-45-6789.\n");
  Write("p/original.eml", "Maria Lopez 123-45-6789\n");
  Remanifest(Dir("p"));
  EXPECT_NE(Problems(Dir("p")), "") << "VerifyProduction says it is whole";
}

// Text before the first "From " line of messages.mbox belongs to no
// message and is not checked.
TEST_F(ReleaseAttackProduction, TextBeforeTheFirstMboxMessageIsAccepted) {
  ASSERT_TRUE(WriteProduction(Dir("p"), Docs(), {}).ok());
  const std::string mbox = testing::ReadAll(Dir("p/messages.mbox"));
  Write("p/messages.mbox",
        "Subject: Maria Lopez\n\nSSN 123-45-6789, unredacted.\n\n" + mbox);
  Remanifest(Dir("p"));
  EXPECT_NE(Problems(Dir("p")), "") << "VerifyProduction says it is whole";
}

// A load file's native path is read before it is checked for "..": a path
// outside the production is opened, and a FIFO there (or anywhere a
// manifest names) blocks VerifyProduction for ever.
TEST_F(ReleaseAttackProduction, AFifoNamedByTheProductionHangsTheCheck) {
  ASSERT_TRUE(WriteProduction(Dir("p"), Docs(), {}).ok());
  const std::string outside = Dir("fifo");
  ASSERT_EQ(mkfifo(outside.c_str(), 0600), 0);
  std::string dat = testing::ReadAll(Dir("p/loadfile.dat"));
  const std::string from = "natives/DIST-000001.eml";
  dat.replace(dat.find(from), from.size(), "../fifo");
  Write("p/loadfile.dat", dat);
  Remanifest(Dir("p"));
  for (const std::string& fifo : {outside, Dir("p/natives/x.eml")}) {
    SCOPED_TRACE(fifo);
    if (fifo != outside) {
      ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
      Write("p/manifest.sha256", testing::ReadAll(Dir("p/manifest.sha256")) +
                                     std::string(64, '0') +
                                     "  natives/x.eml\n");
    }
    auto f = std::async(std::launch::async,
                        [&] { return VerifyProduction(Dir("p")); });
    if (f.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      ADD_FAILURE() << "VerifyProduction still blocked after 5 s in open("
                    << fifo << ")";
      // Let it go: every open of a FIFO it makes gets a writer.
      while (f.wait_for(std::chrono::milliseconds(50)) !=
             std::future_status::ready)
        for (const std::string& x : {outside, Dir("p/natives/x.eml")}) {
          int w = open(x.c_str(), O_WRONLY | O_NONBLOCK);
          if (w >= 0) close(w);
        }
    }
    auto v = f.get();
    ASSERT_TRUE(v.ok());
    EXPECT_NE(core::Join(v->problems, "\n"), "");
  }
}

// A file the manifest lists is read whole into memory, up to 4 GiB: a
// sparse 3 GiB file (a few bytes on disk) makes the check allocate 3 GiB;
// under a 1 GiB address-space limit it aborts.
TEST_F(ReleaseAttackProduction, AHugeListedFileIsReadWholeIntoMemory) {
  ASSERT_TRUE(WriteProduction(Dir("p"), Docs(), {}).ok());
  {
    int fd = open(Dir("p/natives/big.eml").c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, off_t{3} << 30), 0);
    close(fd);
  }
  Write("p/manifest.sha256", testing::ReadAll(Dir("p/manifest.sha256")) +
                                 std::string(64, '0') + "  natives/big.eml\n");
  pid_t pid = fork();
  if (pid == 0) {
    long pages = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
      std::fclose(f);
    }
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max =
        static_cast<rlim_t>(pages) * sysconf(_SC_PAGESIZE) + (1ul << 30);
    setrlimit(RLIMIT_AS, &rl);
    try {
      auto v = VerifyProduction(Dir("p"));
      _exit(v.ok() && !v->problems.empty() ? 0 : 3);
    } catch (const std::bad_alloc&) {
      _exit(4);
    } catch (...) {
      _exit(5);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << (WIFSIGNALED(status)
              ? "killed by signal " + std::to_string(WTERMSIG(status))
          : WEXITSTATUS(status) == 4
              ? std::string("std::bad_alloc thrown (3 GiB asked for)")
              : "exit " + std::to_string(WEXITSTATUS(status)));
}

// A production whose natives/ is a link to a folder elsewhere verifies as
// whole: the check follows it and reads files outside the production.
TEST_F(ReleaseAttackProduction, ALinkedNativesFolderIsAccepted) {
  ASSERT_TRUE(WriteProduction(Dir("p"), Docs(), {}).ok());
  fs::rename(Dir("p/natives"), Dir("elsewhere"));
  fs::create_directory_symlink(Dir("elsewhere"), Dir("p/natives"));
  EXPECT_NE(Problems(Dir("p")), "") << "VerifyProduction says it is whole";
}
}  // namespace
}  // namespace steward::release
