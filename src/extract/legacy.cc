// Formats from before Office 2007, all OLE2 compound files read with
// libgsf: Outlook .msg (subject, addresses, body, attachments, attached
// messages) is read in process; Word, Excel and PowerPoint streams are
// handed to catdoc, xls2csv and catppt, run bounded (core/process.h).
// RTF goes to unrtf. A missing helper is a clear not-inspected part.
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-utils.h>

#include <memory>
#include <mutex>

#include "core/csv.h"
#include "core/process.h"
#include "core/text.h"
#include "extract/formats.h"
#include "extract/table.h"

namespace steward::extract {

namespace {

struct Unref {
  void operator()(void* p) const {
    if (p) g_object_unref(p);
  }
};
using InputPtr = std::unique_ptr<GsfInput, Unref>;

// A storage (folder) of the compound file; null for a stream. (libgsf
// makes every OLE child an infile; streams have no child count.)
GsfInfile* AsInfile(GsfInput* in) {
  if (!in || !GSF_IS_INFILE(in)) return nullptr;
  GsfInfile* f = GSF_INFILE(in);
  return gsf_infile_num_children(f) >= 0 ? f : nullptr;
}

// A stream's bytes, at most `max`.
bool ReadStream(GsfInfile* dir, const char* name, uint64_t max,
                std::string* out) {
  InputPtr in(gsf_infile_child_by_name(dir, name));
  if (!in || AsInfile(in.get())) return false;
  gsf_off_t size = gsf_input_size(in.get());
  if (size < 0) return false;
  size_t n = static_cast<size_t>(std::min<uint64_t>(size, max));
  const guint8* data = gsf_input_read(in.get(), n, nullptr);
  if (!data) return false;
  out->assign(reinterpret_cast<const char*>(data), n);
  return true;
}

bool HasChild(GsfInfile* dir, const char* name) {
  InputPtr in(gsf_infile_child_by_name(dir, name));
  return in != nullptr;
}

// A MAPI string property: UTF-16LE (…001F) or 8-bit (…001E).
std::string MapiString(GsfInfile* dir, const char* tag, uint64_t max) {
  std::string raw;
  std::string name = std::string("__substg1.0_") + tag + "001F";
  if (ReadStream(dir, name.c_str(), max, &raw)) {
    std::string s = core::DecodeText(raw, "UTF-16LE");
    while (!s.empty() && s.back() == '\0') s.pop_back();
    return s;
  }
  name = std::string("__substg1.0_") + tag + "001E";
  if (ReadStream(dir, name.c_str(), max, &raw)) {
    while (!raw.empty() && raw.back() == '\0') raw.pop_back();
    return core::DecodeText(raw);
  }
  return {};
}

void ReadMsg(GsfInfile* msg, const Declared& file, uint32_t depth,
             Context& ctx) {
  const uint64_t max = ctx.limits().max_part_bytes;
  const std::string type = "application/vnd.ms-outlook";
  auto add = [&](core::View view, std::string text) {
    if (text.find_first_not_of(" \t\r\n") != std::string::npos)
      ctx.out().texts.push_back(
          {file.path, view, type, file.name, std::move(text)});
  };
  add(core::View::kSubject, MapiString(msg, "0037", max));
  std::string addrs;
  for (auto [label, tag] : {std::pair{"From", "0C1A"},
                            {"From", "0C1F"},
                            {"To", "0E04"},
                            {"Cc", "0E03"}}) {
    std::string v = MapiString(msg, tag, 1 << 16);
    if (!v.empty()) addrs += std::string(label) + ": " + v + "\n";
  }
  add(core::View::kAddresses, addrs);
  std::string body = MapiString(msg, "1000", max);
  if (!body.empty()) {
    add(core::View::kBody, core::DecodeText(body));
  } else {
    std::string html;
    if (ReadStream(msg, "__substg1.0_10130102", max, &html))
      ReadHtml(html, file, ctx);
  }
  int n = gsf_infile_num_children(msg);
  for (int i = 0; i < n; ++i) {
    const char* cname = gsf_infile_name_by_index(msg, i);
    if (!cname || std::string_view(cname).rfind("__attach_version1.0_", 0) != 0)
      continue;
    InputPtr child(gsf_infile_child_by_index(msg, i));
    GsfInfile* att = AsInfile(child.get());
    if (!att) continue;
    std::string name = MapiString(att, "3707", 4096);
    if (name.empty()) name = MapiString(att, "3704", 4096);
    if (name.empty()) name = "attachment " + std::to_string(i + 1);
    std::string path = ChildPath(file.path, name);
    if (!ctx.CountMember(path)) break;
    if (name.find_first_of("/\\") == std::string::npos && !name.empty())
      ctx.out().texts.push_back({path, core::View::kFilename, "", name, name});
    std::string data;
    if (ReadStream(att, "__substg1.0_37010102", max, &data)) {
      if (!ctx.Spend(data.size(), path)) break;
      ExtractDocument(data, {path, name, MapiString(att, "370E", 256)},
                      depth + 1, ctx);
      continue;
    }
    InputPtr inner(gsf_infile_child_by_name(att, "__substg1.0_3701000D"));
    if (GsfInfile* m = inner ? AsInfile(inner.get()) : nullptr) {
      if (depth + 1 > ctx.limits().max_depth) {
        ctx.Skip(path, type, name, "attached messages nested too deep");
        continue;
      }
      ReadMsg(m, {path, name, type}, depth + 1, ctx);
    }
  }
}

// The file inside an OLE "Packager" object (stream "\x01Ole10Native"):
// a size, a flag, the file name, its source path, a reserved word, the
// temporary path (length-prefixed), then the data's size and the data.
// Every length is checked against the stream; false when they disagree.
bool UnpackOle10Native(std::string_view s, std::string* name,
                       std::string_view* data) {
  size_t pos = 6;  // total size (4) and flags (2)
  auto cstr = [&](std::string* out) {
    size_t end = s.find('\0', pos);
    if (end == std::string_view::npos) return false;
    if (out) *out = std::string(s.substr(pos, end - pos));
    pos = end + 1;
    return true;
  };
  auto u32 = [&](uint32_t* v) {
    if (pos + 4 > s.size()) return false;
    *v = static_cast<uint8_t>(s[pos]) |
         static_cast<uint32_t>(static_cast<uint8_t>(s[pos + 1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[pos + 2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[pos + 3])) << 24;
    pos += 4;
    return true;
  };
  uint32_t reserved = 0, temp_len = 0, size = 0;
  if (s.size() < pos || !cstr(name) || !cstr(nullptr) || !u32(&reserved) ||
      !u32(&temp_len) || temp_len > s.size() - pos)
    return false;
  pos += temp_len;
  if (!u32(&size) || size > s.size() - pos) return false;
  *data = s.substr(pos, size);
  return true;
}

core::RunLimits HelperLimits(const Context& ctx) {
  core::RunLimits l;
  l.seconds = std::max<uint32_t>(1, ctx.limits().max_seconds);
  l.max_output = ctx.limits().max_part_bytes;
  return l;
}

// Runs a helper on the bytes; its output, or "" with a Skipped entry.
bool RunHelper(const char* program, std::vector<std::string> args,
               std::string_view bytes, const Declared& file,
               const std::string& type, const char* what, Context& ctx,
               std::string* out) {
  if (!ctx.limits().helpers) {
    ctx.Skip(file.path, type, file.name,
             std::string(what) +
                 " are read by helper programs, which are "
                 "turned off; not read");
    return false;
  }
  std::string exe = core::FindProgram(program);
  if (exe.empty()) {
    ctx.Skip(file.path, type, file.name,
             std::string(what) + " are read with " + program +
                 ", which is not installed; not read");
    return false;
  }
  args.insert(args.begin(), exe);
  auto r = core::RunProgram(args, bytes, HelperLimits(ctx));
  if (!r.ok()) {
    ctx.Skip(file.path, type, file.name,
             std::string("could not be read: ") + r.status().message());
    return false;
  }
  if (r.value().truncated)
    ctx.Skip(file.path, type, file.name,
             "text longer than the part limit; the rest was not read");
  *out = core::DecodeText(r.value().output);
  return true;
}

void Xls(std::string_view bytes, const Declared& file, Context& ctx) {
  const std::string type = "application/vnd.ms-excel";
  std::string csv;
  if (!RunHelper("xls2csv", {"-q", "3", "-d", "utf-8", "-b", "\f", "{}"}, bytes,
                 file, type, "Excel 97-2003 workbooks", ctx, &csv))
    return;
  size_t pos = 0;
  uint32_t sheet = 0;
  while (pos <= csv.size()) {
    size_t ff = csv.find('\f', pos);
    std::string_view chunk = std::string_view(csv).substr(
        pos, ff == std::string::npos ? std::string::npos : ff - pos);
    ++sheet;
    TableText table(file.path, type, file.name,
                    "Sheet" + std::to_string(sheet));
    core::Status s = core::ReadCsv(chunk, [&](const core::CsvRecord& r) {
      table.BeginRow(r.line);
      for (size_t i = 0; i < r.fields.size(); ++i)
        if (!r.fields[i].empty())
          table.Cell(static_cast<uint32_t>(i), r.fields[i]);
      return true;
    });
    TextPart part = table.Finish();
    if (!s.ok()) part.text += std::string(chunk);
    if (!part.text.empty()) ctx.out().texts.push_back(std::move(part));
    if (ff == std::string::npos) break;
    pos = ff + 1;
  }
}

}  // namespace

void ReadOle(std::string_view bytes, const Declared& file, uint32_t depth,
             Context& ctx) {
  static std::once_flag once;
  std::call_once(once, [] { gsf_init(); });
  InputPtr input(
      gsf_input_memory_new(reinterpret_cast<const guint8*>(bytes.data()),
                           static_cast<gsf_off_t>(bytes.size()), FALSE));
  GError* err = nullptr;
  std::unique_ptr<GsfInfile, Unref> ole(
      input ? gsf_infile_msole_new(input.get(), &err) : nullptr);
  if (!ole) {
    if (err) g_error_free(err);
    ctx.Skip(file.path, "application/x-ole-storage", file.name,
             "a damaged Office (OLE2) file; not read");
    return;
  }
  GsfInfile* root = ole.get();
  if (HasChild(root, "EncryptedPackage") || HasChild(root, "EncryptionInfo")) {
    ctx.Skip(file.path, "application/x-ole-storage", file.name,
             "a password-protected Office document; not read");
    return;
  }
  if (HasChild(root, "Macros") || HasChild(root, "_VBA_PROJECT_CUR") ||
      HasChild(root, "VBA"))
    FlagMacros(file, ctx);
  if (HasChild(root, "__properties_version1.0") ||
      HasChild(root, "__substg1.0_0037001F") ||
      HasChild(root, "__substg1.0_0037001E")) {
    ReadMsg(root, file, depth, ctx);
    return;
  }
  // A file wrapped by the Packager (often how a program rides inside an
  // old Office document).
  std::string native;
  if (ReadStream(root, "\x01Ole10Native", ctx.limits().max_part_bytes,
                 &native)) {
    std::string name;
    std::string_view data;
    if (!UnpackOle10Native(native, &name, &data)) {
      ctx.Skip(file.path, "application/x-ole-storage", file.name,
               "a damaged embedded package; not read");
      return;
    }
    size_t slash = name.find_last_of("/\\");
    if (slash != std::string::npos) name = name.substr(slash + 1);
    std::string path = ChildPath(file.path, name.empty() ? "package" : name);
    if (ctx.CountMember(path) && ctx.Spend(data.size(), path))
      ExtractDocument(data, {path, name, ""}, depth + 1, ctx);
    return;
  }
  // An object embedded in an Office document: the file itself is a stream.
  for (const char* stream : {"Package", "CONTENTS"}) {
    std::string data;
    if (!ReadStream(root, stream, ctx.limits().max_part_bytes, &data)) continue;
    std::string path = ChildPath(file.path, stream);
    if (ctx.CountMember(path) && ctx.Spend(data.size(), path))
      ExtractDocument(data, {path, "", ""}, depth + 1, ctx);
    return;
  }
  std::string text;
  if (HasChild(root, "WordDocument")) {
    if (RunHelper("catdoc", {"-w", "-d", "utf-8"}, bytes, file,
                  "application/msword", "Word 97-2003 documents", ctx, &text))
      ctx.out().texts.push_back({file.path, core::View::kBody,
                                 "application/msword", file.name, text});
  } else if (HasChild(root, "Workbook") || HasChild(root, "Book")) {
    Xls(bytes, file, ctx);
  } else if (HasChild(root, "PowerPoint Document")) {
    if (RunHelper("catppt", {"-d", "utf-8", "{}"}, bytes, file,
                  "application/vnd.ms-powerpoint",
                  "PowerPoint 97-2003 presentations", ctx, &text))
      ctx.out().texts.push_back({file.path, core::View::kBody,
                                 "application/vnd.ms-powerpoint", file.name,
                                 text});
  } else {
    ctx.Skip(file.path, "application/x-ole-storage", file.name,
             "an OLE2 compound file of a kind that is not read");
  }
}

void ReadRtf(std::string_view bytes, const Declared& file, Context& ctx) {
  std::string text;
  if (!RunHelper("unrtf", {"--text", "--nopict"}, bytes, file, "text/rtf",
                 "RTF documents", ctx, &text))
    return;
  // unrtf starts with a "###" banner and a line of dashes.
  if (text.rfind("###", 0) == 0) {
    size_t dashes = text.find("\n-----------------\n");
    if (dashes != std::string::npos) text.erase(0, dashes + 19);
  }
  ctx.out().texts.push_back(
      {file.path, core::View::kBody, "text/rtf", file.name, text});
}

}  // namespace steward::extract
