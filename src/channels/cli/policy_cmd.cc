#include <fmt/format.h>

#include <map>
#include <set>

#include "channels/cli/commands.h"
#include "policy/loader.h"

namespace steward::cli {

namespace {

int RunCheck(const std::string& path_in) {
  std::string path = path_in.empty() ? policy::DefaultPackDir() : path_in;
  if (path.empty()) {
    fmt::print(stderr,
               "steward policy check: no pack given and none bundled\n");
    return 2;
  }
  policy::LoadResult r = policy::LoadPack(path);
  if (!r.ok()) {
    for (const auto& e : r.errors) fmt::print(stderr, "{}\n", e.ToString());
    fmt::print(stderr, "{} error(s) in the pack at {}\n", r.errors.size(),
               path);
    return 1;
  }
  const auto& p = *r.pack;
  fmt::print(
      "{}: pack '{}' version {} for {} is valid: {} clauses, {} categories, "
      "{} detectors, {} word lists, {} combinations, {} rules\n",
      path, p.name, p.version, p.district, p.clauses.size(),
      p.categories.size(), p.detectors.size(), p.lexicons.size(),
      p.combinations.size(), p.rules.size());
  fmt::print("sha256 {}\n", p.hash);
  return 0;
}

int RunClauses(const std::string& path_in, const std::string& format) {
  std::string path = path_in.empty() ? policy::DefaultPackDir() : path_in;
  policy::LoadResult r = policy::LoadPack(path);
  if (!r.ok()) {
    for (const auto& e : r.errors) fmt::print(stderr, "{}\n", e.ToString());
    return 2;
  }
  const auto& p = *r.pack;
  std::map<std::string, std::set<std::string>> cats, dets, rules;
  for (const auto& c : p.categories)
    for (const auto& id : c.clauses) cats[id].insert(c.id);
  for (const auto& d : p.detectors)
    for (const auto& id : p.ClausesOf(d)) dets[id].insert(d.id);
  for (const auto& u : p.rules)
    for (const auto& id : u.clauses) rules[id].insert(u.id);
  for (const auto& cmb : p.combinations)
    for (const auto& id : cmb.clauses)
      rules[id].insert("combination:" + cmb.id);
  auto join = [](const std::set<std::string>& s, const char* sep) {
    std::string o;
    for (const auto& x : s) o += (o.empty() ? "" : sep) + x;
    return o;
  };
  auto modes = [](const std::vector<policy::ClauseMode>& m) {
    std::string o;
    for (auto x : m)
      o += (o.empty() ? "" : "/") + std::string(policy::ClauseModeName(x));
    return o;
  };
  if (format == "csv") {
    fmt::print("clause,title,mode,categories,detectors,rules\n");
    for (const auto& c : p.clauses)
      fmt::print("{},\"{}\",{},\"{}\",\"{}\",\"{}\"\n", c.id, c.title,
                 modes(c.modes), join(cats[c.id], " "), join(dets[c.id], " "),
                 join(rules[c.id], " "));
    return 0;
  }
  for (const auto& c : p.clauses) {
    fmt::print("{:<7} {:<16} {}\n", c.id, modes(c.modes), c.title);
    if (!cats[c.id].empty())
      fmt::print("        categories: {}\n", join(cats[c.id], ", "));
    if (!dets[c.id].empty())
      fmt::print("        detectors:  {}\n", join(dets[c.id], ", "));
    if (!rules[c.id].empty())
      fmt::print("        rules:      {}\n", join(rules[c.id], ", "));
  }
  return 0;
}

}  // namespace

void RegisterPolicy(CLI::App& app, std::function<int()>& run) {
  CLI::App* p = app.add_subcommand("policy", "Check and list a policy pack");
  p->require_subcommand(1);
  auto check_path = std::make_shared<std::string>();
  CLI::App* check = p->add_subcommand(
      "check", "Validate a pack; report every error with file and line");
  check->add_option("pack", *check_path,
                    "Pack folder or pack.toml (default: the bundled pack)");
  check->callback([check_path, &run] {
    run = [check_path] { return RunCheck(*check_path); };
  });
  auto cl_path = std::make_shared<std::string>();
  auto cl_format = std::make_shared<std::string>("text");
  CLI::App* clauses = p->add_subcommand(
      "clauses", "List every clause with its mode and what cites it");
  clauses->add_option("--policy", *cl_path,
                      "Pack folder (default: the bundled pack)");
  clauses->add_option("--format", *cl_format, "text or csv")
      ->capture_default_str();
  clauses->callback([cl_path, cl_format, &run] {
    run = [cl_path, cl_format] { return RunClauses(*cl_path, *cl_format); };
  });
}

}  // namespace steward::cli
