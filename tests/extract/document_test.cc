// Documents, archives and their limits, on files built here; the shared
// textract corpus is compared in tests/corpora, the golden documents in
// tests/golden.
#include "extract/document.h"

#include <archive.h>
#include <archive_entry.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "extract/mime.h"
#include "extract/table.h"
#include "test_util.h"

namespace steward::extract {
namespace {

// A zip (or, with `format`, another archive, compressed with `filter`) of
// the members, in memory.
std::string Archive(const std::vector<std::pair<std::string, std::string>>& m,
                    int format = ARCHIVE_FORMAT_ZIP,
                    int filter = ARCHIVE_FILTER_NONE) {
  archive* a = archive_write_new();
  archive_write_set_format(a, format);
  archive_write_add_filter(a, filter);
  std::string out(1 << 24, '\0');
  size_t used = 0;
  archive_write_open_memory(a, out.data(), out.size(), &used);
  for (const auto& [name, data] : m) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

bool AnySkipped(const Extracted& x, const std::string& words) {
  for (const auto& s : x.skipped)
    if (s.reason.find(words) != std::string::npos) return true;
  return false;
}

const TextPart* Text(const Extracted& x, const std::string& path) {
  for (const auto& t : x.texts)
    if (t.path == path && t.view == core::View::kBody) return &t;
  return nullptr;
}

TEST(Archive, MembersAreReadAsPartsWithTheirNames) {
  std::string zip =
      Archive({{"notes/a.txt", "first member"}, {"b.csv", "id,name\n1,Ann\n"}});
  Extracted x = ExtractFile(zip, "two.zip", {});
  ASSERT_NE(Text(x, "notes/a.txt"), nullptr);
  EXPECT_EQ(Text(x, "notes/a.txt")->text, "first member");
  ASSERT_NE(Text(x, "b.csv"), nullptr);
  EXPECT_EQ(Text(x, "b.csv")->table_rows, 1u);
  EXPECT_TRUE(x.skipped.empty());
}

TEST(Archive, TarGzIsReadToo) {
  std::string tgz = Archive({{"report.txt", "SSN 536-22-8145"}},
                            ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP);
  ASSERT_EQ(tgz.substr(0, 2), "\x1f\x8b");  // gzip, not a plain tar
  Extracted x = ExtractFile(tgz, "r.tar.gz", {});
  ASSERT_NE(Text(x, "report.txt"), nullptr);
  EXPECT_EQ(Text(x, "report.txt")->text, "SSN 536-22-8145");
  EXPECT_TRUE(x.skipped.empty());
}

TEST(Archive, PlainTarIsRead) {
  std::string tar =
      Archive({{"report.txt", "SSN 536-22-8145"}}, ARCHIVE_FORMAT_TAR_USTAR);
  Extracted x = ExtractFile(tar, "r.tar", {});
  ASSERT_NE(Text(x, "report.txt"), nullptr);
  EXPECT_EQ(Text(x, "report.txt")->text, "SSN 536-22-8145");
}

TEST(Archive, MemberCountLimitIsReportedOnceAndTheRestStillRead) {
  std::vector<std::pair<std::string, std::string>> m;
  for (int i = 0; i < 30; ++i)
    m.emplace_back("m" + std::to_string(i) + ".txt",
                   "member " + std::to_string(i));
  Limits l;
  l.max_members = 10;
  Extracted x = ExtractFile(Archive(m), "many.zip", l);
  EXPECT_EQ(x.texts.size(), 10u);
  EXPECT_TRUE(AnySkipped(x, "more than 10 archive members"));
  EXPECT_EQ(x.skipped.size(), 1u);
}

TEST(Archive, ExpandedBytesLimitStopsABomb) {
  Limits l;
  l.max_expanded_bytes = 1 << 20;
  l.max_ratio = 1000000;  // only the total counts here
  std::string zip = Archive({{"zeros.txt", std::string(8 << 20, 'a')}});
  Extracted x = ExtractFile(zip, "big.zip", l);
  EXPECT_TRUE(AnySkipped(x, "decompresses to more than"));
  EXPECT_TRUE(x.texts.empty());
}

TEST(Archive, DepthLimitStopsNesting) {
  std::string inner = Archive({{"deep.txt", "deep"}});
  for (int i = 0; i < 5; ++i) inner = Archive({{"z.zip", inner}});
  Limits l;
  l.max_depth = 3;
  Extracted x = ExtractFile(inner, "nest.zip", l);
  EXPECT_TRUE(AnySkipped(x, "nested more than 3"));
  EXPECT_TRUE(x.texts.empty());
}

TEST(Archive, TruncatedArchiveKeepsWhatWasRead) {
  std::string zip = Archive({{"a.txt", std::string(2000, 'x') + " SSN"},
                             {"b.txt", std::string(50000, 'y')}});
  Extracted x = ExtractFile(zip.substr(0, zip.size() / 2), "cut.zip", {});
  ASSERT_NE(Text(x, "a.txt"), nullptr);
  EXPECT_FALSE(x.skipped.empty());
}

TEST(Limits, TimeLimitEndsTheItemWithAReason) {
  std::vector<std::pair<std::string, std::string>> m;
  for (int i = 0; i < 5; ++i) m.emplace_back(std::to_string(i) + ".txt", "x");
  Limits l;
  l.max_seconds = 0;  // already over
  Extracted x = ExtractFile(Archive(m), "slow.zip", l);
  EXPECT_TRUE(AnySkipped(x, "took longer than the limit of 0 s"));
}

// A PDF whose page tree holds `pages` empty pages.
std::string ManyPagePdf(int pages) {
  std::string kids, objs;
  std::vector<size_t> offs;
  std::string out = "%PDF-1.4\n";
  auto obj = [&](const std::string& body) {
    offs.push_back(out.size());
    out += std::to_string(offs.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  obj("<< /Type /Catalog /Pages 2 0 R >>");
  for (int i = 0; i < pages; ++i) kids += std::to_string(3 + i) + " 0 R ";
  obj("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) +
      " >>");
  for (int i = 0; i < pages; ++i)
    obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
  size_t xref = out.size();
  out +=
      "xref\n0 " + std::to_string(offs.size() + 1) + "\n0000000000 65535 f \n";
  char line[32];
  for (size_t o : offs) {
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(offs.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

TEST(Pdf, PageLimitEndsAHugeDocumentQuickly) {
  Limits l;
  l.max_pages = 100;
  auto start = std::chrono::steady_clock::now();
  Extracted x = ExtractFile(ManyPagePdf(50000), "huge.pdf", l);
  EXPECT_TRUE(AnySkipped(x, "more than 100 pages"));
  // Bounded: a generous ceiling, for a file of 50,000 objects.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST(Pdf, DamagedPdfIsReported) {
  Extracted x = ExtractFile("%PDF-1.4\n1 0 obj <<", "bad.pdf", {});
  EXPECT_TRUE(AnySkipped(x, "damaged PDF"));
}

TEST(Types, DeclaredTypeThatLiesIsFlagged) {
  Extracted out;
  Context ctx({}, out);
  ExtractDocument(Archive({{"a.txt", "a"}}), {"2", "photo.jpg", "image/jpeg"},
                  0, ctx);
  ASSERT_EQ(out.flags.size(), 1u);
  EXPECT_EQ(out.flags[0].category, "type-mismatch");
  EXPECT_NE(out.flags[0].detail.find("named .jpg"), std::string::npos);
}

TEST(Types, ScriptsAreExecutablesAndStillRead) {
  Extracted x = ExtractFile("#!/bin/sh\necho 536-22-8145\n", "run.sh", {});
  ASSERT_EQ(x.flags.size(), 1u);
  EXPECT_EQ(x.flags[0].category, "executable");
  ASSERT_EQ(x.texts.size(), 1u);
}

TEST(Html, ViewsAreKeptApart) {
  Extracted x = ExtractFile(
      "<html><head><title>T</title><script src=\"https://ads.example/t.js\">"
      "</script><script>var id = 1;</script><style>p{}</style></head><body>"
      "<p>Shown <a href=\"https://example.org/x\" title=\"tip\">link</a></p>"
      "<img src=\"a.png\" alt=\"Ann at the fair\"><!-- hidden note -->"
      "</body></html>",
      "page.html", {});
  std::map<std::string, std::string> v;
  for (const auto& t : x.texts) v[std::string(core::ViewName(t.view))] = t.text;
  EXPECT_NE(v["body"].find("Shown link"), std::string::npos);
  EXPECT_EQ(v["body"].find("p{}"), std::string::npos);
  EXPECT_EQ(v["alt"], "tip\nAnn at the fair\n");
  EXPECT_NE(v["links"].find("https://example.org/x"), std::string::npos);
  EXPECT_EQ(v["script-src"], "https://ads.example/t.js\n");
  EXPECT_EQ(v["script"], "var id = 1;\n");
  EXPECT_EQ(v["comments"], " hidden note \n");
}

TEST(Html, ADataTableIsATableAndALayoutTableStaysInTheBody) {
  Extracted x = ExtractFile(
      "<html><body><p>Roster:</p><table><tr><th>Student #</th><th>DOB</th>"
      "</tr><tr><td>3100200</td><td><b>03/04/2012</b></td></tr>"
      "<tr><td colspan=\"2\">3100207</td><td><img src=\"p.png\" alt=\"Bo\">"
      "05/06/2012</td></tr></table><table><tr><td><table><tr><td>left</td>"
      "<td>right</td></tr></table></td><td>menu</td></tr></table>"
      "</body></html>",
      "page.html", {});
  std::vector<const TextPart*> tables;
  std::string body, alt;
  for (const auto& t : x.texts) {
    if (t.table_rows > 0) tables.push_back(&t);
    if (t.view == core::View::kBody && t.table_rows == 0) body = t.text;
    if (t.view == core::View::kAlt) alt = t.text;
  }
  // The roster is a table; the layout tables (one holds another, one has a
  // single row) are the page's text, their cells kept apart.
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0]->columns, (std::vector<std::string>{"Student #", "DOB"}));
  EXPECT_EQ(tables[0]->table_rows, 2u);
  EXPECT_EQ(tables[0]->text,
            "Student #\tDOB\n3100200\t03/04/2012\n3100207\t\t05/06/2012\n");
  EXPECT_EQ(tables[0]->anchors.front().label, "table 1");
  EXPECT_EQ(body.find("3100200"), std::string::npos);
  EXPECT_NE(body.find("Roster:"), std::string::npos);
  EXPECT_NE(body.find("left right"), std::string::npos) << body;
  EXPECT_NE(body.find("menu"), std::string::npos) << body;
  EXPECT_EQ(alt, "Bo\n");  // an image inside a data table still counts
}

TEST(Html, DeepNestingDoesNotUseTheStack) {
  std::string page;
  for (int i = 0; i < 200000; ++i) page += "<div>";
  page += "deep text";
  Extracted x = ExtractFile(page, "deep.html", {});
  // Deeper than libxml2 parses: reported, and the raw page inspected, so
  // nothing hides below the limit.
  EXPECT_TRUE(AnySkipped(x, "nested too deeply"));
  ASSERT_EQ(x.texts.size(), 1u);
  EXPECT_NE(x.texts[0].text.find("deep text"), std::string::npos);
}

TEST(Table, BrokenCsvRowIsNamedAndTheRestReadAsText) {
  Extracted x = ExtractFile("a,b\n1,2\n3,\"open\n4,5 SSN\n", "t.csv", {});
  EXPECT_TRUE(AnySkipped(x, "not a well-formed table"));
  ASSERT_EQ(x.texts.size(), 1u);
  EXPECT_NE(x.texts[0].text.find("SSN"), std::string::npos);
}

TEST(Table, ColumnsAndGapsKeepTheirLetters) {
  TableText t("", "text/csv", "", "S");
  t.BeginRow(1);
  t.Cell(0, "id");
  t.Cell(2, "name");
  t.BeginRow(2);
  t.Cell(0, "1");
  t.Cell(500, "far");
  TextPart p = t.Finish();
  EXPECT_EQ(p.text, "id\t\tname\n1\tfar\n");
  EXPECT_EQ(p.columns, (std::vector<std::string>{"id", "", "name"}));
  ASSERT_EQ(p.anchors.size(), 3u);
  EXPECT_EQ(p.anchors[2].col, 500u);
  EXPECT_EQ(ColumnName(0), "A");
  EXPECT_EQ(ColumnName(25), "Z");
  EXPECT_EQ(ColumnName(26), "AA");
  EXPECT_EQ(ColumnName(500), "SG");
}

// An OLE2 compound file of the given streams ("dir/stream" nests one
// storage deep), written with libgsf.
std::string Ole(const std::vector<std::pair<std::string, std::string>>& s) {
  gsf_init();
  GsfOutput* mem = gsf_output_memory_new();
  GsfOutfile* ole = gsf_outfile_msole_new(mem);
  std::map<std::string, GsfOutfile*> dirs;
  for (const auto& [name, data] : s) {
    GsfOutfile* parent = ole;
    std::string leaf = name;
    if (size_t slash = name.find('/'); slash != std::string::npos) {
      std::string dir = name.substr(0, slash);
      leaf = name.substr(slash + 1);
      if (!dirs.count(dir))
        dirs[dir] = GSF_OUTFILE(gsf_outfile_new_child(ole, dir.c_str(), TRUE));
      parent = dirs[dir];
    }
    GsfOutput* out = gsf_outfile_new_child(parent, leaf.c_str(), FALSE);
    gsf_output_write(out, data.size(),
                     reinterpret_cast<const guint8*>(data.data()));
    gsf_output_close(out);
    g_object_unref(out);
  }
  for (auto& [name, dir] : dirs) {
    gsf_output_close(GSF_OUTPUT(dir));
    g_object_unref(dir);
  }
  gsf_output_close(GSF_OUTPUT(ole));
  g_object_unref(ole);
  std::string bytes(reinterpret_cast<const char*>(
                        gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem))),
                    static_cast<size_t>(gsf_output_size(mem)));
  g_object_unref(mem);
  return bytes;
}

std::string Utf16(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    out += c;
    out += '\0';
  }
  return out;
}

TEST(Legacy, OutlookMessageSubjectBodyAndAttachment) {
  std::string msg = Ole({
      {"__properties_version1.0", std::string(32, '\0')},
      {"__substg1.0_0037001F", Utf16("IEP meeting")},
      {"__substg1.0_1000001F", Utf16("Notes attached. SSN 536-22-8145")},
      {"__substg1.0_0C1F001F", Utf16("teacher@example-usd.org")},
      {"__attach_version1.0_#00000000/__substg1.0_3707001F",
       Utf16("notes.txt")},
      {"__attach_version1.0_#00000000/__substg1.0_37010102",
       "Student: Maria Garcia"},
  });
  Extracted x = ExtractFile(msg, "meeting.msg", {});
  std::map<std::string, std::string> v;
  for (const auto& t : x.texts)
    v[t.path + "|" + std::string(core::ViewName(t.view))] = t.text;
  EXPECT_EQ(v["|subject"], "IEP meeting");
  EXPECT_NE(v["|body"].find("536-22-8145"), std::string::npos);
  EXPECT_NE(v["|addresses"].find("teacher@example-usd.org"), std::string::npos);
  EXPECT_EQ(v["notes.txt|body"], "Student: Maria Garcia");
  EXPECT_EQ(v["notes.txt|filename"], "notes.txt");
}

TEST(Legacy, EmbeddedPackageAndEncryptedDocuments) {
  std::string package = Ole({{"Package", Archive({{"a.txt", "inside"}})}});
  Extracted x = ExtractFile(package, "oleObject1.bin", {});
  ASSERT_NE(Text(x, "Package > a.txt"), nullptr);
  std::string locked =
      Ole({{"EncryptionInfo", "x"}, {"EncryptedPackage", "y"}});
  Extracted y = ExtractFile(locked, "locked.docx", {});
  std::string why;
  for (const auto& k : y.skipped)
    why += k.content_type + ": " + k.reason + "\n";
  for (const auto& f : y.flags) why += f.category + ": " + f.detail + "\n";
  EXPECT_TRUE(AnySkipped(y, "password-protected Office document")) << why;
  std::string macros = Ole({{"WordDocument", "x"}, {"Macros/VBA", "y"}});
  Limits no_helpers;
  no_helpers.helpers = false;
  Extracted z = ExtractFile(macros, "old.doc", no_helpers);
  ASSERT_EQ(z.flags.size(), 1u);
  EXPECT_EQ(z.flags[0].category, "active-content");
}

// An Ole10Native (Packager) stream wrapping `data` as `name`.
std::string Packager(const std::string& name, const std::string& data) {
  auto u32 = [](uint32_t v) {
    std::string b(4, '\0');
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    return b;
  };
  std::string temp = "C:\\Temp\\" + name + std::string(1, '\0');
  std::string body = std::string("\x02\x00", 2) + name + std::string(1, '\0') +
                     "C:\\" + name + std::string(1, '\0') + u32(0x30000) +
                     u32(static_cast<uint32_t>(temp.size())) + temp +
                     u32(static_cast<uint32_t>(data.size())) + data;
  return u32(static_cast<uint32_t>(body.size())) + body;
}

TEST(Legacy, PackagedFileInsideAnOfficeObjectIsRead) {
  std::string ole =
      Ole({{"\x01Ole10Native",
            Packager("run.bat", "@echo off\necho 536-22-8145\n")}});
  Extracted x = ExtractFile(ole, "oleObject1.bin", {});
  ASSERT_EQ(x.flags.size(), 1u);
  EXPECT_EQ(x.flags[0].category, "executable");
  EXPECT_EQ(x.flags[0].path, "run.bat");
  ASSERT_NE(Text(x, "run.bat"), nullptr);
  // A size that runs past the stream is damage, not a read out of bounds.
  std::string bad = Packager("a.txt", "hello");
  bad.resize(bad.size() - 3);
  Extracted y = ExtractFile(Ole({{"\x01Ole10Native", bad}}), "o.bin", {});
  EXPECT_TRUE(AnySkipped(y, "damaged embedded package"));
}

TEST(Legacy, MissingHelpersAreAClearNotInspected) {
  Limits l;
  l.helpers = false;
  Extracted x = ExtractFile("{\\rtf1 hello}", "memo.rtf", l);
  EXPECT_TRUE(AnySkipped(x, "helper programs, which are turned off"));
}

}  // namespace
}  // namespace steward::extract
