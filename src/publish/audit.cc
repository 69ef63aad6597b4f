#include "publish/audit.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "core/text.h"
#include "decide/domains.h"
#include "extract/document.h"
#include "publish/events.h"
#include "publish/photo.h"

namespace steward::publish {

namespace fs = std::filesystem;

namespace {

std::string Shorten(std::string_view s, size_t max = 160) {
  if (s.size() <= max) return std::string(s);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "…";
}

bool UnderAny(std::string_view host, const std::vector<std::string>& hosts) {
  return decide::IsInternal(host, hosts);
}

// The path of an absolute URL, from its first '/' after the host; "/"
// when it has none.
std::string PathOf(std::string_view url) {
  size_t s = url.find("://");
  if (s == std::string_view::npos) return "/";
  size_t p = url.find_first_of("/?#", s + 3);
  if (p == std::string_view::npos || url[p] != '/') return "/";
  size_t e = url.find_first_of("?#", p);
  return std::string(url.substr(p, e == std::string_view::npos ? e : e - p));
}

// Whether `url` is under a registered site: a host, or a host and a path.
bool Registered(std::string_view url, const std::vector<std::string>& sites) {
  const std::string host = HostOf(url);
  const std::string path = core::AsciiLower(PathOf(url));
  for (const auto& site : sites) {
    size_t slash = site.find('/');
    std::string_view site_host = std::string_view(site).substr(0, slash);
    if (!decide::IsInternal(host, {std::string(site_host)})) continue;
    if (slash == std::string::npos) return true;
    std::string_view prefix = std::string_view(site).substr(slash);
    if (path.starts_with(prefix) &&
        (path.size() == prefix.size() || prefix.back() == '/' ||
         path[prefix.size()] == '/'))
      return true;
  }
  return false;
}

// Whether the text just before `offset` holds a copyright notice.
bool NoticeBefore(std::string_view text, size_t offset) {
  size_t from = offset > 80 ? offset - 80 : 0;
  std::string before = core::AsciiLower(text.substr(from, offset - from));
  return before.find("\xC2\xA9") != std::string::npos ||
         before.find("(c)") != std::string::npos ||
         before.find("copyright") != std::string::npos;
}

std::string Day(int64_t seconds) { return core::IsoUtc(seconds).substr(0, 10); }

}  // namespace

Auditor::Auditor(const engine::Engine& engine, Students students,
                 std::shared_ptr<const FilterList> ads,
                 std::shared_ptr<const FilterList> payments,
                 AuditOptions options)
    : engine_(engine),
      policy_(engine.pack().publish),
      students_(std::move(students)),
      ads_(std::move(ads)),
      payments_(std::move(payments)),
      options_(options) {}

Finding Auditor::Make(std::string_view category, const std::string& page,
                      std::string where, std::string excerpt, std::string fix,
                      std::string detail) const {
  inspect::Finding base = engine_.inspector().MakeFinding(category, "", "");
  Finding f;
  f.page = page;
  f.category = std::string(category);
  f.clauses = std::move(base.clauses);
  f.severity = base.severity;
  // What a site or a filter list wrote reaches terminals, the store and
  // the portal: no control character goes with it.
  f.where = core::Printable(where);
  f.excerpt = core::Printable(excerpt);
  f.fix = core::Printable(fix);
  if (f.fix.empty())
    if (const policy::Category* c = engine_.pack().FindCategory(category))
      f.fix = c->advice;
  f.detail = core::Printable(detail);
  return f;
}

void Auditor::Names(const std::string& url, std::string_view text, Place place,
                    const std::string& where, bool student_work,
                    Scratch& scratch, std::vector<Finding>& out) const {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  std::vector<inspect::Finding> found;
  engine_.inspector().InspectText({text, "", core::View::kBody}, scratch,
                                  found);
  const bool lines = place == Place::kText;
  std::set<std::pair<std::string, std::string>> said;  // (category, student)
  for (const inspect::Finding& f : found) {
    const std::string at =
        lines ? fmt::format("{} line {}", where, f.location.line) : where;
    const Student* s = nullptr;
    for (const auto& id : f.people) {
      auto it = students_.find(id);
      if (it != students_.end()) {
        s = &it->second;
        break;
      }
    }
    if (!f.people.empty()) {
      if (!s) continue;  // an employee, or someone the site may name
      std::string_view matched =
          text.substr(f.location.offset, f.location.length);
      Form form = !matched.empty() && matched.back() == '.' ? Form::kLimited
                                                            : Form::kFull;
      std::string detail = f.detail;
      if (f.people.size() > 1)
        detail +=
            "; the name is " + std::to_string(f.people.size()) + " students'";
      if (auto problem = JudgeNaming(*s, form, place)) {
        if (said.insert({problem->category, f.people.front()}).second) {
          out.push_back(Make(problem->category, url, at, f.excerpt,
                             problem->fix, detail));
          out.back().person = f.people.front();
        }
      }
      if (student_work && place == Place::kText &&
          !NoticeBefore(text, f.location.offset) &&
          said.insert({"student-work-without-notice", f.people.front()})
              .second) {
        const bool full =
            s->level == Level::kHighSchool && s->permission == "full";
        std::string name = full ? s->given + " " + s->family : LimitedName(*s);
        std::string year = core::IsoUtc(options_.now).substr(0, 4);
        out.push_back(Make("student-work-without-notice", url, at, f.excerpt,
                           "Add the student's copyright notice to the work: "
                           "\"\xC2\xA9 " +
                               year + " " + name + "\".",
                           detail));
      }
      continue;
    }
    if (f.severity < policy::Severity::kMedium) continue;
    Finding g;
    g.page = url;
    g.category = f.category;
    g.clauses = f.clauses;
    g.severity = f.severity;
    g.where = core::Printable(at);
    g.excerpt = core::Printable(f.excerpt);
    if (const policy::Category* c = engine_.pack().FindCategory(f.category))
      g.fix = c->advice;
    g.detail = core::Printable(f.detail);
    out.push_back(std::move(g));
  }
}

void Auditor::Links(const std::string& url, const Page& page,
                    std::vector<Finding>& out) const {
  const std::string page_host = HostOf(url);
  std::set<std::pair<std::string, std::string>> said;  // (category, url)
  auto once = [&](const char* category, const std::string& target) {
    return said.insert({category, target}).second;
  };
  const std::string today = Day(options_.now);
  for (const Link& link : page.links) {
    const std::string target = Resolve(url, link.url);
    if (target.empty()) continue;
    const std::string host = HostOf(target);
    const Request request{target, page_host, link.type};
    const std::string shown = Shorten(target);
    if (ads_) {
      if (auto m = ads_->Matches(request); m && once("ad-network", target)) {
        out.push_back(
            Make("ad-network", url, link.where, shown,
                 fmt::format("Remove the <{}> that {} {}: it is advertising "
                             "(matched by the filter {}).",
                             link.tag, link.tag == "a" ? "links to" : "loads",
                             host, m->filter),
                 m->filter));
        continue;
      }
    }
    if (payments_) {
      if (auto m = payments_->Matches(request)) {
        const auto& funds = policy_.fundraisers;
        bool approved =
            std::any_of(funds.begin(), funds.end(),
                        [&](const policy::PublishPolicy::Fundraiser& f) {
                          return (f.until.empty() || today <= f.until) &&
                                 std::any_of(f.urls.begin(), f.urls.end(),
                                             [&](const std::string& u) {
                                               return target.starts_with(u);
                                             });
                        });
        if (!approved && once("payment-widget", target))
          out.push_back(
              Make("payment-widget", url, link.where, shown,
                   fmt::format("Remove the <{}> to {}, or have the fundraiser "
                               "approved under Board Policy 2503 and listed in "
                               "the pack.",
                               link.tag, host),
                   m->filter));
        if (!approved) continue;
      }
    }
    bool categorised = false;
    for (const auto& c : policy_.link_categories) {
      if (!UnderAny(host, c.hosts)) continue;
      categorised = true;
      if (once("inappropriate-link", target))
        out.push_back(Make(
            "inappropriate-link", url, link.where, shown,
            fmt::format("Remove the <{}> to {} ({}).", link.tag, host, c.name),
            c.name));
      break;
    }
    if (categorised) continue;
    if (link.tag == "a" && UnderAny(host, policy_.site_builder_hosts) &&
        !UnderAny(host, policy_.district_hosts) &&
        !Registered(target, policy_.registered_sites) &&
        !Registered(target, options_.registered_sites) &&
        once("outside-service", target))
      out.push_back(Make(
          "outside-service", url, link.where, shown,
          fmt::format("This links to a site on {}, which is not in the "
                      "District's site registry: move it to the District's "
                      "web site, or ask the Superintendent's designee to "
                      "register it.",
                      host),
          host));
  }
}

std::vector<Finding> Auditor::AuditPage(const std::string& url,
                                        const Page& page, int64_t modified,
                                        Scratch& scratch) const {
  std::vector<Finding> out;
  // Posted student work, by the words that mark it in the path, the title
  // or a heading.
  bool student_work = false;
  std::string marks = core::AsciiLower(PathOf(url) + "\n" + page.title);
  for (const auto& h : page.headings) marks += "\n" + core::AsciiLower(h);
  for (const auto& m : policy_.student_work_markers)
    if (marks.find(m) != std::string::npos) student_work = true;
  if (page.halted)
    out.push_back(Make("page-unreachable", url, "page",
                       "nested too deeply, or a tag with too many "
                       "attributes, to read as HTML",
                       "The page nests its elements deeper than a browser "
                       "or the audit reads: its raw text was checked, but "
                       "its links and images only in part. Fix the page's "
                       "markup."));
  Names(url, page.text, Place::kText, "text", student_work, scratch, out);
  std::vector<Finding> photos;
  for (const Image& img : page.images) {
    for (const auto* text : {&img.caption, &img.alt, &img.title})
      if (!text->empty())
        Names(url, *text, Place::kPhoto,
              img.where + (text == &img.caption ? " caption"
                           : text == &img.alt   ? " alt text"
                                                : " title"),
              false, scratch, photos);
  }
  // A caption is also the page's text: a problem with a student named in
  // it is reported once, at the photo.
  std::set<std::pair<std::string, std::string>> at_photos;
  for (const Finding& f : photos)
    if (!f.person.empty()) at_photos.insert({f.category, f.person});
  out.erase(
      std::remove_if(
          out.begin(), out.end(),
          [&](const Finding& f) {
            return !f.person.empty() && at_photos.count({f.category, f.person});
          }),
      out.end());
  out.insert(out.end(), photos.begin(), photos.end());
  Links(url, page, out);
  if (modified > 0 && policy_.stale_after_days > 0 &&
      options_.now - modified >
          static_cast<int64_t>(policy_.stale_after_days) * 86400)
    out.push_back(Make("stale-page", url, "page",
                       "last changed " + Day(modified),
                       fmt::format("Nobody has changed this page since {} "
                                   "(over {} days): update it, or remove it "
                                   "if it is no longer current.",
                                   Day(modified), policy_.stale_after_days)));
  // Events long past still announced: one finding a page, the first.
  auto past = FindPastEvents(page.text, policy_.event_words, options_.now,
                             policy_.past_event_days);
  if (!past.empty())
    out.push_back(Make(
        "past-event", url, "text", past.front().sentence,
        fmt::format("This page still announces an event of {} (over {} days "
                    "ago){}: remove the announcement or move it to an "
                    "archive page.",
                    Day(past.front().when), policy_.past_event_days,
                    past.size() > 1
                        ? fmt::format(", and {} more like it", past.size() - 1)
                        : "")));
  return out;
}

std::vector<Finding> Auditor::AuditImage(const std::string& url,
                                         std::string_view bytes,
                                         Scratch& scratch) const {
  std::vector<Finding> out;
  auto facts = ReadPhoto(bytes);
  if (!facts.ok()) return out;
  if (facts->has_gps)
    out.push_back(Make("photo-location", url, "metadata",
                       "a GPS position (not shown)", ""));
  for (const auto& t : facts->texts)
    Names(url, t, Place::kPhoto, "metadata", false, scratch, out);
  if (!facts->copyright.empty()) {
    std::string owner = core::AsciiLower(facts->copyright);
    std::vector<std::string> ours = policy_.district_hosts;
    ours.push_back(core::AsciiLower(engine_.pack().district));
    for (const auto& d : engine_.pack().internal_domains) ours.push_back(d);
    for (const char* free :
         {"public domain", "cc0", "creative commons", "cc by", "cc-by"})
      ours.push_back(free);
    bool district_or_free =
        std::any_of(ours.begin(), ours.end(), [&](const std::string& o) {
          return !o.empty() && owner.find(o) != std::string::npos;
        });
    if (!district_or_free)
      out.push_back(Make("third-party-copyright", url, "metadata",
                         Shorten(facts->copyright, 80), "",
                         "copyright " + Shorten(facts->copyright, 80)));
  }
  return out;
}

std::vector<Finding> Auditor::AuditDocument(const std::string& url,
                                            std::string_view bytes,
                                            Scratch& scratch) const {
  std::vector<Finding> out;
  std::string name = PathOf(url);
  name = name.substr(name.rfind('/') + 1);
  extract::Extracted x = extract::ExtractFile(bytes, name, engine_.limits());
  for (const auto& t : x.texts)
    Names(url, t.text, Place::kText, t.path.empty() ? "text" : t.path, false,
          scratch, out);
  // What could not be read was not checked: said, never passed as clean.
  for (const auto& k : x.skipped)
    if (engine_.pack().FindCategory("not-inspected"))
      out.push_back(Make("not-inspected", url,
                         k.path.empty() ? "document" : k.path, k.reason,
                         "Steward could not read this part, so it cannot "
                         "say it is safe to post: save it as PDF, DOCX or "
                         "text and check it again, or have the site's "
                         "reviewer read it."));
  for (const auto& f : x.flags)
    if (engine_.pack().FindCategory(f.category))
      out.push_back(Make(f.category, url, f.path.empty() ? "document" : f.path,
                         f.detail, ""));
  return out;
}

namespace {

// Percent-decoding of a URL path, for finding its file.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(s[i + 1]) &&
        std::isxdigit(s[i + 2])) {
      out += static_cast<char>(
          std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

bool SiteReport::NoteOutside(const std::string& target, const std::string& page,
                             const Link& link, const std::string& site_origin) {
  if (!(target.starts_with("http://") || target.starts_with("https://")) ||
      Origin(target) == site_origin)
    return false;
  // What a reader follows or sees: not scripts and styles (the advertising
  // filters judge those) nor forms.
  if (link.tag != "a" && link.tag != "area" && link.tag != "iframe" &&
      link.tag != "img" && link.tag != "embed" && link.tag != "source")
    return true;
  auto it = outside.find(target);
  if (it == outside.end()) {
    if (outside.size() >= kMaxOutside) return true;
    it = outside.emplace(target, Outside{}).first;
  }
  if (it->second.from.empty() || it->second.from.back().first != page) {
    ++it->second.pages;
    if (it->second.from.size() < 5)
      it->second.from.push_back({page, link.where});
  }
  return true;
}

core::Result<SiteReport> AuditFolder(const Auditor& auditor,
                                     const std::string& dir,
                                     const std::string& base_url,
                                     const Progress& progress) {
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root))
    return core::Status::NotFound(dir + ": not a folder");
  // The address the folder is published at: http(s), a host, no user or
  // password, nothing a terminal or a page would read as more.
  std::string base = Resolve(base_url, base_url);
  const bool web = base.starts_with("https://") || base.starts_with("http://");
  const std::string authority =
      web ? base.substr(
                base.find("://") + 3,
                base.find('/', base.find("://") + 3) - (base.find("://") + 3))
          : "";
  if (!web || HostOf(base).empty() ||
      authority.find('@') != std::string::npos ||
      core::HasControlChars(base_url) || base.find('?') != std::string::npos)
    return core::Status::Invalid("'" + core::Shown(base_url) +
                                 "' is not a web address (https://host/)");
  if (base.back() != '/') base += '/';
  const std::string site_host = HostOf(base);
  const std::string base_path = PathOf(base);
  const uint64_t max_bytes = auditor.engine().pack().publish.max_page_bytes;
  // The site's files, in name order, by their URL path.
  std::vector<std::string> pages;
  std::unordered_map<std::string, std::string> files;  // url path -> file
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::string rel = fs::relative(it->path(), root, ec).generic_string();
    files[base_path + rel] = it->path().string();
    if (FileKindOf(rel) == FileKind::kPage) pages.push_back(rel);
  }
  std::sort(pages.begin(), pages.end());
  if (pages.empty())
    return core::Status::NotFound(dir + ": no HTML page (.html, .htm) in it");
  SiteReport report;
  auto scratch = auditor.engine().NewScratch();
  std::set<std::string> seen_assets;
  std::set<std::pair<std::string, std::string>> broken;  // page, target
  auto file_of = [&](const std::string& url) -> const std::string* {
    if (HostOf(url) != site_host) return nullptr;
    std::string path = Unescape(PathOf(url));
    auto it = files.find(path);
    if (it == files.end() && (path.empty() || path.back() == '/'))
      it = files.find(path + "index.html");
    if (it == files.end()) it = files.find(path + "/index.html");
    return it == files.end() ? nullptr : &it->second;
  };
  size_t done = 0;
  for (const auto& rel : pages) {
    const std::string file = (root / rel).string();
    std::string url = base + rel;
    if (rel == "index.html") url = base;
    auto bytes = core::ReadFile(file, max_bytes);
    if (!bytes.ok()) {
      report.findings.push_back(auditor.Make("page-unreachable", url, "page",
                                             bytes.status().message(), ""));
      continue;
    }
    ++report.pages;
    Page page = ReadPage(*bytes);
    struct stat st {};
    const int64_t modified =
        ModifiedOf(page, ::stat(file.c_str(), &st) == 0 ? st.st_mtime : 0);
    auto found = auditor.AuditPage(url, page, modified, *scratch);
    report.findings.insert(report.findings.end(), found.begin(), found.end());
    for (const Link& link : page.links) {
      const std::string target = Resolve(url, link.url);
      if (target.empty()) continue;
      if (HostOf(target) != site_host) {
        report.NoteOutside(target, url, link, Origin(base));
        continue;
      }
      ++report.links;
      const std::string* asset = file_of(target);
      if (!asset) {
        if (broken.insert({url, target}).second)
          report.findings.push_back(
              auditor.Make("broken-link", url, link.where, Shorten(target),
                           "Fix or remove the link: nothing is published at " +
                               Shorten(PathOf(target), 120) + "."));
        continue;
      }
      if (!seen_assets.insert(*asset).second) continue;
      const FileKind kind = FileKindOf(*asset);
      if (kind != FileKind::kImage && kind != FileKind::kDocument) continue;
      auto data = core::ReadFile(*asset, max_bytes);
      if (!data.ok()) continue;
      ++(kind == FileKind::kImage ? report.images : report.documents);
      auto f = kind == FileKind::kImage
                   ? auditor.AuditImage(target, *data, *scratch)
                   : auditor.AuditDocument(target, *data, *scratch);
      report.findings.insert(report.findings.end(), f.begin(), f.end());
    }
    if (progress) progress(++done, pages.size());
  }
  return report;
}

}  // namespace steward::publish
