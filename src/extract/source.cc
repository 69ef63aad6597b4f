#include "extract/source.h"

#include <magic.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/mbox.h"
#include "core/text.h"
#include "extract/document.h"
#include "extract/mime.h"

namespace steward::extract {

namespace fs = std::filesystem;

std::vector<std::string> ListFiles(const std::vector<std::string>& paths,
                                   std::vector<std::string>* errors) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    auto st = fs::symlink_status(p, ec);
    if (ec || !fs::exists(st)) {
      errors->push_back(p + ": no such file or folder");
      continue;
    }
    if (fs::is_regular_file(fs::status(p, ec))) {
      out.push_back(p);
      continue;
    }
    if (!fs::is_directory(st)) continue;
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(
        p, fs::directory_options::skip_permission_denied, ec),
        end;
    if (ec) {
      errors->push_back(p + ": " + ec.message());
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) {
        errors->push_back(it->path().string() + ": " + ec.message());
        break;
      }
      if (it->is_regular_file(ec) && !it->is_symlink(ec))
        found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

namespace {

// Header fields that only messages have; one of them must be present.
bool IsMessageField(std::string_view line) {
  static constexpr std::string_view kFields[] = {
      "from:",         "to:",           "subject:",      "date:",
      "received:",     "message-id:",   "mime-version:", "return-path:",
      "content-type:", "delivered-to:", "reply-to:",     "cc:",
      "x-mailer:",     "sender:"};
  std::string lower = core::AsciiLower(line.substr(0, 16));
  for (auto f : kFields)
    if (lower.rfind(f, 0) == 0) return true;
  return false;
}

bool InMaildir(const std::string& path) {
  fs::path parent = fs::path(path).parent_path().filename();
  return parent == "cur" || parent == "new";
}

}  // namespace

FileKind Sniff(std::string_view head, const std::string& path) {
  // Mail is told by its form before a NUL byte calls a file binary: one NUL
  // in a subject must not hide a whole mailbox, or a message, from a scan.
  const bool binary =
      head.substr(0, std::min<size_t>(head.size(), 8192)).find('\0') !=
          std::string_view::npos &&
      !(head.size() >= 2 &&
        (head.substr(0, 2) == "\xFF\xFE" || head.substr(0, 2) == "\xFE\xFF"));
  if (core::LooksLikeMbox(head)) return FileKind::kMbox;
  // A message: header lines up to the first blank line, most of them valid.
  size_t pos = 0, lines = 0, headers = 0, known = 0;
  while (pos < head.size() && lines < 64) {
    size_t nl = head.find('\n', pos);
    std::string_view line =
        head.substr(pos, nl == std::string_view::npos ? head.npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    ++lines;
    if (line[0] == ' ' || line[0] == '\t') {
      ++headers;
    }  // folded
    else if (core::IsHeaderLine(line)) {
      ++headers;
      known += IsMessageField(line);
    } else if (lines == 1)
      break;
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (known >= 1 && headers >= 2 && headers * 10 >= lines * 8)
    return FileKind::kMessage;
  if (InMaildir(path) && known >= 1) return FileKind::kMessage;
  return binary ? FileKind::kBinary : FileKind::kText;
}

std::string SniffType(std::string_view bytes) {
  thread_local magic_t cookie = [] {
    magic_t c = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
    if (c) magic_load(c, nullptr);
    return c;
  }();
  if (!cookie) return "application/octet-stream";
  const char* t = magic_buffer(cookie, bytes.data(),
                               std::min<size_t>(bytes.size(), 1 << 20));
  return t ? t : "application/octet-stream";
}

void ListItems(const std::string& path,
               const std::function<void(ItemRef&&)>& on_ref) {
  auto mapped = core::MappedFile::Open(path);
  if (!mapped.ok()) {
    ItemRef r;
    r.name = r.path = path;
    r.error = mapped.status().message();
    on_ref(std::move(r));
    return;
  }
  auto file =
      std::make_shared<const core::MappedFile>(std::move(mapped).value());
  const std::string_view bytes = file->data();
  const FileKind kind = Sniff(bytes.substr(0, size_t{64} * 1024), path);
  if (kind != FileKind::kMbox) {
    on_ref({file, path, path, kind, bytes, {}});
    return;
  }
  uint32_t n = 0;
  SplitMbox(bytes, [&](std::string_view msg) {
    on_ref({file,
            path + ":" + std::to_string(++n),
            path,
            FileKind::kMessage,
            msg,
            {}});
    return true;
  });
}

namespace {

Extracted ExtractBytes(const ItemRef& ref, const Limits& limits) {
  const std::string_view bytes = ref.bytes;
  Extracted out;
  if (bytes.size() > limits.max_item_bytes) {
    out.skipped.push_back({"", "", "",
                           "larger than the limit of " +
                               std::to_string(limits.max_item_bytes) +
                               " bytes; not read"});
    return out;
  }
  switch (ref.kind) {
    case FileKind::kMbox:  // ListItems hands on messages, never whole mboxes
    case FileKind::kMessage:
      return ExtractMessage(bytes, limits);
    case FileKind::kText:
      // Plain text is read as it is; text with a format of its own (CSV,
      // HTML, RTF, scripts) goes through the document readers.
      if (!NeedsReader(bytes, ref.path)) {
        out.texts.push_back(
            {"", core::View::kBody, "text/plain", "", core::DecodeText(bytes)});
        return out;
      }
      [[fallthrough]];
    case FileKind::kBinary:
      break;
  }
  return ExtractFile(bytes, fs::path(ref.path).filename().string(), limits);
}

}  // namespace

Item ExtractItem(const ItemRef& ref, const Limits& limits) {
  Item it;
  it.name = ref.name;
  it.bytes = ref.bytes.size();
  it.error = ref.error;
  if (!ref.error.empty()) return it;
  it.content = ExtractBytes(ref, limits);
  // A mailbox compacted or truncated by its mail program while it was read:
  // what lay past its new end was read as zeros, not as the item (by the
  // split into messages, or here).
  if (ref.file) {
    const auto start =
        static_cast<size_t>(ref.bytes.data() - ref.file->data().data());
    const size_t cut = ref.file->cut_at();
    if (cut < start + ref.bytes.size()) {
      it.content = {};
      it.error = ref.path + ": the file shrank while it was read; from byte " +
                 std::to_string(std::max(cut, start)) +
                 " on it was gone. Scan it again once nothing is writing it.";
    }
  }
  return it;
}

void ReadItems(const std::string& path, const Limits& limits,
               const std::function<void(Item&&)>& on_item) {
  ListItems(path, [&](ItemRef&& ref) { on_item(ExtractItem(ref, limits)); });
}

}  // namespace steward::extract
