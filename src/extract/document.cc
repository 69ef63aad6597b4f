#include "extract/document.h"

#include <algorithm>

#include "core/text.h"
#include "extract/formats.h"
#include "extract/source.h"

namespace steward::extract {

Context::Context(const Limits& limits, Extracted& out)
    : limits_(limits),
      out_(out),
      deadline_(std::chrono::steady_clock::now() +
                std::chrono::seconds(limits.max_seconds)) {}

bool Context::InTime(const std::string& path) {
  if (std::chrono::steady_clock::now() < deadline_) return true;
  if (!time_reported_) {
    time_reported_ = true;
    Skip(path, "", "",
         "reading this item took longer than the limit of " +
             std::to_string(limits_.max_seconds) + " s; the rest was not read");
  }
  return false;
}

bool Context::CountMember(const std::string& path) {
  if (++members_ <= limits_.max_members) return true;
  if (!members_reported_) {
    members_reported_ = true;
    Skip(path, "", "",
         "more than " + std::to_string(limits_.max_members) +
             " archive members and embedded files; the rest were not read");
  }
  return false;
}

bool Context::Spend(uint64_t bytes, const std::string& path) {
  if (expanded_ + bytes <= limits_.max_expanded_bytes) {
    expanded_ += bytes;
    return true;
  }
  if (!bytes_reported_) {
    bytes_reported_ = true;
    Skip(path, "", "",
         "decompresses to more than the limit of " +
             std::to_string(limits_.max_expanded_bytes) +
             " bytes (a compression bomb?); the rest was not read");
  }
  return false;
}

void Context::Skip(const std::string& path, const std::string& type,
                   const std::string& filename, std::string reason) {
  out_.skipped.push_back({path, type, filename, std::move(reason)});
}

void Context::AddFlag(const std::string& path, const std::string& category,
                      std::string detail) {
  out_.flags.push_back({path, category, std::move(detail)});
}

std::string BaseName(const std::string& member) {
  size_t s = member.find_last_of('/');
  return s == std::string::npos ? member : member.substr(s + 1);
}

std::string Called(const Declared& file, const char* fallback) {
  return file.name.empty() ? std::string(fallback) : "\"" + file.name + "\"";
}

void FlagMacros(const Declared& file, Context& ctx) {
  ctx.AddFlag(file.path, "active-content",
              Called(file, "this document") +
                  " contains a macro project (code that can run when it is "
                  "opened)");
}

std::string ChildPath(const std::string& parent, const std::string& member) {
  return parent.empty() ? member : parent + " > " + member;
}

namespace {

// What a file is, as far as choosing a reader and comparing claims go.
enum class Kind {
  kUnknown,
  kText,
  kHtml,
  kCsv,
  kTsv,
  kPsv,
  kRtf,
  kMessage,
  kPdf,
  kZip,  // zip and the formats built on it (OOXML, ODF, jar)
  kArchive,
  kOle,  // OLE2: doc, xls, ppt, msg
  kImage,
  kExecutable,
  kAudioVideo,
};

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kText:
    case Kind::kCsv:
    case Kind::kTsv:
    case Kind::kPsv:
      return "text";
    case Kind::kHtml:
      return "an HTML page";
    case Kind::kRtf:
      return "an RTF document";
    case Kind::kMessage:
      return "a mail message";
    case Kind::kPdf:
      return "a PDF document";
    case Kind::kZip:
      return "a zip archive or Office document";
    case Kind::kArchive:
      return "a compressed archive";
    case Kind::kOle:
      return "a legacy Office document";
    case Kind::kImage:
      return "an image";
    case Kind::kExecutable:
      return "a program";
    case Kind::kAudioVideo:
      return "audio or video";
    case Kind::kUnknown:
      break;
  }
  return "unknown";
}

std::string Extension(const std::string& name) {
  size_t slash = name.find_last_of("/\\");
  std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  size_t dot = base.rfind('.');
  if (dot == std::string::npos || dot == 0) return {};
  return core::AsciiLower(base.substr(dot + 1));
}

