#include "release/pdf.h"

#include <algorithm>
#include <map>
#include <memory>
#include <qpdf/Buffer.hh>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>
#include <set>

#include "extract/document.h"

namespace steward::release {

namespace {

// Tokens of one content stream kept at most, and their bytes (a stream
// with more is refused, and the PDF withheld).
constexpr size_t kMaxTokens = 1'000'000;
constexpr size_t kMaxTokenBytes = size_t{32} << 20;
// A stream decoded for the check after the cut, at most (a larger one,
// a bomb most likely, is refused and the PDF withheld).
constexpr size_t kMaxCheckedStream = size_t{64} << 20;

// Keeps what a stream decodes to, up to a bound; beyond it, throws.
class Bounded : public Pipeline {
 public:
  Bounded(std::string* out, size_t max)
      : Pipeline("bounded", nullptr), out_(out), max_(max) {}
  void write(unsigned char const* data, size_t len) override {
    if (out_->size() + len > max_)
      throw std::length_error("a stream decodes to more than " +
                              std::to_string(max_ >> 20) + " MiB");
    out_->append(reinterpret_cast<const char*>(data), len);
  }
  void finish() override {}

 private:
  std::string* out_;
  size_t max_;
};

// The bytes of the hex strings in `data` ("<4D61>" is "Ma"), so that a
// value written in hex in either case is found.
std::string HexStrings(std::string_view data) {
  std::string out;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != '<' || (i + 1 < data.size() && data[i + 1] == '<')) continue;
    std::string bytes;
    int hi = -1;
    size_t j = i + 1;
    for (; j < data.size() && data[j] != '>'; ++j) {
      const char c = data[j];
      int v = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -2;
      if (v == -2) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        break;
      }
      if (hi < 0) {
        hi = v;
      } else {
        bytes += static_cast<char>(hi * 16 + v);
        hi = -1;
      }
    }
    if (j < data.size() && data[j] == '>') {
      out += bytes;
      out += '\0';
      i = j;
    }
  }
  return out;
}

char Fold(unsigned char c) {
  return static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
}
bool Space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

