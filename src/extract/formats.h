// The readers behind ExtractDocument, one per format family. Each reads
// `bytes` (the whole file), appends texts, skipped parts and flags to
// ctx.out(), and hands embedded files back to ExtractDocument at depth + 1.
// None throws; none trusts a size or count written in the file.
#pragma once

#include <string>
#include <string_view>

#include "extract/document.h"

namespace steward::extract {

// zip, tar, gzip, bzip2, xz, 7z, cpio, iso... (libarchive).
void ReadArchive(std::string_view bytes, const Declared& file, uint32_t depth,
                 Context& ctx);
// DOCX, XLSX, PPTX, ODT, ODS, ODP; any other zip goes to ReadArchive.
void ReadZipDocument(std::string_view bytes, const Declared& file,
                     uint32_t depth, Context& ctx);
void ReadPdf(std::string_view bytes, const Declared& file, uint32_t depth,
             Context& ctx);
void ReadHtml(std::string_view bytes, const Declared& file, Context& ctx);
// CSV, TSV, PSV: `delimiter` ',', '\t' or '|'.
void ReadDelimited(std::string_view bytes, const Declared& file, char delimiter,
                   Context& ctx);
// OLE2 compound files: .doc, .xls, .ppt, Outlook .msg.
void ReadOle(std::string_view bytes, const Declared& file, uint32_t depth,
             Context& ctx);
void ReadRtf(std::string_view bytes, const Declared& file, Context& ctx);
// Helpers the readers share.
// The last component of a member path ("word/media/a.png" -> "a.png").
std::string BaseName(const std::string& member);
// How findings name the file: "\"grades.xlsx\"", or `fallback` ("this
// PDF") when it has no name.
std::string Called(const Declared& file, const char* fallback);
// The active-content flag for a document carrying a macro project.
void FlagMacros(const Declared& file, Context& ctx);

// A MIME message; part numbers continue `file.path`.
void ReadMessage(std::string_view bytes, const Declared& file, uint32_t depth,
                 Context& ctx);

}  // namespace steward::extract