Kind KindOfExtension(const std::string& ext) {
  struct Entry {
    const char* ext;
    Kind kind;
  };
  static constexpr Entry kTable[] = {
      {"txt", Kind::kText},       {"text", Kind::kText},
      {"log", Kind::kText},       {"md", Kind::kText},
      {"json", Kind::kText},      {"xml", Kind::kText},
      {"htm", Kind::kHtml},       {"html", Kind::kHtml},
      {"xhtml", Kind::kHtml},     {"csv", Kind::kCsv},
      {"tsv", Kind::kTsv},        {"tab", Kind::kTsv},
      {"psv", Kind::kPsv},        {"rtf", Kind::kRtf},
      {"eml", Kind::kMessage},    {"pdf", Kind::kPdf},
      {"zip", Kind::kZip},        {"docx", Kind::kZip},
      {"docm", Kind::kZip},       {"xlsx", Kind::kZip},
      {"xlsm", Kind::kZip},       {"pptx", Kind::kZip},
      {"pptm", Kind::kZip},       {"odt", Kind::kZip},
      {"ods", Kind::kZip},        {"odp", Kind::kZip},
      {"tar", Kind::kArchive},    {"gz", Kind::kArchive},
      {"tgz", Kind::kArchive},    {"bz2", Kind::kArchive},
      {"xz", Kind::kArchive},     {"7z", Kind::kArchive},
      {"rar", Kind::kArchive},    {"doc", Kind::kOle},
      {"xls", Kind::kOle},        {"ppt", Kind::kOle},
      {"msg", Kind::kOle},        {"jpg", Kind::kImage},
      {"jpeg", Kind::kImage},     {"png", Kind::kImage},
      {"gif", Kind::kImage},      {"bmp", Kind::kImage},
      {"tif", Kind::kImage},      {"tiff", Kind::kImage},
      {"webp", Kind::kImage},     {"heic", Kind::kImage},
      {"exe", Kind::kExecutable}, {"dll", Kind::kExecutable},
      {"scr", Kind::kExecutable}, {"com", Kind::kExecutable},
      {"msi", Kind::kExecutable}, {"bat", Kind::kExecutable},
      {"cmd", Kind::kExecutable}, {"ps1", Kind::kExecutable},
      {"vbs", Kind::kExecutable}, {"vbe", Kind::kExecutable},
      {"js", Kind::kExecutable},  {"jse", Kind::kExecutable},
      {"wsf", Kind::kExecutable}, {"hta", Kind::kExecutable},
      {"jar", Kind::kExecutable}, {"sh", Kind::kExecutable},
      {"lnk", Kind::kExecutable}, {"elf", Kind::kExecutable},
      {"mp3", Kind::kAudioVideo}, {"mp4", Kind::kAudioVideo},
      {"mov", Kind::kAudioVideo}, {"wav", Kind::kAudioVideo},
  };
  for (const auto& e : kTable)
    if (ext == e.ext) return e.kind;
  return Kind::kUnknown;
}

Kind KindOfType(const std::string& type) {
  if (type.empty() || type == "application/octet-stream") return Kind::kUnknown;
  if (type == "text/html" || type == "application/xhtml+xml")
    return Kind::kHtml;
  if (type == "text/csv") return Kind::kCsv;
  if (type == "text/tab-separated-values") return Kind::kTsv;
  if (type == "text/rtf" || type == "application/rtf") return Kind::kRtf;
  if (type == "message/rfc822") return Kind::kMessage;
  if (type == "application/pdf") return Kind::kPdf;
  if (type == "application/x-dosexec" ||
      type == "application/vnd.microsoft.portable-executable" ||
      type == "application/x-executable" ||
      type == "application/x-pie-executable" ||
      type == "application/x-sharedlib" ||
      type == "application/x-mach-binary" || type == "application/x-msi" ||
      type == "application/java-archive" ||
      type == "application/x-java-archive" || type == "text/x-shellscript" ||
      type == "text/x-msdos-batch" || type == "application/x-ms-shortcut" ||
      type == "application/x-msdownload" || type == "application/hta")
    return Kind::kExecutable;
  if (type == "application/zip" || type == "application/x-zip-compressed" ||
      type.starts_with("application/vnd.openxmlformats-officedocument") ||
      type.starts_with("application/vnd.oasis.opendocument") ||
      type == "application/vnd.ms-word.document.macroenabled.12" ||
      type == "application/vnd.ms-excel.sheet.macroenabled.12")
    return Kind::kZip;
  if (type == "application/x-tar" || type == "application/gzip" ||
      type == "application/x-gzip" || type == "application/x-bzip2" ||
      type == "application/x-xz" || type == "application/x-7z-compressed" ||
      type == "application/x-rar" || type == "application/vnd.rar" ||
      type == "application/x-cpio" || type == "application/zstd" ||
      type == "application/x-iso9660-image" || type == "application/x-lzma" ||
      type == "application/x-compress")
    return Kind::kArchive;
  if (type == "application/msword" || type == "application/vnd.ms-excel" ||
      type == "application/vnd.ms-powerpoint" ||
      type == "application/vnd.ms-outlook" || type == "application/CDFV2" ||
      type == "application/x-ole-storage" ||
      type.starts_with("application/cdfv2"))
    return Kind::kOle;
  if (type.starts_with("image/")) return Kind::kImage;
  if (type.starts_with("audio/") || type.starts_with("video/"))
    return Kind::kAudioVideo;
  if (type.starts_with("text/")) return Kind::kText;
  return Kind::kUnknown;
}

