#include "inspect/matcher.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <pcre2.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <unordered_map>

#include "core/hash.h"
#include "core/snapshot.h"
#include "core/text.h"
#include "inspect/lexicon.h"
#include "inspect/word_literals.h"
#include "policy/loader.h"

namespace steward::inspect {

namespace fs = std::filesystem;
using policy::Detector;
using policy::DetectorKind;

namespace {

constexpr size_t kMaxCandidates = 1u << 20;  // per text; bounds memory
// An entry of the regex database that is no detector: a sign of obfuscation,
// which decides whether the folded view is worth building for a text.
constexpr uint32_t kObfuscationSign = UINT32_MAX;
const char* const kSignPatterns[] = {
    "[a-z][013457@$!|]+[a-z]",   // sh1t, b!tch
    "(?:^|[^a-z0-9])[$@][a-z]",  // $hit, @ss
    ("aaa|bbb|ccc|ddd|eee|fff|ggg|hhh|iii|jjj|kkk|lll|mmm|nnn|ooo|ppp|qqq|rrr|"
     "sss|ttt|uuu|vvv|www|xxx|yyy|zzz"),  // fuuuck
};

// How stage 2 turns a stage-1 end offset into spans.
enum class Recover {
  kEndsHere,  // the pattern itself ran: the match ending at this offset
  kCovers,    // a prefilter ran: matches of the pattern covering this offset
  kNear,      // a hotword ran: every match of the pattern within reach of it
};

struct Entry {
  uint32_t detector;
  const pcre2_code* re = nullptr;  // owned by Impl::codes
  uint32_t max_width;
  Recover recover = Recover::kEndsHere;
  uint32_t reach = 0;  // kNear: bytes either side of the hotword to search
};

struct Literal {
  uint32_t detector;
  uint32_t length;
  int32_t group;
};

// How a name may be written in text: as in the roster (unless all lower
// case), in Title Case, and in capitals.
std::vector<std::string> NameVariants(const std::string& name) {
  std::string title = name, upper = name;
  bool start = true, has_upper = false;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    has_upper |= std::isupper(c) != 0;
    if (c < 0x80) {
      title[i] = static_cast<char>(start ? std::toupper(c) : std::tolower(c));
      upper[i] = static_cast<char>(std::toupper(c));
    }
    start = c == ' ' || c == '-' || c == '\'';
  }
  std::vector<std::string> out;
  for (const std::string* v : {&name, static_cast<const std::string*>(&title),
                               static_cast<const std::string*>(&upper)}) {
    if (v == &name && !has_upper) continue;
    if (std::find(out.begin(), out.end(), *v) == out.end()) out.push_back(*v);
  }
  return out;
}

struct Candidate {
  uint32_t id;
  uint32_t end;
};

struct MatchCtx {
  std::vector<Candidate>* out;
  bool capped = false;  // the cap, or no memory for more candidates
};

int OnMatch(unsigned int id, unsigned long long, unsigned long long to,
            unsigned int, void* ctx);

// Stage 1 over `data` with one database: the candidates replace `cands`.
// Returns false when the scan is not whole: the candidate cap or memory
// stopped it, or Hyperscan failed (no scratch, a corrupt database). The
// caller reports the text as not fully inspected.
bool Scan(const hs_database_t* db, std::string_view data, hs_scratch_t* scratch,
          std::vector<Candidate>& cands) {
  cands.clear();
  if (scratch == nullptr) return false;
  MatchCtx ctx{&cands};
  hs_error_t err = hs_scan(db, data.data(), static_cast<unsigned>(data.size()),
                           0, scratch, OnMatch, &ctx);
  if (err != HS_SUCCESS && err != HS_SCAN_TERMINATED) return false;
  return !ctx.capped;
}

int OnMatch(unsigned int id, unsigned long long, unsigned long long to,
            unsigned int, void* ctx) {
  auto* c = static_cast<MatchCtx*>(ctx);
  if (c->out->size() >= kMaxCandidates) {
    c->capped = true;
    return 1;  // stop: the caller reports a partial scan
  }
  // A C callback: nothing may be thrown through Hyperscan.
  try {
    c->out->push_back({id, static_cast<uint32_t>(to)});
  } catch (...) {
    c->capped = true;
    return 1;
  }
  return 0;
}

bool IsSpaceByte(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Loads a serialized database from the cache, or compiles and stores it.
hs_database_t* CachedDb(
    const std::string& cache_dir, const std::string& key, bool* from_cache,
    const std::function<hs_database_t*(std::string*)>& compile,
    std::string* error) {
  fs::path file;
  if (!cache_dir.empty()) {
    file = fs::path(cache_dir) / (key + ".hsdb");
    auto data = core::ReadFile(file.string(), 1u << 30);
    if (data.ok()) {
      hs_database_t* db = nullptr;
      if (hs_deserialize_database(data->data(), data->size(), &db) ==
          HS_SUCCESS) {
        *from_cache = true;
        return db;
      }
    }
  }
  hs_database_t* db = compile(error);
  if (db && !cache_dir.empty()) {
    char* bytes = nullptr;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) == HS_SUCCESS) {
      std::error_code ec;
      fs::create_directories(cache_dir, ec);
      (void)core::WriteFileAtomic(file.string(), std::string_view(bytes, len));
      free(bytes);
    }
  }
  return db;
}

