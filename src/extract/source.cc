#include "extract/source.h"

#include <magic.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/text.h"
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

// A header line: a field name of printable ASCII without spaces, then ':'.
bool IsHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > 76) return false;
  for (size_t i = 0; i < colon; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}

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
  if (head.substr(0, std::min<size_t>(head.size(), 8192)).find('\0') !=
          std::string_view::npos &&
      !(head.size() >= 2 &&
        (head.substr(0, 2) == "\xFF\xFE" || head.substr(0, 2) == "\xFE\xFF")))
    return FileKind::kBinary;
  if (head.compare(0, 5, "From ") == 0) {
    size_t nl = head.find('\n');
    if (nl != std::string_view::npos) {
      size_t nl2 = head.find('\n', nl + 1);
      std::string_view second = head.substr(
          nl + 1, nl2 == std::string_view::npos ? head.npos : nl2 - nl - 1);
      if (IsHeaderLine(second)) return FileKind::kMbox;
    }
  }
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
    else if (IsHeaderLine(line)) {
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
  return FileKind::kText;
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

void ReadItems(const std::string& path, const Limits& limits,
               const std::function<void(Item&&)>& on_item) {
  auto mapped = core::MappedFile::Open(path);
  if (!mapped.ok()) {
    Item it;
    it.name = path;
    it.error = mapped.status().message();
    on_item(std::move(it));
    return;
  }
  const std::string_view bytes = mapped->data();
  const FileKind kind = Sniff(bytes.substr(0, 64 * 1024), path);
  // An mbox may be any size: the item limit applies to each message.
  auto too_big = [&](std::string name, uint64_t size) {
    Item it;
    it.name = std::move(name);
    it.bytes = size;
    it.content.skipped.push_back({"", "", "",
                                  "larger than the limit of " +
                                      std::to_string(limits.max_item_bytes) +
                                      " bytes; not read"});
    on_item(std::move(it));
  };
  auto whole_file = [&] {
    Item it;
    it.name = path;
    it.bytes = bytes.size();
    return it;
  };
  if (kind != FileKind::kMbox && bytes.size() > limits.max_item_bytes) {
    too_big(path, bytes.size());
    return;
  }
  switch (kind) {
    case FileKind::kMbox: {
      uint32_t n = 0;
      SplitMbox(bytes, [&](std::string_view msg) {
        std::string name = path + ":" + std::to_string(++n);
        if (msg.size() > limits.max_item_bytes) {
          too_big(std::move(name), msg.size());
          return true;
        }
        Item it;
        it.name = std::move(name);
        it.bytes = msg.size();
        it.content = ExtractMessage(msg, limits);
        on_item(std::move(it));
        return true;
      });
      return;
    }
    case FileKind::kMessage: {
      Item it = whole_file();
      it.content = ExtractMessage(bytes, limits);
      on_item(std::move(it));
      return;
    }
    case FileKind::kText: {
      Item it = whole_file();
      it.content.texts.push_back(
          {"", "body", "text/plain", "", core::DecodeText(bytes)});
      on_item(std::move(it));
      return;
    }
    case FileKind::kBinary: {
      Item it = whole_file();
      std::string type = SniffType(bytes);
      if (type.rfind("text/", 0) == 0) {  // UTF-16 text and the like
        it.content.texts.push_back(
            {"", "body", type, "", core::DecodeText(bytes)});
      } else {
        it.content.skipped.push_back(
            {"", type, fs::path(path).filename().string(),
             "files of type " + type + " are not read yet"});
      }
      on_item(std::move(it));
      return;
    }
  }
}

}  // namespace steward::extract
