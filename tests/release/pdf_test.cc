// Redaction inside a PDF: afterwards the value is found by no reader —
// not pdftotext, not a qpdf --qdf dump of the decoded streams (as written,
// in hex or in UTF-16), not the metadata, annotations, outlines or embedded
// files — and the words around it are still there.
#include "release/pdf.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "pdf_maker.h"
#include "release/redact.h"
#include "test_util.h"

namespace steward::release {
namespace {

using testing_pdf::MakePdf;

std::string Stream(const std::string& dict, const std::string& data) {
  return "<< " + dict + " /Length " + std::to_string(data.size()) +
         " >>\nstream\n" + data + "\nendstream";
}

// A report that names a pupil every way a PDF can hold text.
std::string Report() {
  const std::string content =
      "BT /F1 12 Tf 72 720 Td (Student: Maria Lopez, grade 5.) Tj ET\n"
      "BT /F1 12 Tf 72 700 Td [(Call about Mar) 30 (ia) -250 (Lo) (pez "
      "today.)] TJ ET\n"
      "BT /F1 12 Tf 72 680 Td <4e6f7465733a204d41524941204c4f50455a2e> Tj "
      "ET\n"
      "BT /F1 12 Tf 72 660 Td (Her SSN is 123-45-6789 on file.) Tj ET\n"
      "q 1 0 0 1 72 600 cm /Fm1 Do Q\n";
  const std::string form = "BT /F1 10 Tf 0 0 Td (Form: Maria Lopez) Tj ET";
  return MakePdf(
      {
          "<< /Type /Catalog /Pages 2 0 R /Outlines 7 0 R /Metadata 9 0 R "
          "/Names << /EmbeddedFiles << /Names [(notes.txt) 10 0 R] >> >> >>",
          "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
          "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 "
          "0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 12 0 R "
          ">> >> /Annots [6 0 R] >>",
          Stream("", content),
          "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding "
          "/WinAnsiEncoding >>",
          "<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents "
          "(Maria Lopez called twice) >>",
          "<< /Type /Outlines /First 8 0 R /Last 8 0 R /Count 1 >>",
          "<< /Title (Maria Lopez) /Parent 7 0 R /Dest [3 0 R /Fit] >>",
          Stream("/Type /Metadata /Subtype /XML",
                 "<x:xmpmeta><dc:creator>Maria Lopez</dc:creator></x:xmpmeta>"),
          "<< /Type /Filespec /F (notes.txt) /EF << /F 11 0 R >> >>",
          Stream("/Type /EmbeddedFile", "Notes on Maria Lopez"),
          Stream("/Type /XObject /Subtype /Form /BBox [0 0 200 20] "
                 "/Resources << /Font << /F1 5 0 R >> >>",
                 form),
          "<< /Author (Maria Lopez) /Title (Report on Maria Lopez) >>",
      },
      "/Info 13 0 R");
}

const std::vector<Mark> kMarks = {
    {"Maria Lopez", "roster-student", "7927.705", "FERPA"},
    {"123-45-6789", "ssn", "7927.700", "privacy"}};

std::string Output(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

bool Have(const char* tool) {
  return std::system(
             (std::string("command -v ") + tool + " >/dev/null").c_str()) == 0;
}

std::string Lower(std::string s) { return core::AsciiLower(s); }

class PdfRedaction : public testing::TempDirTest {};

TEST_F(PdfRedaction, TheValuesAreGoneForEveryReaderAndTheNeighboursStay) {
  if (!Have("pdftotext") || !Have("qpdf"))
    GTEST_SKIP() << "pdftotext (poppler-utils) or qpdf is not installed";
  const std::string before = Write("before.pdf", Report());
  // The report does show the values to the readers used below.
  ASSERT_NE(Output("pdftotext " + before + " -").find("Maria Lopez"),
            std::string::npos);
  auto r = RedactPdf(Report(), kMarks, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string after = Write("after.pdf", r->bytes);
  const std::string text = Output("pdftotext " + after + " -");
  for (const char* gone : {"maria", "lopez", "6789"})
    EXPECT_EQ(Lower(text).find(gone), std::string::npos) << gone << "\n"
                                                         << text;
  for (const char* kept : {"Student:", "grade 5.", "Call about", "today.",
                           "Notes:", "Her SSN is", "on file.", "Form:"})
    EXPECT_NE(text.find(kept), std::string::npos) << kept << "\n" << text;
  EXPECT_NE(text.find("[REDACTED: FERPA]"), std::string::npos) << text;
  // Every stream decoded, every object written out.
  const std::string dump = (dir_ / "dump.pdf").string();
  Output("qpdf --qdf --object-streams=disable " + after + " " + dump);
  auto bytes = core::ReadFile(dump, 1 << 24);
  ASSERT_TRUE(bytes.ok());
  const std::string low = Lower(*bytes);
  for (const std::string& form :
       {std::string("maria"), std::string("lopez"), std::string("6789"),
        std::string("4d61726961"), std::string("6c6f70657a"),
        std::string("m\0a\0r\0i\0a", 9), std::string("\0m\0a\0r\0i\0a", 10),
        std::string("004d00610072")})
    EXPECT_EQ(low.find(form), std::string::npos) << "found in the dump";
  // One revision: a single %%EOF, no old xref section left behind.
  size_t eofs = 0;
  for (size_t at = 0; (at = r->bytes.find("%%EOF", at)) != std::string::npos;
       ++at)
    ++eofs;
  EXPECT_EQ(eofs, 1u);
  // The cuts are counted by page: the page's five, the form's one.
  uint32_t page = 0, form = 0;
  for (const auto& c : r->cuts) (c.page == 1 ? page : form) += c.count;
  EXPECT_EQ(page, 4u);
  EXPECT_EQ(form, 1u);
}

TEST_F(PdfRedaction, TheSamePdfGivesTheSameBytes) {
  auto a = RedactPdf(Report(), kMarks, {});
  auto b = RedactPdf(Report(), kMarks, {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->bytes, b->bytes);
}

TEST_F(PdfRedaction, WhatCannotBeReadIsRefused) {
  EXPECT_FALSE(RedactPdf("%PDF-1.7\nnot really", kMarks, {}).ok());
  extract::Limits tight;
  tight.max_item_bytes = 100;
  auto r = RedactPdf(Report(), kMarks, tight);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("larger than"), std::string::npos);
}

TEST_F(PdfRedaction, APdfInAMessageIsCutNotWithheld) {
  const std::string pdf = Report();
  std::string b64;
  {
    static const char* k =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < pdf.size(); i += 3) {
      uint32_t v = (uint8_t(pdf[i]) << 16) | (uint8_t(pdf[i + 1]) << 8) |
                   uint8_t(pdf[i + 2]);
      for (int s = 18; s >= 0; s -= 6) b64 += k[(v >> s) & 63];
      if ((i / 3 + 1) % 19 == 0) b64 += "\r\n";
    }
    if (i < pdf.size()) {
      uint32_t v = uint8_t(pdf[i]) << 16;
      if (i + 1 < pdf.size()) v |= uint8_t(pdf[i + 1]) << 8;
      b64 += k[(v >> 18) & 63];
      b64 += k[(v >> 12) & 63];
      b64 += i + 1 < pdf.size() ? k[(v >> 6) & 63] : '=';
      b64 += '=';
    }
  }
  const std::string m =
      "From: nurse@district.example\r\nSubject: report\r\nMIME-Version: "
      "1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
      "Content-Type: text/plain\r\n\r\nAttached.\r\n--b\r\nContent-Type: "
      "application/pdf; name=\"report.pdf\"\r\nContent-Disposition: "
      "attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: "
      "base64\r\n\r\n" +
      b64 + "\r\n--b--\r\n";
  auto r = RedactMessage(m, kMarks, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->withheld, 0u);
  bool paged = false;
  for (const LogEntry& e : r->log)
    paged |= e.where == "attachment report.pdf, page 1" && !e.withheld;
  EXPECT_TRUE(paged);
  EXPECT_TRUE(Leaks(r->bytes, kMarks, {}).empty());
}

}  // namespace
}  // namespace steward::release