constexpr std::string_view kNamesKind = "roster-names";
constexpr uint32_t kNamesVersion = 1;

// What the roster's literals are built from, and nothing else: the roster
// detectors and, person by person in order, the fields the forms use.
std::string NamesKey(const std::vector<Detector>& dets,
                     const roster::Roster& roster, bool by_word) {
  std::string in =
      "names\n" + std::to_string(kNamesVersion) + (by_word ? "w" : "h") + "\n";
  for (uint32_t di = 0; di < dets.size(); ++di)
    if (dets[di].kind == DetectorKind::kRoster)
      in += std::to_string(di) + " " +
            std::to_string(static_cast<int>(dets[di].roster_role)) + " " +
            std::to_string(static_cast<int>(dets[di].roster_field)) + "\n";
  for (const roster::Person& p : roster.people) {
    for (const std::string* f :
         {&p.given, &p.family, &p.middle, &p.preferred_given}) {
      in += *f;
      in += '\x1f';
    }
    in += p.student ? '1' : '0';
    for (const auto& id : p.identifiers) {
      in += '\x1f';
      in += id;
    }
    in += '\x1e';
  }
  return core::Sha256Hex(in);
}

}  // namespace

struct Matcher::Impl {
  policy::PackPtr pack;
  std::shared_ptr<const roster::Roster> roster;
  std::vector<Entry> entries;
  std::vector<pcre2_code*> codes;
  std::vector<Literal> literals;
  // The people of group g: group_people[group_start[g], group_start[g + 1]).
  std::vector<uint32_t> group_start, group_people;
  // Roster literals by their words (ids: index into literals), and those it
  // cannot hold through lit_db (Hyperscan id i: literal lit_of_hs[i]).
  WordLiterals words;
  std::vector<uint32_t> lit_of_hs;
  hs_database_t* db = nullptr;
  hs_database_t* lit_db = nullptr;
  // Word-list terms, as literals: [0] on the lower-case view, [1] on the
  // folded view.
  struct Term {
    uint32_t detector;
    uint32_t length;
  };
  std::vector<Term> terms[2];
  // Each distinct literal is one Hyperscan id; the terms it stands for are
  // term_of[v][term_first[v][id] .. term_first[v][id + 1]).
  std::vector<uint32_t> term_first[2], term_of[2];
  hs_database_t* term_db[2] = {nullptr, nullptr};
  // Per detector: which views it reads.
  std::vector<core::ViewSet> view_mask;

  ~Impl() {
    for (auto* c : codes) pcre2_code_free(c);
    hs_free_database(db);
    hs_free_database(lit_db);
    hs_free_database(term_db[0]);
    hs_free_database(term_db[1]);
  }
};