// A value as matched: lower case, each run of white space one space.
std::string Pattern(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (Space(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += Fold(static_cast<unsigned char>(c));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// One character of the text a content stream shows: where its bytes are
// (`tok` < 0: a gap the layout makes, read as a space).
struct Ch {
  char c;
  int tok;
  int byte;
};

// The end of a match of `pat` at `s` in `text`, or -1. A space of the
// pattern matches one or more spaces of the text.
template <typename Get>
long MatchAt(size_t n, Get at, size_t s, const std::string& pat) {
  size_t i = s;
  for (size_t k = 0; k < pat.size(); ++k) {
    if (pat[k] == ' ') {
      if (i >= n || !Space(at(i))) return -1;
      while (i < n && Space(at(i))) ++i;
      continue;
    }
    if (i >= n || at(i) != pat[k]) return -1;
    ++i;
  }
  return static_cast<long>(i);
}

bool ContainsPattern(std::string_view text, const std::string& pat) {
  if (pat.empty()) return false;
  for (size_t s = 0; s < text.size(); ++s)
    if (MatchAt(
            text.size(),
            [&](size_t i) { return Fold(static_cast<unsigned char>(text[i])); },
            s, pat) >= 0)
      return true;
  return false;
}

std::string Label(const Mark& m, bool wide) {
  std::string l = "[REDACTED: " + m.label + "]";
  if (std::any_of(l.begin(), l.end(),
                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
    l = "[REDACTED]";
  if (!wide) return l;
  std::string w;
  for (char c : l) {
    w += '\0';
    w += c;
  }
  return w;
}

// Cuts the marks' values out of the strings of one content stream.
class Cutter : public QPDFObjectHandle::TokenFilter {
 public:
  Cutter(const std::vector<Mark>& marks, std::map<size_t, uint32_t>* counts,
         bool* overflow)
      : marks_(marks), counts_(counts), overflow_(overflow) {}

  void handleToken(QPDFTokenizer::Token const& t) override {
    bytes_ += t.getRawValue().size() + t.getValue().size();
    if (tokens_.size() >= kMaxTokens || bytes_ > kMaxTokenBytes) {
      *overflow_ = true;
      return;
    }
    tokens_.push_back(t);
  }

  void handleEOF() override {
    Cut();
    for (size_t i = 0; i < tokens_.size(); ++i) {
      auto it = edited_.find(static_cast<int>(i));
      if (it == edited_.end())
        writeToken(tokens_[i]);
      else
        writeToken(QPDFTokenizer::Token(QPDFTokenizer::tt_string, it->second));
    }
  }

 private:
  // The text the stream shows, read one byte a character (`wide` false)
  // or two (UTF-16 / Identity fonts whose codes are Unicode).
  std::vector<Ch> Text(bool wide) const {
    std::vector<Ch> out;
    auto gap = [&] {
      if (!out.empty() && out.back().c != ' ') out.push_back({' ', -1, 0});
    };
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const auto& t = tokens_[i];
      const auto type = t.getType();
      if (type == QPDFTokenizer::tt_string) {
        const std::string& v = t.getValue();
        if (!wide) {
          for (size_t j = 0; j < v.size(); ++j)
            out.push_back({Fold(static_cast<unsigned char>(v[j])),
                           static_cast<int>(i), static_cast<int>(j)});
        } else if (v.size() % 2 == 0) {
          for (size_t j = 0; j + 1 < v.size(); j += 2)
            out.push_back({v[j] == '\0'
                               ? Fold(static_cast<unsigned char>(v[j + 1]))
                               : '\x01',
                           static_cast<int>(i), static_cast<int>(j)});
        } else {
          gap();
        }
      } else if (type == QPDFTokenizer::tt_integer ||
                 type == QPDFTokenizer::tt_real) {
        // A kerning in TJ wide enough to be a space between words.
        if (std::atof(t.getValue().c_str()) <= -150) gap();
      } else if (type == QPDFTokenizer::tt_word) {
        static const std::set<std::string> kMoves = {"Td", "TD", "T*", "Tm",
                                                     "'",  "\"", "BT", "ET"};
        if (kMoves.count(t.getValue())) gap();
      }
    }
    return out;
  }

  void Cut() {
    std::vector<size_t> order(marks_.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return marks_[a].value.size() > marks_[b].value.size();
    });
    // (token, byte) -> cut; (token, byte) -> label put before it
    std::set<std::pair<int, int>> cut;
    std::map<std::pair<int, int>, std::string> put;
    for (bool wide : {false, true}) {
      const std::vector<Ch> text = Text(wide);
      std::vector<bool> taken(text.size(), false);
      for (size_t k : order) {
        const std::string pat = Pattern(marks_[k].value);
        if (pat.empty()) continue;
        for (size_t s = 0; s < text.size();) {
          long e =
              taken[s]
                  ? -1
                  : MatchAt(
                        text.size(),
                        [&](size_t i) { return taken[i] ? '\x02' : text[i].c; },
                        s, pat);
          if (e < 0) {
            ++s;
            continue;
          }
          bool first = true;
          for (size_t i = s; i < static_cast<size_t>(e); ++i) {
            taken[i] = true;
            if (text[i].tok < 0) continue;
            const auto at = std::make_pair(text[i].tok, text[i].byte);
            if (first) put[at] = Label(marks_[k], wide);
            first = false;
            cut.insert(at);
            if (wide) cut.insert({text[i].tok, text[i].byte + 1});
          }
          ++(*counts_)[k];
          s = static_cast<size_t>(e);
        }
      }
    }
    std::set<int> touched;
    for (const auto& [tok, byte] : cut) touched.insert(tok);
    for (int tok : touched) {
      const std::string& v = tokens_[tok].getValue();
      std::string now;
      for (size_t j = 0; j < v.size(); ++j) {
        auto p = put.find({tok, static_cast<int>(j)});
        if (p != put.end()) now += p->second;
        if (!cut.count({tok, static_cast<int>(j)})) now += v[j];
      }
      edited_[tok] = now;
    }
  }

  const std::vector<Mark>& marks_;
  std::map<size_t, uint32_t>* counts_;
  bool* overflow_;
  std::vector<QPDFTokenizer::Token> tokens_;
  size_t bytes_ = 0;
  std::map<int, std::string> edited_;
};

std::string Hex(std::string_view s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// The forms a value may take in a PDF's bytes once streams are decoded:
// as written, UTF-16BE, and each as hex digits.
std::vector<std::string> Forms(std::string_view v) {
  std::string lower;
  for (char c : v) lower += Fold(static_cast<unsigned char>(c));
  std::string wide;
  for (char c : lower) {
    wide += '\0';
    wide += c;
  }
  return {lower, wide, Hex(lower), Hex(wide)};
}

bool HasForm(std::string_view bytes, const std::vector<std::string>& forms) {
  std::string low(bytes.size(), '\0');
  std::transform(bytes.begin(), bytes.end(), low.begin(),
                 [](char c) { return Fold(static_cast<unsigned char>(c)); });
  for (const std::string& f : forms)
    if (!f.empty() && low.find(f) != std::string::npos) return true;
  return false;
}

// Where a value survives in `pdf`: "" when nowhere.
std::string Survivor(std::string_view pdf, const std::vector<Mark>& marks,
                     const extract::Limits& limits) {
  extract::Extracted x = extract::ExtractFile(pdf, "redacted.pdf", limits);
  for (const auto& t : x.texts)
    for (const Mark& m : marks)
      if (ContainsPattern(t.text, Pattern(m.value)))
        return "its text still reads '" + m.category + "' value";
  QPDF q;
  q.setSuppressWarnings(true);
  q.processMemoryFile("redacted", pdf.data(), pdf.size());
  for (QPDFObjectHandle o : q.getAllObjects()) {
    std::string bytes = o.unparseBinary();
    if (o.isStream()) {
      std::string data;
      Bounded keep(&data, kMaxCheckedStream);
      bool filtered = false;
      // Decoded where qpdf can; else as stored (an image's own codec).
      if (!o.pipeStreamData(&keep, &filtered, 0, qpdf_dl_generalized, true)) {
        data.clear();
        Bounded raw(&data, kMaxCheckedStream);
        o.pipeStreamData(&raw, &filtered, 0, qpdf_dl_none, true);
      }
      bytes += data;
      bytes += HexStrings(data);
    }
    for (const Mark& m : marks)
      if (HasForm(bytes, Forms(m.value)))
        return "object " + std::to_string(o.getObjectID()) +
               " still holds a '" + m.category + "' value";
  }
  return "";
}

}  // namespace

bool IsPdf(std::string_view bytes) {
  return bytes.substr(0, 1024).find("%PDF-") != std::string_view::npos;
}

core::Result<PdfRedacted> RedactPdf(std::string_view pdf,
                                    const std::vector<Mark>& marks,
                                    const extract::Limits& limits) {
  if (pdf.size() > limits.max_item_bytes)
    return core::Status::Limit(
        "PDF larger than " + std::to_string(limits.max_item_bytes) + " bytes");
  PdfRedacted out;
  try {
    QPDF q;
    q.setSuppressWarnings(true);
    q.processMemoryFile("pdf", pdf.data(), pdf.size());
    if (q.isEncrypted())
      return core::Status::Unsupported("the PDF is encrypted");
    QPDFObjectHandle root = q.getRoot();
    for (const char* k :
         {"/Metadata", "/Outlines", "/Names", "/Dests", "/AcroForm",
          "/OpenAction", "/AA", "/StructTreeRoot", "/MarkInfo", "/PieceInfo",
          "/SpiderInfo", "/Threads", "/Collection", "/Perms", "/Legal"})
      root.removeKey(k);
    q.getTrailer().removeKey("/Info");
    std::vector<QPDFPageObjectHelper> pages =
        QPDFPageDocumentHelper(q).getAllPages();
    if (pages.size() > limits.max_pages)
      return core::Status::Limit("more than " +
                                 std::to_string(limits.max_pages) + " pages");
    // Counts per page (0: form XObjects, shared by pages).
    std::vector<std::map<size_t, uint32_t>> counts(pages.size() + 1);
    bool overflow = false;
    for (size_t i = 0; i < pages.size(); ++i) {
      QPDFObjectHandle page = pages[i].getObjectHandle();
      for (const char* k :
           {"/Annots", "/Metadata", "/PieceInfo", "/Thumb", "/AA", "/B"})
        page.removeKey(k);
      pages[i].addContentTokenFilter(
          std::make_shared<Cutter>(marks, &counts[i + 1], &overflow));
    }
    for (QPDFObjectHandle o : q.getAllObjects()) {
      if (!o.isStream()) continue;
      QPDFObjectHandle d = o.getDict();
      if (d.getKey("/Subtype").isNameAndEquals("/Form")) {
        d.removeKey("/Metadata");
        d.removeKey("/PieceInfo");
        QPDFPageObjectHelper(o).addContentTokenFilter(
            std::make_shared<Cutter>(marks, &counts[0], &overflow));
      } else if (d.getKey("/Type").isNameAndEquals("/Metadata") ||
                 d.getKey("/Type").isNameAndEquals("/EmbeddedFile")) {
        o.replaceStreamData("", QPDFObjectHandle::newNull(),
                            QPDFObjectHandle::newNull());
      }
    }
    QPDFWriter w(q);
    w.setOutputMemory();
    w.setStaticID(true);
    w.setObjectStreamMode(qpdf_o_disable);
    w.setCompressStreams(true);
    w.setDecodeLevel(qpdf_dl_generalized);
    w.write();
    if (overflow)
      return core::Status::Limit("a content stream has more than " +
                                 std::to_string(kMaxTokens) + " tokens");
    std::shared_ptr<Buffer> b = w.getBufferSharedPointer();
    out.bytes.assign(reinterpret_cast<const char*>(b->getBuffer()),
                     b->getSize());
    for (size_t p = 0; p < counts.size(); ++p)
      for (const auto& [k, n] : counts[p])
        out.cuts.push_back({static_cast<int>(p), k, n});
    if (std::string s = Survivor(out.bytes, marks, limits); !s.empty())
      return core::Status::Invalid("a value could not be cut from the PDF (" +
                                   s + ")");
  } catch (const std::exception& e) {
    return core::Status::Invalid(std::string("the PDF could not be read: ") +
                                 e.what());
  }
  return out;
}

}  // namespace steward::release
