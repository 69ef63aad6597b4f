// Redaction inside a PDF (qpdf): the text is removed from the content
// streams, not covered. Within every page's content and every form
// XObject, the strings that text operators show (literal or hex, split
// across Tj, TJ, ' and " operators and kerning, one byte a character or
// two) are read in order as one text; where a value is, its characters are
// cut out of their strings and the label put in the place of the first.
// Then the document is cleaned of what holds text outside the pages:
// the document information and XMP metadata, annotations, outlines, named
// destinations and embedded files, forms, scripts, the structure tree
// (its alternate texts) and page thumbnails. The file is written once,
// whole (no incremental update keeps the old bytes), with a fixed ID so the
// same input gives the same bytes.
//
// The result is checked: its text as poppler reads it, and every string
// and every decoded stream of every object (hex and UTF-16 forms too),
// hold none of the values. A PDF where a value survives, that is
// encrypted, or that cannot be read is an error; the caller withholds it
// whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "extract/part.h"
#include "release/redact.h"

namespace steward::release {

struct PdfRedacted {
  std::string bytes;
  // Per page (1-based) and mark index, how many times a value was cut.
  struct Cut {
    int page = 0;
    size_t mark = 0;
    uint32_t count = 0;
  };
  std::vector<Cut> cuts;
};

core::Result<PdfRedacted> RedactPdf(std::string_view pdf,
                                    const std::vector<Mark>& marks,
                                    const extract::Limits& limits);

// Whether `bytes` look like a PDF (its header).
bool IsPdf(std::string_view bytes);

}  // namespace steward::release