struct Matcher::Scratch::Data {
  hs_scratch_t* s = nullptr;
  hs_scratch_t* lit = nullptr;
  hs_scratch_t* term[2] = {nullptr, nullptr};
  pcre2_match_data* md = nullptr;
  std::vector<Candidate> cands;
  std::vector<WordLiterals::Hit> hits;
  NormalView view;
  std::string lower;
  ~Data() {
    hs_free_scratch(s);
    hs_free_scratch(lit);
    hs_free_scratch(term[0]);
    hs_free_scratch(term[1]);
    pcre2_match_data_free(md);
  }
};

Matcher::Scratch::~Scratch() = default;
Matcher::~Matcher() = default;

core::Result<std::unique_ptr<Matcher>> Matcher::Build(
    const policy::PackPtr& pack,
    const std::shared_ptr<const roster::Roster>& roster,
    const Options& options) {
  std::unique_ptr<Matcher> m(new Matcher());
  m->impl_ = std::make_unique<Impl>();
  Impl& im = *m->impl_;
  im.pack = pack;
  im.roster = roster;
  std::vector<std::string> exprs;
  std::vector<unsigned> flags;
  const auto& dets = pack->detectors;
  im.view_mask.resize(dets.size());
  // Compiles `pattern` for stage 2 (PCRE2, JIT: it runs at every candidate).
  auto compile = [&](uint32_t di, const std::string& pattern,
                     uint32_t pcre_opts) -> core::Result<const pcre2_code*> {
    int code = 0;
    PCRE2_SIZE off = 0;
    pcre2_code* re =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()),
                      pattern.size(), pcre_opts, &code, &off, nullptr);
    if (!re)
      return core::Status::Invalid("detector '" + dets[di].id +
                                   "': PCRE2 cannot compile '" + pattern + "'");
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    im.codes.push_back(re);
    return static_cast<const pcre2_code*>(re);
  };
  auto add_entry = [&](Entry e, std::string stage1, unsigned hs_flags) {
    im.entries.push_back(e);
    exprs.push_back(std::move(stage1));
    flags.push_back(hs_flags);
  };
  std::vector<std::string> term_text[2];
  bool any_fold = false;
  for (const Detector& d : dets) any_fold |= d.fold_obfuscation;
  if (any_fold)
    for (const char* p : kSignPatterns)
      add_entry({kObfuscationSign, nullptr, 0}, p,
                HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
  // Literals for roster detectors: text -> group of people.
  std::unordered_map<std::string, int32_t> lit_index;
  std::vector<std::string> lit_text;
  std::vector<std::vector<uint32_t>> groups;
  // The roster's literals from the cache, when they were built before from
  // the same names and detectors.
  fs::path names_file;
  bool names_cached = false;
  if (roster && !options.cache_dir.empty() &&
      std::any_of(dets.begin(), dets.end(), [](const Detector& d) {
        return d.kind == DetectorKind::kRoster;
      })) {
    names_file =
        fs::path(options.cache_dir) /
        ("names-" + NamesKey(dets, *roster, options.names_by_word) + ".snap");
    if (auto data = core::MappedFile::Open(names_file.string()); data.ok()) {
      core::SnapshotReader in(data->data(), kNamesKind, kNamesVersion);
      names_cached =
          in.Pods(&im.literals) && in.Pods(&im.group_start) &&
          in.Pods(&im.group_people) && in.Pods(&im.lit_of_hs) &&
          in.Strs(&lit_text) &&
          im.words.Load(in, static_cast<uint32_t>(im.literals.size())) &&
          in.Done();
      // Everything Find and PeopleOf index must lie within what they index.
      const size_t groups_n =
          im.group_start.empty() ? 0 : im.group_start.size() - 1;
      for (size_t g = 0; names_cached && g < groups_n; ++g)
        names_cached = im.group_start[g] <= im.group_start[g + 1];
      names_cached = names_cached && !im.group_start.empty() &&
                     im.group_start.front() == 0 &&
                     im.group_start.back() == im.group_people.size() &&
                     lit_text.size() == im.lit_of_hs.size();
      for (uint32_t pi : im.group_people)
        names_cached = names_cached && pi < roster->people.size();
      for (const Literal& l : im.literals)
        names_cached = names_cached && l.detector < dets.size() &&
                       dets[l.detector].kind == DetectorKind::kRoster &&
                       l.group >= 0 && static_cast<size_t>(l.group) < groups_n;
      for (uint32_t id : im.lit_of_hs)
        names_cached = names_cached && id < im.literals.size();
      for (size_t i = 0; names_cached && i < lit_text.size(); ++i)
        names_cached =
            lit_text[i].size() == im.literals[im.lit_of_hs[i]].length;
      if (!names_cached) {  // built afresh below
        im.literals.clear();
        im.group_start.clear();
        im.group_people.clear();
        im.lit_of_hs.clear();
        lit_text.clear();
        im.words = WordLiterals();
      }
    }
  }
  for (uint32_t di = 0; di < dets.size(); ++di) {
    const Detector& d = dets[di];
    for (core::View v : d.views) im.view_mask[di] |= core::ViewBit(v);
    if (d.kind == DetectorKind::kRegex) {
      auto re = compile(di, d.pattern, policy::Pcre2Options(d));
      if (!re.ok()) return re.status();
      if (d.require_hotword) {
        // Found from its hotwords: Hyperscan looks for the (literal, cheap)
        // hotwords, and the pattern runs only within reach of them.
        for (const auto& h : d.hotwords) {
          add_entry(
              {di, *re, d.max_width, Recover::kNear, d.window + d.max_width},
              EscapeLiteral(h), HS_FLAG_CASELESS);
        }
      } else {
        add_entry({di, *re, d.max_width,
                   d.prefilter.empty() ? Recover::kEndsHere : Recover::kCovers},
                  d.prefilter.empty() ? d.pattern : d.prefilter,
                  policy::HyperscanFlags(d));
      }
    } else if (d.kind == DetectorKind::kLexicon ||
               d.kind == DetectorKind::kPhrase ||
               d.kind == DetectorKind::kClassifier) {
      for (const auto& lid : d.lexicons) {
        const policy::Lexicon* lex = pack->FindLexicon(lid);
        if (!lex) continue;
        for (const auto& term : lex->terms) {
          std::string p = LowerTerm(term);
          if (p.empty()) continue;
          Impl::Term t{di, static_cast<uint32_t>(p.size())};
          im.terms[0].push_back(t);
          term_text[0].push_back(p);
          if (d.fold_obfuscation) {
            // Letters spelled out one by one ("f u c k", "f.u.c.k") as plain
            // literals: cheaper than looking for the shape in every text.
            if (p.size() >= 3 && p.find(' ') == std::string::npos) {
              for (char sep : {' ', '.', '-', '*', '_'}) {
                std::string spelled;
                for (char c : p) {
                  if (!spelled.empty()) spelled += sep;
                  spelled += c;
                }
                im.terms[0].push_back(
                    {di, static_cast<uint32_t>(spelled.size())});
                term_text[0].push_back(std::move(spelled));
              }
            }
            std::string f = FoldTerm(term);
            if (f.empty()) continue;
            im.terms[1].push_back({di, static_cast<uint32_t>(f.size())});
            term_text[1].push_back(std::move(f));
          }
        }
      }
    } else if (d.kind == DetectorKind::kRoster && roster && !names_cached) {
      bool want_student = d.roster_role == policy::RosterRole::kStudent;
      bool names = d.roster_field == policy::RosterField::kNames;
      lit_index.reserve(lit_index.size() + roster->people.size() * 5);
      im.literals.reserve(im.literals.size() + roster->people.size() * 12);
      const std::string key_prefix = std::to_string(di) + "\x1f";
      std::string key;
      for (uint32_t pi = 0; pi < roster->people.size(); ++pi) {
        const roster::Person& p = roster->people[pi];
        if (p.student != want_student) continue;
        std::vector<std::string> forms;
        if (names) {
          forms.push_back(p.given + " " + p.family);
          if (!p.preferred_given.empty() && p.preferred_given != p.given)
            forms.push_back(p.preferred_given + " " + p.family);
          if (!p.middle.empty())
            forms.push_back(p.given + " " + p.middle + " " + p.family);
          forms.push_back(p.family + ", " + p.given);
          // The limited identification of F.2: first name and last initial.
          forms.push_back(p.given + " " + p.family.substr(0, 1) + ".");
        } else {
          for (const auto& id : p.identifiers) {
            size_t digits = std::count_if(id.begin(), id.end(), ::isdigit);
            if (id.size() >= 5 && digits >= 4) forms.push_back(id);
          }
        }
        for (auto& f : forms) {
          if (names && f.size() < 5) continue;
          key.assign(key_prefix);
          core::AppendAsciiLower(key, f);
          auto [it, fresh] =
              lit_index.try_emplace(key, static_cast<int32_t>(groups.size()));
          if (fresh) {
            groups.emplace_back();
            // Exact-case literals run 2.5x faster than caseless ones; names
            // are written capitalised, so match the roster's spelling, Title
            // Case and ALL CAPS.
            std::vector<std::string> variants = {f};
            if (names) variants = NameVariants(f);
            for (auto& v : variants) {
              const auto id = static_cast<uint32_t>(im.literals.size());
              im.literals.push_back(
                  {di, static_cast<uint32_t>(v.size()), it->second});
              if (options.names_by_word && im.words.Add(v, id)) continue;
              im.lit_of_hs.push_back(id);
              lit_text.push_back(std::move(v));
            }
          }
          auto& g = groups[it->second];
          if (g.empty() || g.back() != pi) g.push_back(pi);
        }
      }
    }
  }
  if (!names_cached && roster) {
    im.words.Finish();
    im.group_start.reserve(groups.size() + 1);
    im.group_start.push_back(0);
    for (auto& g : groups) {
      im.group_people.insert(im.group_people.end(), g.begin(), g.end());
      im.group_start.push_back(static_cast<uint32_t>(im.group_people.size()));
    }
    groups = {};
    if (!names_file.empty()) {
      core::SnapshotWriter w(kNamesKind, kNamesVersion);
      w.Pods(im.literals);
      w.Pods(im.group_start);
      w.Pods(im.group_people);
      w.Pods(im.lit_of_hs);
      w.Strs(lit_text);
      im.words.Save(w);
      std::error_code ec;
      fs::create_directories(options.cache_dir, ec);
      if (core::WriteFileAtomic(names_file.string(), w.Finish()).ok())
        core::KeepNewest(options.cache_dir, "names-", 3);
    }
  }
  m->stats_.names_cached = names_cached;
  std::string version = hs_version();
  std::string error;
  if (!exprs.empty()) {
    // Keyed by exactly what is compiled (and the Hyperscan version), so a
    // cached database can never disagree with the entries it reports.
    core::Sha256 h;
    h.Update("patterns\n" + version + "\n");
    for (size_t i = 0; i < exprs.size(); ++i) {
      h.Update(exprs[i]);
      h.Update(std::string(1, '\0') + std::to_string(flags[i]) + "\n");
    }
    std::string key = h.HexDigest();
    im.db = CachedDb(
        options.cache_dir, key, &m->stats_.pattern_db_cached,
        [&](std::string* err) -> hs_database_t* {
          std::vector<const char*> ptrs;
          std::vector<unsigned> ids;
          for (size_t i = 0; i < exprs.size(); ++i) {
            ptrs.push_back(exprs[i].c_str());
            ids.push_back(static_cast<unsigned>(i));
          }
          hs_database_t* db = nullptr;
          hs_compile_error_t* ce = nullptr;
          if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(),
                               static_cast<unsigned>(ptrs.size()),
                               HS_MODE_BLOCK, nullptr, &db,
                               &ce) != HS_SUCCESS) {
            int bad = ce ? ce->expression : -1;
            *err = "Hyperscan: " +
                   std::string(ce && ce->message ? ce->message : "?");
            if (bad >= 0)
              *err +=
                  " in detector '" + dets[im.entries[bad].detector].id + "'";
            hs_free_compile_error(ce);
            return nullptr;
          }
          return db;
        },
        &error);
    if (!im.db) return core::Status::Invalid(error);
  }
  auto literal_db = [&](const std::vector<std::string>& lits, unsigned flag,
                        const std::string& kind,
                        bool* cached) -> core::Result<hs_database_t*> {
    if (lits.empty()) return static_cast<hs_database_t*>(nullptr);
    core::Sha256 h;
    h.Update(kind + "\n" + version + "\n" + std::to_string(flag) + "\n");
    for (const auto& l : lits) {
      h.Update(l);
      h.Update(std::string_view("\0", 1));
    }
    std::string key = h.HexDigest();
    hs_database_t* db = CachedDb(
        options.cache_dir, key, cached,
        [&](std::string* err) -> hs_database_t* {
          std::vector<const char*> ptrs;
          std::vector<size_t> lens;
          std::vector<unsigned> fl, ids;
          for (size_t i = 0; i < lits.size(); ++i) {
            ptrs.push_back(lits[i].data());
            lens.push_back(lits[i].size());
            fl.push_back(flag);
            ids.push_back(static_cast<unsigned>(i));
          }
          hs_database_t* out = nullptr;
          hs_compile_error_t* ce = nullptr;
          if (hs_compile_lit_multi(
                  ptrs.data(), fl.data(), ids.data(), lens.data(),
                  static_cast<unsigned>(ptrs.size()), HS_MODE_BLOCK, nullptr,
                  &out, &ce) != HS_SUCCESS) {
            *err = "Hyperscan " + kind + ": " +
                   std::string(ce && ce->message ? ce->message : "?");
            hs_free_compile_error(ce);
            return nullptr;
          }
          return out;
        },
        &error);
    if (!db) return core::Status::Invalid(error);
    return db;
  };
  auto roster_db =
      literal_db(lit_text, 0, "literals", &m->stats_.literal_db_cached);
  if (!roster_db.ok()) return roster_db.status();
  im.lit_db = *roster_db;
  bool unused = false;
  for (int v = 0; v < 2; ++v) {
    // One literal for the many terms that are the same words (a word in
    // several lists): one match each, not one for each list.
    std::unordered_map<std::string, uint32_t> id_of;
    std::vector<std::string> distinct;
    std::vector<std::vector<uint32_t>> members;
    for (uint32_t i = 0; i < term_text[v].size(); ++i) {
      auto [it, fresh] = id_of.try_emplace(
          term_text[v][i], static_cast<uint32_t>(distinct.size()));
      if (fresh) {
        distinct.push_back(term_text[v][i]);
        members.emplace_back();
      }
      members[it->second].push_back(i);
    }
    im.term_first[v].push_back(0);
    for (const auto& m : members) {
      im.term_of[v].insert(im.term_of[v].end(), m.begin(), m.end());
      im.term_first[v].push_back(static_cast<uint32_t>(im.term_of[v].size()));
    }
    auto tdb = literal_db(distinct, 0, v ? "folded-terms" : "terms", &unused);
    if (!tdb.ok()) return tdb.status();
    im.term_db[v] = *tdb;
  }
  m->stats_.patterns = exprs.size();
  m->stats_.literals = im.literals.size();
  m->stats_.literal_bytes = im.words.MemoryBytes();
  m->stats_.terms = term_text[0].size() + term_text[1].size();
  return m;
}