// Whether a claim and the sniffed kind disagree in a way worth telling.
bool Contradicts(Kind claimed, Kind sniffed) {
  if (claimed == Kind::kUnknown || sniffed == Kind::kUnknown) return false;
  auto texty = [](Kind k) {
    return k == Kind::kText || k == Kind::kHtml || k == Kind::kCsv ||
           k == Kind::kTsv || k == Kind::kPsv || k == Kind::kRtf ||
           k == Kind::kMessage;
  };
  if (texty(claimed) && texty(sniffed)) return false;
  // A .jar is a zip; a .js or .sh is text.
  if (claimed == Kind::kExecutable)
    return sniffed != Kind::kExecutable && sniffed != Kind::kZip &&
           !texty(sniffed);
  return claimed != sniffed;
}

std::string DescribeExecutable(const std::string& type) {
  if (type == "application/x-dosexec" ||
      type == "application/vnd.microsoft.portable-executable" ||
      type == "application/x-msdownload")
    return "a Windows program";
  if (type == "application/x-executable" ||
      type == "application/x-pie-executable" ||
      type == "application/x-sharedlib")
    return "a Linux program (ELF)";
  if (type == "application/x-mach-binary") return "a macOS program (Mach-O)";
  if (type == "application/x-msi") return "a Windows installer";
  if (type == "application/java-archive" ||
      type == "application/x-java-archive")
    return "a Java program";
  if (type == "application/x-ms-shortcut") return "a Windows shortcut";
  return "a script";
}

void AddPlainText(std::string_view bytes, const Declared& file,
                  const std::string& type, Context& ctx) {
  uint64_t n = std::min<uint64_t>(bytes.size(), ctx.limits().max_part_bytes);
  if (n < bytes.size())
    ctx.Skip(file.path, type, file.name,
             "larger than " + std::to_string(ctx.limits().max_part_bytes) +
                 " bytes; only the start was read");
  ctx.out().texts.push_back({file.path, core::View::kBody, type, file.name,
                             core::DecodeText(bytes.substr(0, n))});
}

}  // namespace

