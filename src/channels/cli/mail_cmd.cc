// `steward verdict`: what the mail door would do with a message and an
// envelope, from the shell, as JSON.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <iterator>

#include "channels/cli/commands.h"
#include "core/text.h"
#include "decide/decider.h"

namespace steward::cli {

namespace {

struct VerdictArgs {
  std::string channel = "mail";
  std::string from, auth_user, client = "local", policy, roster, cache;
  std::vector<std::string> to;
  std::string file;
  bool show_values = false;
};

// Messages larger than this are judged by their size alone.
constexpr size_t kMaxRead = 512u << 20;

int RunVerdict(const VerdictArgs& a) {
  if (a.channel != "mail") {
    fmt::print(stderr,
               "steward verdict: channel '{}' has no door yet (mail)\n",
               a.channel);
    return 2;
  }
  std::string bytes;
  if (a.file == "-") {
    bytes.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    auto r = core::ReadFile(a.file, kMaxRead);
    if (!r.ok()) {
      fmt::print(stderr, "steward verdict: {}\n", r.status().message());
      return 2;
    }
    bytes = std::move(r).value();
  }
  auto eng = engine::Engine::Create({a.policy, a.roster, a.cache, a.show_values});
  if (!eng.ok()) {
    fmt::print(stderr, "steward verdict: {}\n", eng.status().message());
    return 2;
  }
  decide::Envelope env;
  env.channel = a.channel;
  env.sender = a.from;
  env.auth_user = a.auth_user;
  env.client = a.client;
  for (const auto& t : a.to)
    for (auto& r : core::SplitList(t, ',')) env.recipients.push_back(r);
  if (env.recipients.empty()) {
    fmt::print(stderr, "steward verdict: --to names no recipient\n");
    return 2;
  }
  auto scratch = (*eng)->NewScratch();
  auto v = decide::DecideMessage(**eng, env, bytes, *scratch, nullptr);
  if (!v.ok()) {
    fmt::print(stderr, "steward verdict: {}\n", v.status().message());
    return 2;
  }
  std::cout << decide::ToJson(*v).dump(2, ' ', false,
                                       nlohmann::ordered_json::error_handler_t::replace)
            << "\n";
  return v->action <= decide::Action::kWarn ? 0 : 1;
}

}  // namespace

void RegisterVerdict(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<VerdictArgs>();
  CLI::App* s = app.add_subcommand(
      "verdict",
      "What the mail door would do with a message and envelope (JSON); exit 0 "
      "for allow or warn, 1 for hold, quarantine or reject");
  s->add_option("--channel", a->channel, "The door: mail")
      ->capture_default_str();
  s->add_option("--from", a->from, "Envelope sender (MAIL FROM)")->required();
  s->add_option("--to", a->to,
                "Recipients (RCPT TO), comma-separated or repeated")
      ->required();
  s->add_option("--auth-user", a->auth_user,
                "The SMTP-authenticated login, if the sender signed in");
  s->add_option("--policy", a->policy,
                "Policy pack folder (default: the bundled pack)");
  s->add_option("--roster", a->roster,
                "OneRoster export folder for name and id matching");
  s->add_option("--cache", a->cache,
                "Compiled-pattern cache folder ('none' to disable)");
  s->add_flag("--show-values", a->show_values,
              "Show matched values in full (default: redacted)");
  s->add_option("file", a->file, "The message (.eml), or - for standard input")
      ->required();
  s->callback([a, &run] { run = [a] { return RunVerdict(*a); }; });
}

}  // namespace steward::cli