std::unique_ptr<Matcher::Scratch> Matcher::NewScratch() const {
  std::unique_ptr<Scratch> s(new Scratch());
  s->d_ = std::make_unique<Scratch::Data>();
  // A scratch Hyperscan could not allocate stays null; scans with it report
  // the text as not fully inspected rather than finding nothing.
  auto alloc = [](const hs_database_t* db, hs_scratch_t** out) {
    if (db != nullptr && hs_alloc_scratch(db, out) != HS_SUCCESS) {
      *out = nullptr;
    }
  };
  alloc(impl_->db, &s->d_->s);
  alloc(impl_->lit_db, &s->d_->lit);
  for (int v = 0; v < 2; ++v) alloc(impl_->term_db[v], &s->d_->term[v]);
  s->d_->md = pcre2_match_data_create(4, nullptr);
  return s;
}

Matcher::People Matcher::PeopleOf(int32_t group) const {
  const Impl& im = *impl_;
  const auto g = static_cast<size_t>(group);
  if (group < 0 || g + 1 >= im.group_start.size()) return {};
  return {im.group_people.data() + im.group_start[g],
          im.group_start[g + 1] - im.group_start[g]};
}

bool Matcher::Find(std::string_view text, core::View view, Scratch& scratch,
                   std::vector<Span>& out) const {
  const Impl& im = *impl_;
  Scratch::Data& sd = *scratch.d_;
  const core::ViewSet vbit = core::ViewBit(view);
  if (text.size() > UINT32_MAX) text = text.substr(0, UINT32_MAX);
  bool complete = true;
  const size_t first_out = out.size();
  // Stage 1: regexes and terms.
  bool signs = false;  // set by the sign entries of the regex database
  if (im.db) {
    complete &= Scan(im.db, text, sd.s, sd.cands);
    // Stage 2: span recovery, per entry, at each distinct end offset.
    std::sort(sd.cands.begin(), sd.cands.end(),
              [](const Candidate& a, const Candidate& b) {
                return a.id != b.id ? a.id < b.id : a.end < b.end;
              });
    for (size_t i = 0; i < sd.cands.size(); ++i) {
      const Candidate& c = sd.cands[i];
      if (i > 0 && sd.cands[i - 1].id == c.id && sd.cands[i - 1].end == c.end)
        continue;
      const Entry& e = im.entries[c.id];
      if (e.detector == kObfuscationSign) {
        signs = true;
        continue;
      }
      if (!(im.view_mask[e.detector] & vbit)) continue;
      if (e.recover == Recover::kEndsHere) {
        // The match that ends exactly at c.end, leftmost first.
        size_t start = c.end > e.max_width ? c.end - e.max_width : 0;
        while (start <= c.end) {
          if (pcre2_match(e.re, reinterpret_cast<PCRE2_SPTR>(text.data()),
                          c.end, start, 0, sd.md, nullptr) < 0)
            break;
          PCRE2_SIZE* ov = pcre2_get_ovector_pointer(sd.md);
          if (ov[1] == c.end && ov[1] > ov[0]) {
            out.push_back(
                {e.detector, static_cast<uint32_t>(ov[0]), c.end, -1});
            break;
          }
          start = ov[0] + 1;
        }
        continue;
      }
      // Every match in a window around the candidate; kCovers keeps those
      // that cover the prefilter's end.
      size_t reach = e.recover == Recover::kNear ? e.reach : e.max_width;
      size_t start = c.end > reach ? c.end - reach : 0;
      size_t stop = std::min(text.size(), static_cast<size_t>(c.end) + reach);
      // Never cut a word: a truncated subject would fake a \b at its end.
      for (size_t k = 0;
           k < 64 && stop < text.size() &&
           WordLiterals::IsWordByte(static_cast<unsigned char>(text[stop]));
           ++k)
        ++stop;
      while (start < stop) {
        if (pcre2_match(e.re, reinterpret_cast<PCRE2_SPTR>(text.data()), stop,
                        start, 0, sd.md, nullptr) < 0)
          break;
        PCRE2_SIZE* ov = pcre2_get_ovector_pointer(sd.md);
        if (ov[1] > ov[0] &&
            (e.recover == Recover::kNear || (ov[0] < c.end && ov[1] >= c.end)))
          out.push_back({e.detector, static_cast<uint32_t>(ov[0]),
                         static_cast<uint32_t>(ov[1]), -1});
        start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
      }
    }
  }
  // Stage 1 and 2 for roster literals: the span is the literal's length,
  // a whole word or words (or ending in its own '.').
  auto literal_at = [&](uint32_t id, uint32_t end) {
    const Literal& l = im.literals[id];
    if (!(im.view_mask[l.detector] & vbit)) return;
    uint32_t b = end - l.length;
    auto uc = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    if (b > 0 && WordLiterals::IsWordByte(uc(b - 1))) return;
    if (end < text.size() && WordLiterals::IsWordByte(uc(end)) &&
        text[end - 1] != '.')
      return;
    out.push_back({l.detector, b, end, l.group});
  };
  if (!im.words.empty()) {
    sd.hits.clear();
    complete &= im.words.Find(text, sd.hits, kMaxCandidates);
    for (const WordLiterals::Hit& h : sd.hits) literal_at(h.id, h.end);
  }
  if (im.lit_db) {
    complete &= Scan(im.lit_db, text, sd.lit, sd.cands);
    for (const Candidate& c : sd.cands) literal_at(im.lit_of_hs[c.id], c.end);
  }
  // Word-list terms on the lower-case view (same offsets as the text).
  if (im.term_db[0]) {
    LowerCase(text, sd.lower);
    const std::string& lt = sd.lower;
    complete &= Scan(im.term_db[0], lt, sd.term[0], sd.cands);
    for (const Candidate& c : sd.cands) {
      bool whole = false, checked = false;  // the same for every member
      for (uint32_t k = im.term_first[0][c.id]; k < im.term_first[0][c.id + 1];
           ++k) {
        const Impl::Term& t = im.terms[0][im.term_of[0][k]];
        if (!(im.view_mask[t.detector] & vbit)) continue;
        const uint32_t b = c.end - t.length;
        if (!checked) {
          whole = IsWholeWord(lt, b, c.end);
          checked = true;
        }
        if (whole) out.push_back({t.detector, b, c.end, -1});
      }
    }
  }
  // Folded terms, only where the text shows signs of obfuscation; spans map
  // back through the view.
  // The regex database looked for signs on its pass; without one, look here.
  if (im.term_db[1] && (im.db ? signs : HasObfuscationSigns(text))) {
    BuildFoldedView(text, sd.view);
    const std::string& vt = sd.view.text;
    complete &= Scan(im.term_db[1], vt, sd.term[1], sd.cands);
    for (const Candidate& c : sd.cands) {
      for (uint32_t k = im.term_first[1][c.id]; k < im.term_first[1][c.id + 1];
           ++k) {
        const Impl::Term& t = im.terms[1][im.term_of[1][k]];
        if (!(im.view_mask[t.detector] & vbit)) continue;
        uint32_t b = c.end - t.length;
        if (!IsWholeWord(vt, b, c.end)) continue;
        uint32_t sb = sd.view.origin[b], se = sd.view.origin[c.end];
        while (se > sb && IsSpaceByte(text[se - 1])) --se;  // not the gap
        if (!LooksObfuscated(text.substr(sb, se - sb))) continue;
        out.push_back({t.detector, sb, se, -1});
      }
    }
  }
  // Per detector keep the longest of overlapping spans (an e-mail address
  // reports several ends; "Maria Garcia" also contains "Maria G").
  std::sort(out.begin() + first_out, out.end(),
            [](const Span& a, const Span& b) {
              if (a.detector != b.detector) return a.detector < b.detector;
              if (a.begin != b.begin) return a.begin < b.begin;
              return a.end > b.end;
            });
  size_t w = first_out;
  for (size_t i = first_out; i < out.size(); ++i) {
    if (w > first_out && out[w - 1].detector == out[i].detector &&
        out[i].begin < out[w - 1].end)
      continue;  // inside or overlapping the previous kept span
    out[w++] = out[i];
  }
  out.resize(w);
  return complete;
}

}  // namespace steward::inspect
