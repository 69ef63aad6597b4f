// `make eval`: the detectors' accuracy on data they were not tuned on, as
// Markdown for docs/detection.md. Misses are listed for the suite's tuning
// part only; the held-out part is reported, never listed.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "accuracy.h"
#include "conduct_eval.h"
#include "inspect/encoder.h"
#include "labelled.h"
#include "test_util.h"

using namespace steward::testing;

namespace {

// Each line of a fastText training file (its label skipped) through the
// encoder: with `tokens`, the word-piece ids it reads, as one line of
// numbers; otherwise its vector, 512 float32.
int EncodeLines(const std::string& encoder_dir, const std::string& in_path,
                const std::string& out_path, bool tokens) {
  auto encoder = steward::inspect::SentenceEncoder::Load(encoder_dir);
  if (!encoder.ok()) {
    std::fprintf(stderr, "steward-eval: %s\n",
                 encoder.status().message().c_str());
    return 2;
  }
  std::ifstream in(in_path);
  std::ofstream out(out_path, std::ios::binary);
  if (!in || !out) {
    std::fprintf(stderr, "steward-eval: cannot open %s or %s\n",
                 in_path.c_str(), out_path.c_str());
    return 2;
  }
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    // "__label__x text": the text alone.
    if (line.starts_with("__label__")) {
      const size_t sp = line.find(' ');
      line = sp == std::string::npos ? "" : line.substr(sp + 1);
    }
    if (tokens) {
      std::vector<int32_t> ids = (*encoder)->Tokenize(line);
      if (ids.empty()) ids = (*encoder)->Tokenize(".");  // as Embed reads ""
      if (ids.size() > steward::inspect::kConductPieces)
        ids.resize(steward::inspect::kConductPieces);
      std::string text;
      for (int32_t id : ids)
        text += (text.empty() ? "" : " ") + std::to_string(id);
      out << text << '\n';
    } else {
      const auto v = (*encoder)->Embed(line, steward::inspect::kConductPieces);
      out.write(reinterpret_cast<const char*>(v.data()),
                static_cast<std::streamsize>(v.size() * sizeof(float)));
    }
    if (++n % 10000 == 0) std::fprintf(stderr, "encode: %zu lines\n", n);
  }
  out.close();
  if (!out) {
    std::fprintf(stderr, "steward-eval: %s: write failed\n", out_path.c_str());
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--training-data") {
    // `make model`: the classifier detectors' training data (labelled.h).
    std::string report, err;
    if (!WriteTrainingData(argv[2], &report, &err)) {
      std::fprintf(stderr, "steward-eval: %s\n", err.c_str());
      return 2;
    }
    std::fputs(report.c_str(), stdout);
    return 0;
  }
  if (argc == 5 && (std::string(argv[1]) == "--embed" ||
                    std::string(argv[1]) == "--tokens")) {
    // `make model`: the sentence encoder's vector (or word pieces) of each
    // line of a fastText training file.
    return EncodeLines(argv[2], argv[3], argv[4],
                       std::string(argv[1]) == "--tokens");
  }
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--misses") {
      list = true;
    } else if (a == "--policy" && i + 1 < argc) {
      SetPackDir(argv[++i]);  // a district's edited pack, measured alike
    } else {
      std::fprintf(
          stderr,
          "usage: steward-eval [--misses] [--policy DIR] | "
          "--training-data DIR | --embed|--tokens ENCODER_DIR TRAIN OUT\n");
      return 2;
    }
  }
  const auto& e = BundledEngine();
  std::string err;
  std::vector<SuiteCase> cases;
  if (!ReadSuite(SourceDir() + "/tests/golden/functional", cases, &err)) {
    std::fprintf(stderr, "steward-eval: %s\n", err.c_str());
    return 2;
  }
  RunSuite(e, cases);
  std::printf("## Functional suite (tests/golden/functional)\n\n%s\n",
              SuiteTable(ScoreSuite(cases)).c_str());
  // The tuning part's mistakes (never a held-out line's).
  auto list_misses = [&](const std::vector<SuiteCase>& of) {
    if (!list) return;
    for (const auto& c : of)
      if (!c.held_out && c.found != (c.label == c.category))
        std::printf("%s %s:%zu [%s] %s\n", c.found ? "FALSE ALARM" : "MISSED",
                    c.file.c_str(), c.line, c.functionality.c_str(),
                    c.text.c_str());
  };
  list_misses(cases);
  // Suites nothing trains on. independent/: written apart from the
  // patterns by someone who had not read them, all of it held out, misses
  // never listed. development/: written as training data, kept from the
  // models (it raised false alarms on real mail) and used to choose trigger
  // words (scripts/triggers.py) from its tuning four fifths: the held-out
  // fifth is the figure.
  for (const char* suite : {"independent", "development"}) {
    std::vector<SuiteCase> apart;
    if (!ReadSuite(SourceDir() + "/tests/golden/functional/" + suite, apart,
                   &err)) {
      std::fprintf(stderr, "steward-eval: %s\n", err.c_str());
      return 2;
    }
    const bool independent = std::string(suite) == "independent";
    if (independent)
      for (auto& c : apart) c.held_out = true;
    RunSuite(e, apart);
    std::printf("## %s suite (tests/golden/functional/%s)\n\n%s\n",
                independent ? "Independent" : "Development", suite,
                SuiteTable(ScoreSuite(apart)).c_str());
    list_misses(apart);  // independent/ is all held out: none listed
  }
  // The labelled corpora's held-out fifth: the classifier models were
  // trained on the rest (labelled.h, docs/models.md).
  {
    std::vector<LabelledText> texts;
    std::vector<std::string> missing;
    if (!ReadLabelledCorpora(texts, missing, &err)) {
      std::fprintf(stderr, "steward-eval: %s\n", err.c_str());
      return 2;
    }
    std::printf(
        "\n## Labelled corpora, held-out fifth\n\n"
        "| corpus / label | texts | threat | harassment | solicitation | "
        "political |\n|---|---:|---:|---:|---:|---:|\n");
    for (const auto& [k, row] : EvaluateLabelled(e, texts, true)) {
      std::printf("| %s | %zu |", k.c_str(), row.at("threat").texts);
      for (const char* cat : kConductCategories)
        std::printf(" %.1f %% |", 100 * row.at(cat).Share());
      std::printf("\n");
    }
    for (const auto& m : missing) std::printf("\n(%s: absent)\n", m.c_str());
  }
  if (std::string dir = Corpus("spamassassin/raw"); !dir.empty()) {
    for (bool held_out : {true, false}) {
      std::printf(
          "\n## Real mail (spamassassin/raw), %s\n\n"
          "| folder | messages | with a high-severity finding | per "
          "1,000 | solicitation, pyramid or chain |\n"
          "|---|---:|---:|---:|---:|\n",
          held_out ? "held-out fifth" : "all (four fifths trained on)");
      for (const char* g : {"easy-ham-1", "easy-ham-2", "spam-1"}) {
        auto m = EvaluateMailFolder(
            e, dir + "/" + g,
            {"commercial-advertising", "pyramid-scheme", "chain-letter"},
            held_out);
        std::string by;
        for (const auto& [cat, n] : m.high_by_category)
          by += fmt::format(" {} {};", cat, n);
        std::printf("| %s | %zu | %zu (%s) | %.1f | %.1f %% |\n", g,
                    m.high.texts, m.high.flagged, by.c_str(),
                    1000 * m.high.Share(), 100 * m.any_of.Share());
      }
    }
  }
  if (std::string file = Corpus("presidio-synth/synth_dataset_v2.json");
      !file.empty()) {
    // Identifiers, phones, addresses and licences (docs/detection.md, "PII
    // formats and tables"): the held-out fifth, then the whole set.
    for (auto [part, name] : {std::pair{Part::kHeldOut, "held-out fifth"},
                              std::pair{Part::kAll, "whole set"}}) {
      auto s = EvaluatePresidio(e, file, part, Counting::kCovered, &err);
      if (!err.empty()) {
        std::fprintf(stderr, "steward-eval: %s\n", err.c_str());
        return 2;
      }
      std::printf("\n## Presidio's synthetic sentences, %s\n\n%s", name,
                  ScoreTable(s).c_str());
    }
  }
  return 0;
}
