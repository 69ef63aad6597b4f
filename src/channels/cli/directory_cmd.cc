// steward directory read | list: the directory's accounts against N.1 and
// N.2 (directory/directory.h). `read` is meant for a nightly timer; the
// portal's Accounts page shows what it kept.
#include <fmt/format.h>

#include <ctime>

#include "channels/cli/commands.h"
#include "channels/cli/governance.h"
#include "core/csv.h"
#include "core/text.h"
#include "directory/directory.h"
#include "policy/loader.h"

namespace steward::cli {

namespace {

core::Result<std::shared_ptr<const policy::PolicyPack>> Pack(
    const std::string& dir_in) {
  std::string dir = dir_in.empty() ? policy::DefaultPackDir() : dir_in;
  policy::LoadResult lr = policy::LoadPack(dir, {.compile_patterns = false});
  if (!lr.ok()) {
    for (const auto& e : lr.errors) fmt::print(stderr, "{}\n", e.ToString());
    return core::Status::Invalid(dir + ": the policy pack has errors");
  }
  return lr.pack;
}

// The two counts an administrator acts on, for the semester at hand.
core::Status PrintStanding(store::Database& db,
                           const policy::PolicyPack& pack) {
  directory::Query q;
  q.view = directory::View::kNoEmployee;
  auto orphans = directory::Count(db, q);
  if (!orphans.ok()) return orphans.status();
  fmt::print("{} open account(s) with no current employee behind them (N.1)\n",
             *orphans);
  const auto* semester = directory::CurrentSemester(
      pack, static_cast<int64_t>(std::time(nullptr)));
  if (!semester) {
    fmt::print("no semester of the pack has begun ([accounts] semester)\n");
    return {};
  }
  q.view = directory::View::kStale;
  if (auto st = directory::SemesterSpan(*semester, pack.records.time_zone, &q);
      !st.ok())
    return st;
  auto stale = directory::Count(db, q);
  if (!stale.ok()) return stale.status();
  fmt::print("{} open account(s) whose password was not changed in {} (N.2)\n",
             *stale, semester->name);
  return {};
}

std::string Day(int64_t utc) {
  return utc ? core::IsoUtc(utc).substr(0, 10) : std::string();
}

}  // namespace

void RegisterDirectory(CLI::App& app, std::function<int()>& run) {
  auto* cmd = app.add_subcommand(
      "directory",
      "The directory's accounts: no employee behind them (N.1), passwords "
      "not changed in a semester (N.2)");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<StoreFlags>();
  auto pack_dir = std::make_shared<std::string>();
  // steward directory read
  {
    auto* read = cmd->add_subcommand(
        "read", "Read every account from the directory and keep the list");
    flags->Add(read);
    read->add_option("--policy", *pack_dir, "Policy pack folder");
    auto source = std::make_shared<directory::Source>();
    auto pw_file = std::make_shared<std::string>();
    read->add_option("--url", source->url, "ldap://host:port or ldaps://…")
        ->required();
    read->add_option("--base", source->base, "Search base")->required();
    read->add_option("--bind-dn", source->bind_dn,
                     "Bind DN (default anonymous)");
    read->add_option("--password-file", *pw_file,
                     "File holding the bind password");
    read->add_option("--flavor", source->flavor,
                     "openldap (uid, pwdChangedTime) or ad (sAMAccountName, "
                     "pwdLastSet)")
        ->capture_default_str();
    read->add_option("--filter", source->filter,
                     "LDAP filter (default: the flavor's person accounts)");
    auto guard = std::make_shared<directory::Guard>();
    read->add_option("--max-gone", guard->max_gone_percent,
                     "Refuse a read that marks more than this share (%) of "
                     "the accounts last read from the same URL and base as "
                     "gone")
        ->capture_default_str()
        ->check(CLI::Range(0, 100));
    read->add_flag("--force", guard->force,
                   "Keep the read even when it marks more than --max-gone "
                   "as gone");
    read->callback([&run, flags, pack_dir, source, pw_file, guard] {
      run = [=]() -> int {
        if (!pw_file->empty()) {
          auto pw = ReadSecretFile(*pw_file);
          if (!pw.ok()) return Fail("steward directory", pw.status());
          source->password = *pw;
        }
        auto pack = Pack(*pack_dir);
        if (!pack.ok()) return Fail("steward directory", pack.status());
        if (!(*pack)->accounts.present)
          return Fail("steward directory",
                      core::Status::Invalid("the policy pack has no [accounts] "
                                            "section (semesters, service "
                                            "accounts)"));
        auto accounts = directory::Read(*source);
        if (!accounts.ok()) return Fail("steward directory", accounts.status());
        auto db = flags->Open();
        if (!db.ok()) return Fail("steward directory", db.status());
        auto kept = directory::Record(**db, *accounts, (*pack)->accounts,
                                      source->url + " " + source->base,
                                      {ShellActor(), ""}, *guard);
        if (!kept.ok()) return Fail("steward directory", kept.status());
        fmt::print(
            "read {} account(s) from {}: {} new, {} changed, {} gone since "
            "the last read\n",
            kept->accounts, source->url, kept->added, kept->changed,
            kept->gone);
        if (auto st = PrintStanding(**db, **pack); !st.ok())
          return Fail("steward directory", st);
        return 0;
      };
    });
  }
  // steward directory list
  {
    auto* list = cmd->add_subcommand(
        "list", "List the accounts kept by the last read, as CSV");
    auto lflags = std::make_shared<StoreFlags>();
    lflags->Add(list);
    auto view = std::make_shared<std::string>("no-employee");
    auto semester = std::make_shared<std::string>();
    list->add_option("--policy", *pack_dir, "Policy pack folder");
    list->add_option("--view", *view,
                     "open, no-employee (N.1), stale (N.2), service, "
                     "disabled or gone")
        ->capture_default_str();
    list->add_option("--semester", *semester,
                     "For --view stale: the semester's name (default: the "
                     "one under way, else the latest ended)");
    list->callback([&run, lflags, pack_dir, view, semester] {
      run = [=]() -> int {
        directory::Query q;
        if (!directory::ParseView(*view, &q.view))
          return Fail(
              "steward directory",
              core::Status::Invalid("--view is open, no-employee, stale, "
                                    "service, disabled or gone"));
        auto pack = Pack(*pack_dir);
        if (!pack.ok()) return Fail("steward directory", pack.status());
        if (q.view == directory::View::kStale) {
          const auto* s =
              semester->empty()
                  ? directory::CurrentSemester(
                        **pack, static_cast<int64_t>(std::time(nullptr)))
                  : directory::FindSemester(**pack, *semester);
          if (!s)
            return Fail(
                "steward directory",
                core::Status::Invalid(semester->empty()
                                          ? "no semester of the pack has begun"
                                          : "the pack has no semester '" +
                                                core::Shown(*semester) + "'"));
          if (auto st =
                  directory::SemesterSpan(*s, (*pack)->records.time_zone, &q);
              !st.ok())
            return Fail("steward directory", st);
        }
        auto db = lflags->Open();
        if (!db.ok()) return Fail("steward directory", db.status());
        q.limit = 100000;
        fmt::print("{}\n", core::CsvRow({"username", "name", "mail", "standing",
                                         "employee", "password_changed",
                                         "created", "dn"}));
        for (q.offset = 0;; q.offset += q.limit) {
          auto rows = directory::List(**db, q);
          if (!rows.ok()) return Fail("steward directory", rows.status());
          for (const auto& l : *rows) {
            fmt::print("{}\n",
                       core::CsvRow({l.account.username, l.account.display_name,
                                     l.account.email, l.standing, l.person_name,
                                     Day(l.account.changed_at),
                                     Day(l.account.created_at), l.account.dn}));
          }
          if (rows->size() < static_cast<size_t>(q.limit)) break;
        }
        return 0;
      };
    });
  }
}

}  // namespace steward::cli
