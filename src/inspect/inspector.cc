#include "inspect/inspector.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/text.h"
#include "inspect/redact.h"
#include "inspect/validators.h"

namespace steward::inspect {

using policy::Detector;

namespace {

bool IsWordChar(unsigned char c) {
  return std::isalnum(c) || c == '_' || c >= 0x80;
}

// True when one of `words` (lower-case) occurs as a whole word in the
// lower-cased window [from, to) of text, outside [skip_b, skip_e).
bool WindowHas(std::string_view text, size_t from, size_t to, size_t skip_b,
               size_t skip_e, const std::vector<std::string>& words) {
  if (words.empty()) return false;
  std::string w = core::AsciiLower(text.substr(from, to - from));
  for (size_t i = skip_b - from; i < skip_e - from && i < w.size(); ++i)
    w[i] = ' ';
  for (const auto& word : words) {
    size_t pos = 0;
    while ((pos = w.find(word, pos)) != std::string::npos) {
      size_t end = pos + word.size();
      bool left =
          pos == 0 || !IsWordChar(static_cast<unsigned char>(w[pos - 1]));
      bool right =
          end >= w.size() || !IsWordChar(static_cast<unsigned char>(w[end]));
      // Allow plurals and simple suffixes of hotwords ("grades", "ssn#").
      if (!right && end + 1 <= w.size() && w[end] == 's')
        right = end + 1 >= w.size() ||
                !IsWordChar(static_cast<unsigned char>(w[end + 1]));
      if (left && right) return true;
      pos = end;
    }
  }
  return false;
}

std::vector<std::string> LowerAll(const std::vector<std::string>& v) {
  std::vector<std::string> r;
  r.reserve(v.size());
  for (const auto& s : v) r.push_back(core::AsciiLower(s));
  return r;
}

}  // namespace

core::Result<std::shared_ptr<const Inspector>> Inspector::Create(
    policy::PackPtr pack, std::shared_ptr<const roster::Roster> roster,
    const Options& options) {
  std::shared_ptr<Inspector> in(new Inspector());
  in->pack_ = std::move(pack);
  in->roster_ = std::move(roster);
  in->options_ = options;
  auto m = Matcher::Build(in->pack_, in->roster_, {options.cache_dir});
  if (!m.ok()) return m.status();
  in->matcher_ = std::move(m).value();
  in->grammar_ = PhraseGrammar::Build(*in->pack_, in->roster_.get());
  std::map<std::string, std::shared_ptr<const Classifier>> by_file;
  std::map<std::string, std::shared_ptr<const SentenceEncoder>> encoders;
  std::map<std::string, std::shared_ptr<const Head>> heads;
  for (const Detector& d : in->pack_->detectors) {
    std::shared_ptr<const Classifier> model;
    if (d.kind == policy::DetectorKind::kClassifier) {
      auto& m = by_file[d.model];
      if (!m) {
        auto c = d.model_bytes ? Classifier::Parse(d.model, *d.model_bytes)
                               : Classifier::Load(d.model);
        if (!c.ok())
          return core::Status::Invalid("detector '" + d.id +
                                       "': " + c.status().message());
        m = std::move(c).value();
      }
      model = m;
    }
    const int label = model ? model->LabelIndex(d.label) : -1;
    if (model && label < 0)
      return core::Status::Invalid("detector '" + d.id + "': " + d.model +
                                   " has no label '" + d.label + "'");
    in->label_index_.push_back(label);
    in->none_index_.push_back(model ? model->LabelIndex("none") : -1);
    in->models_.push_back(std::move(model));
    std::shared_ptr<const SentenceEncoder> encoder;
    std::shared_ptr<const Head> head;
    int head_label = -1;
    if (d.kind == policy::DetectorKind::kClassifier && d.head_bytes &&
        !d.encoder.empty()) {
      // One encoder a folder and tuning file.
      auto& e = encoders[d.encoder + '\n' + d.encoder_tune];
      if (!e) {
        auto loaded = SentenceEncoder::Load(
            d.encoder, d.encoder_tune_bytes.get(), d.encoder_tune);
        if (!loaded.ok())
          return core::Status::Invalid(
              "detector '" + d.id + "': encoder: " + loaded.status().message());
        e = std::move(loaded).value();
      }
      // A head's answers are cached by the head, so a head read through
      // another encoder or tuning file is another head.
      auto& h = heads[d.encoder + '\n' + d.encoder_tune + '\n' + d.head];
      if (!h) {
        auto parsed = Head::Parse(d.head, *d.head_bytes);
        if (!parsed.ok())
          return core::Status::Invalid("detector '" + d.id +
                                       "': " + parsed.status().message());
        h = std::move(parsed).value();
      }
      head_label = h->LabelIndex(d.label);
      if (head_label < 0)
        return core::Status::Invalid("detector '" + d.id + "': " + d.head +
                                     " has no label '" + d.label + "'");
      encoder = e;
      head = h;
    }
    in->encoders_.push_back(std::move(encoder));
    in->heads_.push_back(std::move(head));
    in->head_label_.push_back(head_label);
  }
  in->hot_.reserve(in->pack_->detectors.size());
  in->neg_.reserve(in->pack_->detectors.size());
  for (const Detector& d : in->pack_->detectors) {
    in->hot_.push_back(LowerAll(d.hotwords));
    in->neg_.push_back(LowerAll(d.negative));
    std::unique_ptr<FormatSet> f;
    if (!d.formats.empty()) {
      auto c = FormatSet::Compile(d.formats);
      if (!c.ok())
        return core::Status::Invalid("detector '" + d.id +
                                     "': " + c.status().message());
      f = std::move(c).value();
    }
    in->formats_.push_back(std::move(f));
  }
  return std::shared_ptr<const Inspector>(std::move(in));
}

namespace {

// Digits that are the fraction or the whole part of a decimal number
// ("-87.63376979601067", a coordinate) are no card, SSN or student number.
bool PartOfDecimal(policy::Validator validator, std::string_view text,
                   size_t begin, size_t end) {
  using policy::Validator;
  if (validator != Validator::kLuhn && validator != Validator::kSsn &&
      validator != Validator::kDigits && validator != Validator::kSsid)
    return false;
  if (begin >= 2 && text[begin - 1] == '.' &&
      core::IsAsciiDigit(text[begin - 2]))
    return true;
  return end + 1 < text.size() && text[end] == '.' &&
         core::IsAsciiDigit(text[end + 1]);
}

}  // namespace

std::vector<double> Inspector::Opinion(uint32_t di,
                                       const std::string& words) const {
  const Head* head = heads_[di].get();
  const uint64_t key = XXH3_64bits_withSeed(words.data(), words.size(),
                                            reinterpret_cast<uintptr_t>(head));
  {
    std::lock_guard lock(opinion_mu_);
    if (auto it = opinion_cache_.find(key); it != opinion_cache_.end())
      return it->second;
  }
  std::vector<double> p =
      head->Probabilities(encoders_[di]->Embed(words, kEncodedPieces));
  std::lock_guard lock(opinion_mu_);
  if (opinion_cache_.size() >= kOpinionCache) opinion_cache_.clear();
  opinion_cache_.emplace(key, p);
  return p;
}

bool Inspector::Classify(uint32_t di, std::string_view text, uint32_t b,
                         uint32_t e, ClassifyMemo& memo, uint32_t* pb,
                         uint32_t* pe, double* confidence) const {
  const Detector& d = pack_->detectors[di];
  if (b >= text.size() || e > text.size() || b >= e) return false;
  if (memo.capped) return false;  // the models read no more of this text
  const bool whole = d.unit == policy::ClassifierUnit::kText;
  Sentence s;
  if (whole) {
    s.end = static_cast<uint32_t>(text.size());
  } else {
    s = SentenceAround(text, b, e);
    if (d.skip_quoted && (s.quoted_line || s.in_quotes)) return false;
  }
  // The unit's key: its start, or for a whole text a value no sentence
  // start has, so that a text's first sentence and the text stay apart.
  const uint32_t key = whole ? UINT32_MAX : s.begin;
  if (memo.scored.count({di, key})) return false;
  // Enough trigger words in the unit (the detector's triggers are sorted).
  if (d.min_triggers > 1) {
    const auto& starts = memo.triggers[di];
    auto lo = std::lower_bound(starts.begin(), starts.end(), s.begin);
    auto hi = std::lower_bound(lo, starts.end(), s.end);
    if (static_cast<uint32_t>(hi - lo) < d.min_triggers) {
      memo.scored.insert({di, key});  // the same for its other triggers
      return false;
    }
  }
  const Classifier* model = models_[di].get();
  const std::vector<double>* scores = nullptr;
  if (auto it = memo.predictions.find({model, key});
      it != memo.predictions.end())
    scores = &it->second;
  if (!scores && memo.predictions.size() >= kMaxPredictions) {
    memo.capped = true;
    return false;
  }
  if (!whole) {
    if (memo.sentence != s.begin) {
      memo.tokens.clear();
      Tokenize(text.substr(s.begin, s.end - s.begin), s.begin, memo.tokens);
      memo.sentence = s.begin;
    }
    if (grammar_.Guarded(d, memo.tokens, b, e)) return false;
  }
  memo.scored.insert({di, key});
  std::string words;
  auto model_words = [&]() -> const std::string& {
    if (words.empty())
      words =
          whole ? ModelInput(text, kTextWords)
                : ModelWords(memo.tokens, kSentenceWords, s.terminator == '?');
    return words;
  };
  if (!scores)
    scores = &(memo.predictions[{model, key}] = model->ScoreAll(model_words()));
  const int li = label_index_[di];
  double p =
      li >= 0 && li < static_cast<int>(scores->size()) ? (*scores)[li] : 0;
  // The second opinion, where the first holds the label possible: the two
  // probabilities weighed by `head_weight`.
  const Head* head = heads_[di].get();
  if (head && p >= d.gate) {
    auto it = memo.opinions.find({head, key});
    if (it == memo.opinions.end()) {
      if (memo.encodings >= kMaxEncodings) {
        memo.capped = true;
        return false;
      }
      ++memo.encodings;
      it = memo.opinions
               .emplace(std::make_pair(head, key), Opinion(di, model_words()))
               .first;
    }
    p = d.head_weight * it->second[static_cast<size_t>(head_label_[di])] +
        (1 - d.head_weight) * p;
  }
  if (!(p >= d.threshold)) return false;  // NaN too
  // The labels are scored one against all: a sentence the model also holds
  // to be nothing at all is not given the label (a hash bucket shared with
  // trained words can lift one label alone). A second opinion stands in
  // for that check.
  const int ni = none_index_[di];
  if (!head && ni >= 0 && ni < static_cast<int>(scores->size()) &&
      (*scores)[ni] >= p)
    return false;
  *confidence = p;
  if (!whole) {
    // The sentence, without the spaces and quotation marks around it.
    std::string_view unit = text.substr(s.begin, s.end - s.begin);
    size_t lb = unit.find_first_not_of(" \t\r\n>");
    size_t le = unit.find_last_not_of(" \t\r\n");
    if (lb != std::string_view::npos && le != std::string_view::npos &&
        lb <= le) {
      *pb = s.begin + static_cast<uint32_t>(lb);
      *pe = s.begin + static_cast<uint32_t>(le + 1);
    }
  }
  return true;
}

bool Inspector::InspectText(const TextView& t, Scratch& scratch,
                            std::vector<Finding>& out) const {
  std::vector<Span> spans;
  bool complete = matcher_->Find(t.text, t.view, scratch, spans);
  if (spans.empty()) return complete;
  // What survives validation and context, before findings are made.
  struct Hit {
    uint32_t begin, end;
    uint32_t detector;
    double confidence;
    std::string detail;
    int32_t people = -1;  // a roster match: the group of people so named
  };
  std::vector<Hit> hits;
  std::vector<std::string> fits;
  ClassifyMemo memo;
  for (const Span& s : spans)
    if (pack_->detectors[s.detector].kind == policy::DetectorKind::kClassifier)
      memo.triggers[s.detector].push_back(s.begin);
  for (auto& [di, starts] : memo.triggers)
    std::sort(starts.begin(), starts.end());
  for (Span s : spans) {
    const Detector& d = pack_->detectors[s.detector];
    if (d.kind == policy::DetectorKind::kPhrase &&
        !grammar_.Match(d, t.text, s.begin, s.end, &s.begin, &s.end))
      continue;
    double model_confidence = -1;
    if (d.kind == policy::DetectorKind::kClassifier &&
        !Classify(s.detector, t.text, s.begin, s.end, memo, &s.begin, &s.end,
                  &model_confidence))
      continue;
    std::string_view value = t.text.substr(s.begin, s.end - s.begin);
    fits.clear();
    if (const FormatSet* formats = formats_[s.detector].get()) {
      FormatSet::Fitted fit = formats->Fit(value, &fits);
      if (fit.length == 0) continue;
      value = value.substr(fit.offset, fit.length);
      s.begin += static_cast<uint32_t>(fit.offset);
      s.end = s.begin + static_cast<uint32_t>(fit.length);
    }
    if (!RunValidator(d.validator, value)) continue;
    if (PartOfDecimal(d.validator, t.text, s.begin, s.end)) continue;
    size_t from = s.begin > d.window ? s.begin - d.window : 0;
    size_t to = std::min(t.text.size(), static_cast<size_t>(s.end) + d.window);
    if (t.lines_apart) {
      for (size_t i = s.begin; i > from; --i)
        if (t.text[i - 1] == '\n') {
          from = i;
          break;
        }
      for (size_t i = s.end; i < to; ++i)
        if (t.text[i] == '\n') {
          to = i;
          break;
        }
    }
    bool hot = WindowHas(t.text, from, to, s.begin, s.end, hot_[s.detector]);
    if (d.require_hotword && !hot) continue;
    double conf = model_confidence >= 0 ? model_confidence : d.confidence;
    if (hot) conf += d.hotword_boost;
    if (WindowHas(t.text, from, to, s.begin, s.end, neg_[s.detector]))
      conf -= d.negative_penalty;
    std::string detail;
    if (!fits.empty()) detail = "fits the format of " + NameList(fits);
    if (s.people >= 0) {
      const auto& people = matcher_->PeopleOf(s.people);
      if (people.size() > 1) conf -= 0.1;
      const roster::Person& p = roster_->people[people.front()];
      detail = p.role;
      if (p.student && !p.grades.empty()) detail += ", grade " + p.grades;
      if (!p.schools.empty()) detail += ", " + p.schools.front();
      detail += ", id " + p.id;
      if (people.size() > 1)
        detail += " (and " + std::to_string(people.size() - 1) +
                  " more with this name)";
    }
    conf = std::clamp(conf, 0.0, 1.0);
    if (conf < d.min_confidence) continue;
    hits.push_back(
        {s.begin, s.end, s.detector, conf, std::move(detail), s.people});
  }
  // A model's finding adds to the word lists' and patterns' findings,
  // never replaces them: where one of them found the same category, the
  // model's sentence is left out (their spans and counts are exact).
  auto is_model = [&](const Hit& h) {
    return pack_->detectors[h.detector].kind ==
           policy::DetectorKind::kClassifier;
  };
  // Per category a model found, the word lists' hits of it sorted by start,
  // with the furthest end so far: a model hit [b, e) is covered when a hit
  // starting before e ends after b.
  std::map<std::string_view, std::vector<std::pair<uint32_t, uint32_t>>>
      spans_of;
  for (const Hit& h : hits)
    if (is_model(h)) spans_of[pack_->detectors[h.detector].category];
  if (!spans_of.empty()) {
    for (const Hit& h : hits) {
      if (is_model(h)) continue;
      auto it = spans_of.find(pack_->detectors[h.detector].category);
      if (it != spans_of.end()) it->second.emplace_back(h.begin, h.end);
    }
    for (auto& [cat, v] : spans_of) {
      std::sort(v.begin(), v.end());
      for (size_t i = 1; i < v.size(); ++i)
        v[i].second = std::max(v[i].second, v[i - 1].second);
    }
  }
  std::vector<bool> covered(hits.size(), false);
  for (size_t i = 0; i < hits.size(); ++i) {
    if (!is_model(hits[i])) continue;
    const auto& v = spans_of[pack_->detectors[hits[i].detector].category];
    auto first_after = std::lower_bound(
        v.begin(), v.end(), std::make_pair(hits[i].end, uint32_t{0}));
    covered[i] = first_after != v.begin() &&
                 std::prev(first_after)->second > hits[i].begin;
  }
  size_t kept = 0;
  for (size_t i = 0; i < hits.size(); ++i) {
    if (covered[i]) continue;
    if (kept != i) hits[kept] = std::move(hits[i]);
    ++kept;
  }
  hits.resize(kept);
  // Findings of one category on overlapping text are one finding over all
  // of it, with the more confident detector's name and detail: an address
  // block found by its street line and by its unit and postcode lines is
  // one address.
  std::sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    const std::string& ca = pack_->detectors[a.detector].category;
    const std::string& cb = pack_->detectors[b.detector].category;
    if (ca != cb) return ca < cb;
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.confidence > b.confidence;
  });
  std::vector<Hit> merged;
  for (Hit& h : hits) {
    if (!merged.empty()) {
      Hit& k = merged.back();
      if (pack_->detectors[k.detector].category ==
              pack_->detectors[h.detector].category &&
          h.begin < k.end) {
        k.end = std::max(k.end, h.end);
        if (h.confidence > k.confidence) {
          k.detector = h.detector;
          k.confidence = h.confidence;
          k.detail = std::move(h.detail);
          k.people = h.people;
        }
        continue;
      }
    }
    merged.push_back(std::move(h));
  }
  complete = complete && !memo.capped;
  if (merged.empty()) return complete;
  core::LineIndex lines(t.text);
  for (Hit& h : merged) {
    const Detector& d = pack_->detectors[h.detector];
    Finding f;
    f.category = d.category;
    f.detector = d.id;
    f.clauses = pack_->ClausesOf(d);
    f.severity = pack_->SeverityOf(d);
    f.confidence = h.confidence;
    f.location = {t.part, std::string(core::ViewName(t.view)),
                  lines.LineOf(h.begin), h.begin, h.end - h.begin};
    f.excerpt = Excerpt(t.text, h.begin, h.end, pack_->RedactionOf(d),
                        options_.show_values);
    if (options_.show_values)
      f.value = std::string(t.text.substr(h.begin, h.end - h.begin));
    f.detail = std::move(h.detail);
    if (h.people >= 0)
      for (uint32_t pi : matcher_->PeopleOf(h.people))
        f.people.push_back(roster_->people[pi].id);
    out.push_back(std::move(f));
  }
  return complete;
}

