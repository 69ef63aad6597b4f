#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "channels/cli/commands.h"
#include "channels/cli/report.h"
#include "engine/engine.h"

namespace steward::cli {

namespace {

struct ScanArgs {
  std::string policy, roster, format = "text", min_severity = "low", cache;
  unsigned jobs = 1;
  bool show_values = false, progress = true;
  std::vector<std::string> paths;
};

// A progress line on stderr, redrawn at most five times a second.
class Progress {
 public:
  Progress(bool enabled, size_t total) : enabled_(enabled), total_(total) {}
  void Update(size_t files, uint64_t bytes, bool force = false) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    int width = 30;
    int filled = total_ ? static_cast<int>(width * files / total_) : width;
    fmt::print(stderr, "\r[{:=<{}}{:<{}}] {}/{} files  {:.1f} MB  {:.0f} MB/s ",
               "", filled, "", width - filled, files, total_, bytes / 1e6,
               secs > 0 ? bytes / 1e6 / secs : 0.0);
    std::fflush(stderr);
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) fmt::print(stderr, "\r{:<80}\r", "");
  }

 private:
  bool enabled_;
  size_t total_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ =
                                            std::chrono::steady_clock::now(),
                                        last_;
};

int RunScan(const ScanArgs& a) {
  auto min_sev = policy::ParseSeverity(a.min_severity);
  if (!min_sev) {
    fmt::print(stderr,
               "steward scan: --min-severity must be low, medium or high\n");
    return 2;
  }
  if (a.format != "text" && a.format != "jsonl" && a.format != "csv") {
    fmt::print(stderr, "steward scan: --format must be text, jsonl or csv\n");
    return 2;
  }
  auto eng =
      engine::Engine::Create({a.policy, a.roster, a.cache, a.show_values});
  if (!eng.ok()) {
    fmt::print(stderr, "steward scan: {}\n", eng.status().message());
    return 2;
  }
  const engine::Engine& engine = **eng;
  if (engine.roster())
    for (const auto& i : engine.roster()->issues)
      fmt::print(stderr, "steward scan: roster: {}\n", i.ToString());
  std::vector<std::string> errors;
  std::vector<std::string> files = extract::ListFiles(a.paths, &errors);
  for (const auto& e : errors) fmt::print(stderr, "steward scan: {}\n", e);
  if (files.empty() && !errors.empty()) return 2;

  auto reporter = MakeReporter(a.format, engine.pack(), stdout, stderr);
  Summary sum;
  Progress progress(a.progress && isatty(STDERR_FILENO), files.size());
  auto start = std::chrono::steady_clock::now();
  bool found = false;

  // Workers fill slots; this thread reports them in file order.
  std::vector<std::vector<engine::ItemResult>> slots(files.size());
  std::vector<char> done(files.size(), 0);
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<size_t> next{0};
  unsigned jobs = std::max(
      1u, std::min<unsigned>(a.jobs, static_cast<unsigned>(files.size())));
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < jobs; ++w) {
    workers.emplace_back([&] {
      auto scratch = engine.NewScratch();
      for (size_t i; (i = next.fetch_add(1)) < files.size();) {
        std::vector<engine::ItemResult> results;
        engine.ScanFile(files[i], *scratch, [&](engine::ItemResult&& r) {
          results.push_back(std::move(r));
        });
        std::lock_guard<std::mutex> lock(mu);
        slots[i] = std::move(results);
        done[i] = 1;
        cv.notify_one();
      }
    });
  }
  for (size_t i = 0; i < files.size(); ++i) {
    std::vector<engine::ItemResult> results;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done[i] != 0; });
      results = std::move(slots[i]);
    }
    for (const auto& r : results) {
      ++sum.items;
      sum.bytes += r.bytes;
      if (!r.error.empty()) ++sum.unreadable;
      std::vector<const inspect::Finding*> shown;
      for (const auto& f : r.findings) {
        if (f.severity < *min_sev) continue;
        shown.push_back(&f);
        ++sum.findings;
        ++sum.by_category[f.category];
        ++sum.by_severity[f.severity];
        for (const auto& c : f.clauses) ++sum.by_clause[c];
      }
      found |= !shown.empty() || !r.error.empty();
      if (!shown.empty() || !r.error.empty()) {
        progress.Clear();
        reporter->Item(r, shown);
      }
    }
    progress.Update(i + 1, sum.bytes);
  }
  for (auto& t : workers) t.join();
  progress.Clear();
  sum.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  reporter->Finish(sum);
  std::fflush(stdout);
  return found ? 1 : 0;
}

}  // namespace

void RegisterScan(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<ScanArgs>();
  CLI::App* s = app.add_subcommand("scan",
                                   "Scan files, folders, mbox files and "
                                   "Maildir trees for what the policy forbids");
  s->add_option("--policy", a->policy,
                "Policy pack folder (default: the bundled pack)");
  s->add_option("--roster", a->roster,
                "OneRoster 1.1/1.2 export folder for name and id matching");
  s->add_option("--format", a->format, "Output: text, jsonl or csv")
      ->capture_default_str();
  s->add_option("--min-severity", a->min_severity,
                "Report findings at or above: low, medium, high")
      ->capture_default_str();
  s->add_option("-j,--jobs", a->jobs, "Worker threads")->capture_default_str();
  s->add_option("--cache", a->cache,
                "Compiled-pattern cache folder ('none' to disable)");
  s->add_flag("--show-values", a->show_values,
              "Show matched values in full (default: redacted)");
  s->add_flag("!--no-progress", a->progress, "No progress bar");
  s->add_option("paths", a->paths, "Files and folders to scan")->required();
  s->callback([a, &run] { run = [a] { return RunScan(*a); }; });
}

}  // namespace steward::cli