void ExtractDocument(std::string_view bytes, const Declared& file,
                     uint32_t depth, Context& ctx) {
  if (depth > ctx.limits().max_depth) {
    ctx.Skip(file.path, file.type, file.name,
             "nested more than " + std::to_string(ctx.limits().max_depth) +
                 " containers deep; not read");
    return;
  }
  if (!ctx.InTime(file.path)) return;
  const std::string ext = Extension(file.name);
  const Kind by_name = KindOfExtension(ext);
  const Kind by_type = KindOfType(core::AsciiLower(file.type));
  // Text is recognised without libmagic (cheap, and libmagic calls much
  // text "data"); only binary content is sniffed.
  std::string sniffed;
  Kind kind;
  const FileKind sniff = Sniff(bytes.substr(0, 65536), file.name);
  const bool binary = sniff == FileKind::kBinary;
  if (binary) {
    sniffed = SniffType(bytes);
    kind = KindOfType(sniffed);
    // Password-protected Office files are OLE2 containers libmagic names
    // "encrypted"; the OLE reader says so in plain words.
    if (sniffed == "application/encrypted" &&
        bytes.substr(0, 4) == "\xD0\xCF\x11\xE0")
      kind = Kind::kOle;
  } else {
    sniffed = "text/plain";
    kind = Kind::kText;
    if (bytes.substr(0, 1024).find("%PDF-") != std::string_view::npos) {
      kind = Kind::kPdf;  // PDFs may be all ASCII
      sniffed = "application/pdf";
    } else if (bytes.compare(0, 5, "{\\rtf") == 0) {
      kind = Kind::kRtf;
      sniffed = "text/rtf";
    } else if (sniff == FileKind::kMessage || by_name == Kind::kMessage ||
               by_type == Kind::kMessage) {
      kind = Kind::kMessage;
      sniffed = "message/rfc822";
    }
  }
  if (kind == Kind::kText) {
    // The claim refines text: CSV, TSV, HTML, a script.
    Kind claim = by_name != Kind::kUnknown ? by_name : by_type;
    if (claim == Kind::kHtml || claim == Kind::kCsv || claim == Kind::kTsv ||
        claim == Kind::kPsv || claim == Kind::kExecutable)
      kind = claim;
    else if (claim == Kind::kUnknown || claim == Kind::kText) {
      std::string head = core::AsciiLower(bytes.substr(0, 1024));
      if (head.find("<html") != std::string::npos ||
          head.find("<!doctype html") != std::string::npos)
        kind = Kind::kHtml;
    }
  }
  if (kind == Kind::kUnknown) {
    // libmagic gives up on damaged files; the claimed reader then says
    // what is wrong with them ("the archive is damaged or truncated").
    for (Kind claim : {by_name, by_type})
      if (claim == Kind::kZip || claim == Kind::kArchive ||
          claim == Kind::kPdf || claim == Kind::kOle) {
        kind = claim;
        break;
      }
  }
  // Claims that the content contradicts.
  for (Kind claim : {by_name, by_type}) {
    if (Contradicts(claim, kind)) {
      std::string said = claim == by_name && !ext.empty()
                             ? "named ." + ext
                             : "declared as " + file.type;
      ctx.AddFlag(file.path, "type-mismatch",
                  (file.name.empty() ? std::string("a file") : file.name) +
                      " is " + said + " but is " + KindName(kind) + " (" +
                      sniffed + ")");
      break;
    }
  }
  switch (kind) {
    case Kind::kExecutable:
      ctx.AddFlag(file.path, "executable",
                  Called(file, "this file") + " is " +
                      DescribeExecutable(sniffed) + " (" + sniffed + ")");
      if (!binary) AddPlainText(bytes, file, sniffed, ctx);
      return;
    case Kind::kHtml:
      ReadHtml(bytes, file, ctx);
      return;
    case Kind::kCsv:
      ReadDelimited(bytes, file, ',', ctx);
      return;
    case Kind::kTsv:
      ReadDelimited(bytes, file, '\t', ctx);
      return;
    case Kind::kPsv:
      ReadDelimited(bytes, file, '|', ctx);
      return;
    case Kind::kRtf:
      ReadRtf(bytes, file, ctx);
      return;
    case Kind::kMessage:
      ReadMessage(bytes, file, depth + 1, ctx);
      return;
    case Kind::kPdf:
      ReadPdf(bytes, file, depth + 1, ctx);
      return;
    case Kind::kZip:
      ReadZipDocument(bytes, file, depth + 1, ctx);
      return;
    case Kind::kArchive:
      ReadArchive(bytes, file, depth + 1, ctx);
      return;
    case Kind::kOle:
      ReadOle(bytes, file, depth + 1, ctx);
      return;
    case Kind::kImage:
      ctx.out().images.push_back(
          {file.path, sniffed, file.name, "image; text in images is not read"});
      return;
    case Kind::kText:
      AddPlainText(bytes, file, binary ? sniffed : "text/plain", ctx);
      return;
    case Kind::kAudioVideo:
    case Kind::kUnknown:
      ctx.Skip(file.path, sniffed, file.name,
               sniffed.find("encrypted") != std::string::npos
                   ? "an encrypted file; not read"
                   : "files of type " + sniffed + " are not read");
      return;
  }
}

bool NeedsReader(std::string_view head, const std::string& name) {
  if (head.substr(0, 1024).find("%PDF-") != std::string_view::npos ||
      head.compare(0, 5, "{\\rtf") == 0)
    return true;
  Kind k = KindOfExtension(Extension(name));
  return k != Kind::kUnknown && k != Kind::kText;
}

Extracted ExtractFile(std::string_view bytes, const std::string& name,
                      const Limits& limits) {
  Extracted out;
  Context ctx(limits, out);
  ExtractDocument(bytes, {"", name, ""}, 0, ctx);
  return out;
}

}  // namespace steward::extract