void Inspector::FinishItem(std::vector<Finding>& findings) const {
  // Minimum counts per detector.
  std::map<std::string, uint32_t> count;
  for (const auto& f : findings) ++count[f.detector];
  std::map<std::string, uint32_t> min_count;
  for (const auto& d : pack_->detectors)
    if (d.min_count > 1) min_count[d.id] = d.min_count;
  if (!min_count.empty()) {
    findings.erase(std::remove_if(findings.begin(), findings.end(),
                                  [&](const Finding& f) {
                                    auto it = min_count.find(f.detector);
                                    return it != min_count.end() &&
                                           count[f.detector] < it->second;
                                  }),
                   findings.end());
  }
  // Two detectors of one category on overlapping text are one finding: keep
  // the more confident (phone-nanp and phone-nanp-extended, say).
  std::sort(findings.begin(), findings.end(),
            [](const Finding& a, const Finding& b) {
              const auto &x = a.location, &y = b.location;
              if (x.part != y.part) return x.part < y.part;
              if (x.view != y.view) return x.view < y.view;
              if (a.category != b.category) return a.category < b.category;
              if (x.offset != y.offset) return x.offset < y.offset;
              return a.confidence > b.confidence;
            });
  std::vector<Finding> kept;
  for (auto& f : findings) {
    if (!kept.empty()) {
      Finding& k = kept.back();
      const auto &x = k.location, &y = f.location;
      if (x.part == y.part && x.view == y.view && x.where == y.where &&
          k.category == f.category && y.offset < x.offset + x.length &&
          !y.view.empty()) {
        if (f.confidence > k.confidence) k = std::move(f);
        continue;
      }
    }
    kept.push_back(std::move(f));
  }
  findings = std::move(kept);
  // Severity combinations over the item.
  std::set<std::string> present;
  for (const auto& f : findings) present.insert(f.category);
  for (const auto& c : pack_->combinations) {
    auto has = [&](const std::string& x) { return present.count(x) > 0; };
    if (!std::all_of(c.all_of.begin(), c.all_of.end(), has) ||
        !std::any_of(c.any_of.begin(), c.any_of.end(), has))
      continue;
    auto in = [](const std::vector<std::string>& v, const std::string& x) {
      return std::find(v.begin(), v.end(), x) != v.end();
    };
    for (auto& f : findings) {
      if (!in(c.all_of, f.category) && !in(c.any_of, f.category)) continue;
      if (f.severity < c.severity) f.severity = c.severity;
      for (const auto& cl : c.clauses)
        if (!in(f.clauses, cl)) f.clauses.push_back(cl);
    }
  }
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) {
                     if (a.location.part != b.location.part)
                       return a.location.part < b.location.part;
                     if (a.location.view != b.location.view)
                       return a.location.view < b.location.view;
                     return a.location.offset < b.location.offset;
                   });
}

Finding Inspector::MakeFinding(std::string_view category, std::string part,
                               std::string excerpt) const {
  Finding f;
  f.category = std::string(category);
  f.detector = std::string(category);
  if (const policy::Category* c = pack_->FindCategory(category)) {
    f.clauses = c->clauses;
    f.severity = c->severity;
  }
  f.confidence = 1.0;
  f.location.part = std::move(part);
  f.excerpt = std::move(excerpt);
  return f;
}

}  // namespace steward::inspect
