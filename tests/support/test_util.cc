#include "test_util.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace steward::testing {

namespace fs = std::filesystem;

std::string SourceDir() { return STEWARD_SOURCE_DIR; }

std::string CorporaDir() {
  if (const char* e = std::getenv("STEWARD_CORPORA"); e && *e) return e;
  fs::path p = fs::path(SourceDir()) / ".." / "shared" / "corpora";
  std::error_code ec;
  return fs::is_directory(p, ec) ? fs::weakly_canonical(p).string() : "";
}

std::string Corpus(const std::string& sub) {
  std::string base = CorporaDir();
  if (base.empty()) return "";
  fs::path p = fs::path(base) / sub;
  std::error_code ec;
  return fs::exists(p, ec) ? p.string() : "";
}

bool CorporaRequired() {
  const char* e = std::getenv("STEWARD_REQUIRE_CORPORA");
  return e && std::string(e) == "1";
}

std::vector<std::string> Categories(const engine::ItemResult& r) {
  std::set<std::string> s;
  for (const auto& f : r.findings) s.insert(f.category);
  return {s.begin(), s.end()};
}

std::vector<inspect::Finding> FindIn(const std::string& text,
                                     const std::string& category) {
  const auto& e = BundledEngine();
  auto scratch = e.NewScratch();
  auto r = e.InspectPlainText("test", text, *scratch);
  std::vector<inspect::Finding> out;
  for (auto& f : r.findings)
    if (category.empty() || f.category == category) out.push_back(f);
  return out;
}

RunResult Run(const std::string& command) {
  RunResult r;
  TempDir tmp("steward-run");
  std::string err_file = (tmp.path() / "stderr").string();
  FILE* p = ::popen((command + " 2>" + err_file).c_str(), "r");
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = ReadAll(err_file);
  return r;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void TempDirTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  tmp_.emplace(std::string("steward-test-") + info->test_suite_name() + "-" +
               info->name());
  dir_ = tmp_->path();
}

void TempDirTest::TearDown() { tmp_.reset(); }

std::string TempDirTest::Write(const std::string& name,
                               const std::string& text) {
  return tmp_->Write(name, text);
}

}  // namespace steward::testing
