#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "channels/cli/commands.h"
#include "channels/cli/progress.h"
#include "channels/cli/report.h"
#include "engine/engine.h"

namespace steward::cli {

namespace {

struct ScanArgs {
  engine::Options engine;
  std::string format = "text", min_severity = "low";
  unsigned jobs = 1;
  bool no_progress = false;
  std::vector<std::string> paths;
};

int Finish(Reporter* reporter, Summary& sum,
           std::chrono::steady_clock::time_point start, Progress& progress,
           bool found) {
  progress.Clear();
  sum.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  reporter->Finish(sum);
  std::fflush(stdout);
  return found ? 1 : 0;
}

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
  auto eng = engine::Engine::Create(a.engine);
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
  uint64_t total_bytes = 0;
  for (const auto& f : files) {
    std::error_code ec;
    total_bytes += std::filesystem::file_size(f, ec);
  }
  Progress progress(!a.no_progress && isatty(STDERR_FILENO), total_bytes);
  auto start = std::chrono::steady_clock::now();
  bool found = false;

  const unsigned jobs = std::max(1u, a.jobs);
  auto report = [&](const engine::ItemResult& r) {
    ++sum.items;
    sum.bytes += r.bytes;
    if (!r.error.empty()) ++sum.unreadable;
    for (const auto& im : r.images) ++sum.images[im.content_type];
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
      progress.ClearForOutput();
      reporter->Item(r, shown);
    }
    progress.Update(sum.items, sum.bytes);
  };
  if (jobs == 1) {  // one thread: no hand-offs at all
    auto scratch = engine.NewScratch();
    for (const auto& f : files)
      extract::ListItems(f, [&](extract::ItemRef&& ref) {
        report(engine.InspectRef(ref, *scratch));
      });
    return Finish(reporter.get(), sum, start, progress, found);
  }
  // The unit of work is a batch of items in mbox or folder order (an mbox's
  // messages, files): small enough that one large mailbox still spreads
  // over every thread, large enough that handing it over costs little
  // beside inspecting it. A producer lists batches into a bounded queue;
  // workers inspect them; this thread reports them in order.
  constexpr size_t kBatchItems = 64;
  constexpr size_t kBatchBytes = 1 << 20;
  using Batch = std::vector<extract::ItemRef>;
  struct Queue {
    std::mutex mu;
    std::condition_variable space, work, ready;
    std::deque<std::pair<uint64_t, Batch>> todo;
    std::map<uint64_t, std::vector<engine::ItemResult>> done;
    uint64_t listed = 0;
    bool listing = true;
  } q;
  const size_t todo_cap = 2 * size_t{jobs}, done_cap = 8 * size_t{jobs};
  std::thread producer([&] {
    Batch batch;
    size_t bytes = 0;
    auto hand_over = [&] {
      std::unique_lock<std::mutex> lock(q.mu);
      q.space.wait(lock, [&] {
        return q.todo.size() < todo_cap && q.done.size() < done_cap;
      });
      q.todo.emplace_back(q.listed++, std::move(batch));
      q.work.notify_one();
      batch.clear();
      bytes = 0;
    };
    for (const auto& f : files)
      extract::ListItems(f, [&](extract::ItemRef&& ref) {
        bytes += ref.bytes.size();
        batch.push_back(std::move(ref));
        if (batch.size() >= kBatchItems || bytes >= kBatchBytes) hand_over();
      });
    if (!batch.empty()) hand_over();
    std::lock_guard<std::mutex> lock(q.mu);
    q.listing = false;
    q.work.notify_all();
    q.ready.notify_all();
  });
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < jobs; ++w) {
    workers.emplace_back([&] {
      auto scratch = engine.NewScratch();
      for (;;) {
        std::pair<uint64_t, Batch> job;
        {
          std::unique_lock<std::mutex> lock(q.mu);
          q.work.wait(lock, [&] { return !q.todo.empty() || !q.listing; });
          if (q.todo.empty()) return;
          job = std::move(q.todo.front());
          q.todo.pop_front();
          q.space.notify_one();
        }
        std::vector<engine::ItemResult> results;
        results.reserve(job.second.size());
        for (extract::ItemRef& ref : job.second) {
          results.push_back(engine.InspectRef(ref, *scratch));
          ref = {};  // let go of the file's mapping early
        }
        std::lock_guard<std::mutex> lock(q.mu);
        q.done.emplace(job.first, std::move(results));
        q.ready.notify_one();
      }
    });
  }
  for (uint64_t next = 0;; ++next) {
    std::vector<engine::ItemResult> results;
    {
      std::unique_lock<std::mutex> lock(q.mu);
      q.ready.wait(lock, [&] {
        return q.done.count(next) || (!q.listing && next >= q.listed);
      });
      auto it = q.done.find(next);
      if (it == q.done.end()) break;
      results = std::move(it->second);
      q.done.erase(it);
      q.space.notify_one();
    }
    for (const engine::ItemResult& r : results) report(r);
  }
  producer.join();
  for (auto& t : workers) t.join();
  return Finish(reporter.get(), sum, start, progress, found);
}

}  // namespace

void AddEngineFlags(CLI::App* cmd, engine::Options& o, bool show_values) {
  cmd->add_option("--policy", o.policy,
                  "Policy pack folder (default: the bundled pack)");
  cmd->add_option("--roster", o.roster,
                  "OneRoster 1.1/1.2 export folder for name and id matching");
  cmd->add_option("--cache", o.cache_dir,
                  "Compiled-pattern cache folder ('none' to disable)");
  if (show_values)
    cmd->add_flag("--show-values", o.show_values,
                  "Show matched values in full (default: redacted)");
}

void RegisterScan(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<ScanArgs>();
  CLI::App* s = app.add_subcommand("scan",
                                   "Scan files, folders, mbox files and "
                                   "Maildir trees for what the policy forbids");
  AddEngineFlags(s, a->engine, true);
  s->add_option("--format", a->format, "Output: text, jsonl or csv")
      ->capture_default_str();
  s->add_option("--min-severity", a->min_severity,
                "Report findings at or above: low, medium, high")
      ->capture_default_str();
  s->add_option("-j,--jobs", a->jobs, "Worker threads")->capture_default_str();
  s->add_flag("--no-progress", a->no_progress,
              "No progress bar, even on a terminal");
  s->add_option("paths", a->paths, "Files and folders to scan")->required();
  s->callback([a, &run] { run = [a] { return RunScan(*a); }; });
}

}  // namespace steward::cli
