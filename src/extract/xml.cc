#include "extract/xml.h"

#include <libxml/parser.h>

#include <mutex>

namespace steward::extract {

namespace {
void Quiet(void*, const char*, ...) {}
void QuietReader(void*, const char*, xmlParserSeverities,
                 xmlTextReaderLocatorPtr) {}
}  // namespace

void QuietLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  xmlSetGenericErrorFunc(nullptr, Quiet);  // per thread
}

XmlReader::XmlReader(std::string_view data) {
  QuietLibxml();
  if (data.size() > static_cast<size_t>(INT32_MAX)) return;
  r_ = xmlReaderForMemory(data.data(), static_cast<int>(data.size()), nullptr,
                          nullptr,
                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                              XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
  if (r_) xmlTextReaderSetErrorHandler(r_, QuietReader, nullptr);
}

XmlReader::~XmlReader() {
  if (r_) xmlFreeTextReader(r_);
}

XmlReader::Event XmlReader::Next() {
  if (!r_) return Event::kError;
  for (;;) {
    int rc = xmlTextReaderRead(r_);
    if (rc == 0) return Event::kDone;
    if (rc < 0) return Event::kError;
    switch (xmlTextReaderNodeType(r_)) {
      case XML_READER_TYPE_ELEMENT:
        return Event::kStart;
      case XML_READER_TYPE_END_ELEMENT:
        return Event::kEnd;
      case XML_READER_TYPE_TEXT:
      case XML_READER_TYPE_CDATA:
      case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        return Event::kText;
      default:
        break;
    }
  }
}

std::string_view XmlReader::Name() const {
  const xmlChar* n = xmlTextReaderConstLocalName(r_);
  return n ? reinterpret_cast<const char*>(n) : "";
}

bool XmlReader::Empty() const { return xmlTextReaderIsEmptyElement(r_) == 1; }

std::string XmlReader::Attr(const char* qualified_name) const {
  xmlChar* v = xmlTextReaderGetAttribute(
      r_, reinterpret_cast<const xmlChar*>(qualified_name));
  if (!v) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::string_view XmlReader::Text() const {
  const xmlChar* v = xmlTextReaderConstValue(r_);
  return v ? reinterpret_cast<const char*>(v) : "";
}

int XmlReader::Depth() const { return xmlTextReaderDepth(r_); }

}  // namespace steward::extract
