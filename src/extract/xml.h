// A pull reader over untrusted XML (libxml2's xmlTextReader): no network,
// no external entities, libxml2's own depth and entity-expansion limits;
// errors are kept, not printed. Used by the Office and OpenDocument readers.
#pragma once

#include <libxml/xmlreader.h>

#include <string>
#include <string_view>

namespace steward::extract {

// Makes libxml2 quiet on this thread: its parsers' and encoders' messages
// ("encoding error : input conversion failed") never reach stderr. Every
// reader of untrusted bytes through libxml2 calls it first.
void QuietLibxml();

class XmlReader {
 public:
  explicit XmlReader(std::string_view data);
  ~XmlReader();
  XmlReader(const XmlReader&) = delete;
  XmlReader& operator=(const XmlReader&) = delete;

  enum class Event { kStart, kEnd, kText, kDone, kError };
  // The next element start, element end or text (text and CDATA, with
  // significant whitespace). An empty element gives kStart only; Empty()
  // tells.
  Event Next();
  std::string_view Name() const;  // local name, without prefix
  bool Empty() const;
  std::string Attr(const char* qualified_name) const;  // "" when absent
  std::string_view Text() const;
  int Depth() const;

 private:
  xmlTextReaderPtr r_ = nullptr;
};

// Calls on_event(event, reader) for each start, end and text of `data`.
// Returns false when the XML is damaged; what came before was delivered.
template <typename F>
bool ForEachEvent(std::string_view data, F&& on_event) {
  XmlReader x(data);
  for (;;) {
    XmlReader::Event ev = x.Next();
    if (ev == XmlReader::Event::kDone) return true;
    if (ev == XmlReader::Event::kError) return false;
    on_event(ev, x);
  }
}

}  // namespace steward::extract
