// A pull reader over untrusted XML (libxml2's xmlTextReader): no network,
// no external entities, libxml2's own depth and entity-expansion limits;
// errors are kept, not printed. Used by the Office and OpenDocument readers.
#pragma once

#include <libxml/xmlreader.h>

#include <string>
#include <string_view>

namespace steward::extract {

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

}  // namespace steward::extract
