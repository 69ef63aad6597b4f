#include "core/csv.h"

#include <gtest/gtest.h>

namespace steward::core {
namespace {

TEST(Csv, QuotedFieldsAndRecordLines) {
  std::vector<CsvRecord> rows;
  Status st = ReadCsv("a,b\n\"x, y\",\"multi\nline\"\nlast,row\n",
                      [&](const CsvRecord& r) {
                        rows.push_back(r);
                        return true;
                      });
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields[0], "x, y");
  EXPECT_EQ(rows[1].fields[1], "multi\nline");
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_EQ(rows[2].line, 4u);
}

TEST(Csv, UnterminatedQuoteIsAnErrorWithALine) {
  Status st =
      ReadCsv("a,b\n1,\"open\n2,3\n", [](const CsvRecord&) { return true; });
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("line"), std::string::npos);
}

TEST(Csv, NoTrailingNewlineAndBom) {
  std::vector<CsvRecord> rows;
  ASSERT_TRUE(ReadCsv("\xEF\xBB\xBFid,name\n1,Ann", [&](const CsvRecord& r) {
                rows.push_back(r);
                return true;
              }).ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields[0], "id");
  EXPECT_EQ(rows[1].fields[1], "Ann");
}

// A cell a spreadsheet could run is neutralised, whatever starts it: the
// four formula characters after any spaces, TAB and CR, which Excel skips
// before looking for one, and | (DDE).
TEST(Csv, CellsThatStartLikeAFormulaAreNeutralised) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"=1+1", "\"'=1+1\""},
      {"+1", "\"'+1\""},
      {"-1", "\"'-1\""},
      {"@SUM(A1)", "\"'@SUM(A1)\""},
      // A tab is written as a space and a CR as a line end, still defused.
      {"\t=cmd|' /C calc'!A0", "\"' =cmd|' /C calc'!A0\""},
      {"\r=1+1", "\"'\n=1+1\""},
      // Leading spaces are dropped by spreadsheets before they look.
      {"  =1+1", "\"'  =1+1\""},
      {" -2", "\"' -2\""},
      {"|cmd", "\"'|cmd\""},
      {"   ", "\"   \""},
      {"Ada \"A\" Lovelace", "\"Ada \"\"A\"\" Lovelace\""},
      {"a=b", "\"a=b\""},
      {"", "\"\""},
      // Blanks and invisible marks some spreadsheets drop as well: a
      // no-break space, a byte order mark, zero-width and typographic
      // spaces, the ideographic space; and the full-width signs.
      {"\xC2\xA0=1+1", "\"'\xC2\xA0=1+1\""},
      {"\xEF\xBB\xBF=1+1", "\"'\xEF\xBB\xBF=1+1\""},
      {"\xE2\x80\x8B\xE2\x80\x83 @SUM(A1)",
       "\"'\xE2\x80\x8B\xE2\x80\x83 @SUM(A1)\""},
      {"\xE3\x80\x80-1", "\"'\xE3\x80\x80-1\""},
      {"\xEF\xBC\x9D"
       "1+1",
       "\"'\xEF\xBC\x9D"
       "1+1\""},
      // Found by attacking: filler glyphs (U+3164, U+2800), a soft hyphen,
      // invisible operators, and the small-form signs (U+FE66, U+FE62).
      {"\xE3\x85\xA4=HYPERLINK(\"x\")",
       "\"'\xE3\x85\xA4=HYPERLINK(\"\"x\"\")\""},
      {"\xE2\xA0\x80+1", "\"'\xE2\xA0\x80+1\""},
      {"\xC2\xAD-1", "\"'\xC2\xAD-1\""},
      {"\xE2\x81\xA2@A1", "\"'\xE2\x81\xA2@A1\""},
      {"\xEF\xB9\xA6"
       "1",
       "\"'\xEF\xB9\xA6"
       "1\""},
      {"\xEF\xB9\xA2"
       "1",
       "\"'\xEF\xB9\xA2"
       "1\""},
      // Not blanks: a word, an en dash (U+2013), a lone no-break space.
      {"\xC2\xA0", "\"\xC2\xA0\""},
      {"\xE2\x80\x93 note", "\"\xE2\x80\x93 note\""},
      {"\xC3\xA9=1", "\"\xC3\xA9=1\""},  // é=1
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CsvField(c.in), c.out) << c.in;
    EXPECT_EQ(StartsLikeFormula(c.in), c.out.substr(0, 2) == "\"'") << c.in;
  }
}

// Found by attacking: a NUL stored in a field went into the export as is
// (a reader in C ends the cell there, another tool the file). Control
// characters, invalid UTF-8 and the marks that reorder text are dropped,
// as in a workbook; a NUL that hid a formula does not keep it hidden.
TEST(Csv, CellsHoldNoControlCharactersOrBrokenText) {
  EXPECT_EQ(CsvField(std::string("ann\0lee", 7)), "\"annlee\"");
  EXPECT_EQ(CsvField(std::string("\0=1+1", 5)), "\"'=1+1\"");
  EXPECT_EQ(CsvField("a\x1b[31mb"), "\"a[31mb\"");
  EXPECT_EQ(CsvField("x\xff\xfey"), "\"xy\"");
  EXPECT_EQ(CsvField("gpj.\xE2\x80\xAE"
                     "exe"),
            "\"gpj.exe\"");  // RLO
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
}

// An export read by its header however the exporting system spells it:
// cells by column, absent columns empty, a missing required column and a
// broken quote each named with the file.
TEST(Csv, ATableIsReadByItsHeader) {
  std::vector<std::string> seen;
  auto st = ReadCsvTable(
      "User Login,E-mail\nann,ann@example.org\nbob\n", "editors.csv",
      {{"login", "userlogin"}, {"name"}, {"email"}}, {2}, "an email column",
      [&](const CsvRecord& r, const CellOf& cell) {
        seen.push_back(std::to_string(r.line) + ":" + cell(0) + "|" + cell(1) +
                       "|" + cell(2));
        return true;
      });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(seen,
            (std::vector<std::string>{"2:ann||ann@example.org", "3:bob||"}));
  auto no_mail =
      ReadCsvTable("login\nann\n", "editors.csv", {{"login"}, {"email"}}, {1},
                   "an email column", [](const CsvRecord&, const CellOf&) {
                     ADD_FAILURE() << "no row is read";
                     return true;
                   });
  EXPECT_EQ(no_mail.message(),
            "editors.csv:1: the header needs an email column");
  auto broken = ReadCsvTable(
      "email\n\"ann@example.org\n", "editors.csv", {{"email"}}, {0},
      "an email column", [](const CsvRecord&, const CellOf&) { return true; });
  EXPECT_FALSE(broken.ok());
  EXPECT_TRUE(broken.message().starts_with("editors.csv: "))
      << broken.message();
}

}  // namespace
}  // namespace steward::core
