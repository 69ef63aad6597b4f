// Archives through libarchive, read from memory as a stream: each member is
// counted, its decompressed bytes charged to the item's budget, and its
// expansion compared with the archive's size before it is handed on.
#include <archive.h>
#include <archive_entry.h>

#include <functional>
#include <memory>

#include "extract/formats.h"
#include "extract/members.h"

namespace steward::extract {

namespace {

constexpr uint64_t kRatioFloor = 1ull << 20;  // small archives never trip it

}  // namespace

bool ForEachMember(std::string_view bytes, const Declared& file, Context& ctx,
                   const MemberFn& on_member) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(),
                                                           archive_read_free);
  if (!a) return false;
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) !=
      ARCHIVE_OK) {
    ctx.Skip(file.path, "", file.name,
             std::string("not a readable archive: ") +
                 (archive_error_string(a.get()) ? archive_error_string(a.get())
                                                : "unknown format"));
    return false;
  }
  const Limits& lim = ctx.limits();
  uint64_t expanded = 0;
  const uint64_t ratio_cap =
      std::max<uint64_t>(kRatioFloor, uint64_t{lim.max_ratio} * bytes.size());
  archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_FATAL) {
      const char* err = archive_error_string(a.get());
      ctx.Skip(file.path, "", file.name,
               std::string("the archive is damaged or truncated (") +
                   (err ? err : "unknown error") +
                   "); members after this point were not read");
      break;
    }
    const char* n8 = archive_entry_pathname_utf8(e);
    const char* n = n8 ? n8 : archive_entry_pathname(e);
    std::string name = n ? n : "";
    if (archive_format(a.get()) == ARCHIVE_FORMAT_RAW) {
      // A single compressed file: name it after the archive.
      std::string base = BaseName(file.name);
      size_t dot = base.rfind('.');
      name = dot != std::string::npos && dot > 0 ? base.substr(0, dot)
                                                 : "decompressed";
    }
    if (archive_entry_filetype(e) != AE_IFREG &&
        archive_format(a.get()) != ARCHIVE_FORMAT_RAW)
      continue;
    const std::string path = ChildPath(file.path, name);
    if (!ctx.CountMember(path) || !ctx.InTime(path)) break;
    if (archive_entry_is_data_encrypted(e) > 0) {
      ctx.Skip(path, "", BaseName(name),
               "an encrypted archive member; not read");
      continue;
    }
    std::string data;
    bool stop = false, partial = false, useless = false;
    char buf[65536];
    for (;;) {
      la_ssize_t got = archive_read_data(a.get(), buf, sizeof buf);
      if (got == 0) break;
      if (got < 0) {
        const char* err = archive_error_string(a.get());
        ctx.Skip(path, "", BaseName(name),
                 std::string("could not be decompressed (") +
                     (err ? err : "unknown error") + ")");
        partial = true;
        if (got == ARCHIVE_FATAL) stop = true;
        break;
      }
      expanded += static_cast<uint64_t>(got);
      if (expanded > ratio_cap) {
        ctx.Skip(path, "", BaseName(name),
                 "the archive expands to more than " +
                     std::to_string(lim.max_ratio) +
                     " times its size (a compression bomb?); the rest was "
                     "not read");
        stop = partial = useless = true;
        break;
      }
      if (!ctx.Spend(static_cast<uint64_t>(got), path)) {
        stop = partial = useless = true;
        break;
      }
      if (data.size() + static_cast<uint64_t>(got) > lim.max_part_bytes) {
        ctx.Skip(path, "", BaseName(name),
                 "member larger than " + std::to_string(lim.max_part_bytes) +
                     " bytes; only the start was read");
        data.append(buf, lim.max_part_bytes - data.size());
        partial = true;
        break;
      }
      data.append(buf, static_cast<size_t>(got));
      if (!ctx.InTime(path)) {
        stop = partial = true;
        break;
      }
    }
    // What a bomb expanded to is not worth reading; the start of a member
    // cut at the part limit, or before damage, is.
    if (!useless && (!data.empty() || !partial))
      on_member(name, std::move(data), partial);
    if (stop) break;
  }
  return true;
}

void ReadArchive(std::string_view bytes, const Declared& file, uint32_t depth,
                 Context& ctx) {
  ForEachMember(
      bytes, file, ctx, [&](const std::string& name, std::string&& data, bool) {
        ExtractDocument(data, {ChildPath(file.path, name), BaseName(name), ""},
                        depth, ctx);
      });
}

}  // namespace steward::extract
