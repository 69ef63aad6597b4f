// `steward extract FILE...`: what Steward reads from a file, before any
// detector runs. For an administrator asking "why was this not found?" and
// for checking a reader against a document.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "channels/cli/commands.h"
#include "engine/engine.h"
#include "extract/source.h"
#include "policy/loader.h"

namespace steward::cli {

namespace {

struct ExtractArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string policy;
  size_t max_chars = 2000;
};

nlohmann::json ItemJson(const extract::Item& it) {
  nlohmann::json j;
  j["item"] = it.name;
  j["bytes"] = it.bytes;
  if (!it.error.empty()) j["error"] = it.error;
  j["texts"] = nlohmann::json::array();
  for (const auto& t : it.content.texts) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& an : t.anchors)
      a.push_back(
          {{"offset", an.offset}, {"label", an.label}, {"row", an.row}});
    j["texts"].push_back({{"part", t.path},
                          {"view", core::ViewName(t.view)},
                          {"type", t.content_type},
                          {"filename", t.filename},
                          {"text", t.text},
                          {"anchors", a},
                          {"table_rows", t.table_rows},
                          {"columns", t.columns}});
  }
  auto list = [](const std::vector<extract::Skipped>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& s : v)
      a.push_back({{"part", s.path},
                   {"type", s.content_type},
                   {"filename", s.filename},
                   {"reason", s.reason}});
    return a;
  };
  j["skipped"] = list(it.content.skipped);
  j["images"] = list(it.content.images);
  j["flags"] = nlohmann::json::array();
  for (const auto& f : it.content.flags)
    j["flags"].push_back(
        {{"part", f.path}, {"category", f.category}, {"detail", f.detail}});
  return j;
}

void PrintText(const extract::Item& it, size_t max_chars) {
  fmt::print("{} ({} bytes)\n", it.name, it.bytes);
  if (!it.error.empty()) fmt::print("  could not be read: {}\n", it.error);
  for (const auto& t : it.content.texts) {
    fmt::print(
        "  [{}{}{}] {} chars{}{}\n", t.path.empty() ? "" : t.path + " ",
        core::ViewName(t.view),
        t.content_type.empty() ? "" : ", " + t.content_type, t.text.size(),
        t.anchors.empty() ? "" : fmt::format(", {} places", t.anchors.size()),
        t.table_rows ? fmt::format(", a table of {} rows", t.table_rows) : "");
    std::string shown = t.text.substr(0, max_chars);
    size_t pos = 0;
    while (pos < shown.size()) {
      size_t nl = shown.find('\n', pos);
      fmt::print("    {}\n",
                 shown.substr(pos, nl == std::string::npos ? std::string::npos
                                                           : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    if (t.text.size() > max_chars) fmt::print("    …\n");
  }
  for (const auto& s : it.content.skipped)
    fmt::print("  not read: {}{}{}\n", s.path.empty() ? "" : s.path + ": ",
               s.filename.empty() ? "" : "\"" + s.filename + "\": ", s.reason);
  for (const auto& s : it.content.images)
    fmt::print("  image: {}{} ({})\n", s.path.empty() ? "" : s.path + " ",
               s.filename, s.content_type);
  for (const auto& f : it.content.flags)
    fmt::print("  flag {}: {}{}\n", f.category,
               f.path.empty() ? "" : f.path + ": ", f.detail);
  fmt::print("\n");
}

int RunExtract(const ExtractArgs& a) {
  extract::Limits limits;
  std::string dir = a.policy.empty() ? policy::DefaultPackDir() : a.policy;
  if (!dir.empty()) {
    policy::LoadResult lr = policy::LoadPack(dir, {.compile_patterns = false});
    if (lr.ok()) limits = engine::ExtractLimits(lr.pack->limits);
  }
  std::vector<std::string> errors;
  auto files = extract::ListFiles(a.paths, &errors);
  for (const auto& e : errors) fmt::print(stderr, "steward extract: {}\n", e);
  for (const auto& f : files)
    extract::ReadItems(f, limits, [&](extract::Item&& it) {
      if (a.format == "json")
        fmt::print("{}\n",
                   ItemJson(it).dump(-1, ' ', false,
                                     nlohmann::json::error_handler_t::replace));
      else
        PrintText(it, a.max_chars);
    });
  return errors.empty() ? 0 : 2;
}

}  // namespace

void RegisterExtract(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<ExtractArgs>();
  CLI::App* cmd = app.add_subcommand(
      "extract", "Show the text Steward reads from files, part by part");
  cmd->add_option("paths", args->paths, "Files or folders")->required();
  cmd->add_option("--format", args->format, "text or json (one item a line)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--policy", args->policy,
                  "Policy pack whose [limits] apply (default: bundled)");
  cmd->add_option("--max-chars", args->max_chars,
                  "Characters of each text to show (text format)");
  cmd->callback([&run, args] { run = [args] { return RunExtract(*args); }; });
}

}  // namespace steward::cli
