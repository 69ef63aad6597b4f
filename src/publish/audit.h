// The site audit (F, G.2, G.4, H.1-H.5, I.1): a District web site read page
// by page, each page's text, images and links judged against the roster
// and its parents' permissions, the pack's [publish] lists and the
// engine's detectors. Every finding names its page, the element to fix
// and what to write instead, and cites its clauses (the pack's categories).
// An Auditor is immutable and shared by threads; each passes its Scratch.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "publish/adfilter.h"
#include "publish/naming.h"
#include "publish/page.h"

namespace steward::publish {

struct Finding {
  std::string page;  // the page's URL (or the image's, the document's)
  std::string category;
  std::vector<std::string> clauses;
  policy::Severity severity = policy::Severity::kLow;
  std::string where;    // "img 3", "script 2", "text line 14", "metadata"
  std::string excerpt;  // redacted as the category says
  std::string fix;      // what to do, in plain words
  std::string detail;   // who, which filter, which host
  std::string person;   // the student named (a roster id); "" otherwise
};

// The students a site may name, by roster id (the id the engine's roster
// gives them), with what their parents allowed.
using Students = std::map<std::string, Student>;

struct AuditOptions {
  int64_t now = 0;  // seconds since the epoch: staleness and fundraisers
  // Outside sites in the site registry, as the pack's registered_sites
  // writes them (a host, or a host and a path): links to them are no
  // outside service (G.2).
  std::vector<std::string> registered_sites = {};
};

class Auditor {
 public:
  // `ads` and `payments`: the pack's lists, plus any loaded at run time.
  Auditor(const engine::Engine& engine, Students students,
          std::shared_ptr<const FilterList> ads,
          std::shared_ptr<const FilterList> payments, AuditOptions options);

  using Scratch = engine::Engine::Scratch;

  // One page: its text and images' words through the engine (students
  // named, and every other detector), its links and loads (advertising,
  // payments, categories of hosts, outside services), whether it shows
  // student work without the notice, and its age (`modified`: seconds
  // since the epoch, 0 when unknown).
  std::vector<Finding> AuditPage(const std::string& url, const Page& page,
                                 int64_t modified, Scratch& scratch) const;

  // An image's own metadata: GPS positions, names, a copyright owner other
  // than the District. `caption_names`: the page already named a student
  // beside it.
  std::vector<Finding> AuditImage(const std::string& url,
                                  std::string_view bytes,
                                  Scratch& scratch) const;

  // A linked document (PDF, Office...) through the engine, and any student
  // it names as a page's text would.
  std::vector<Finding> AuditDocument(const std::string& url,
                                     std::string_view bytes,
                                     Scratch& scratch) const;

  // A finding the audit makes itself, with the pack's clauses and severity.
  Finding Make(std::string_view category, const std::string& page,
               std::string where, std::string excerpt, std::string fix,
               std::string detail = {}) const;

  const engine::Engine& engine() const { return engine_; }

 private:
  // Students named in `text` (found by the engine) judged at `place`; the
  // engine's other findings of medium severity or more as they are.
  void Names(const std::string& url, std::string_view text, Place place,
             const std::string& where, bool student_work, Scratch& scratch,
             std::vector<Finding>& out) const;
  void Links(const std::string& url, const Page& page,
             std::vector<Finding>& out) const;

  const engine::Engine& engine_;
  const policy::PublishPolicy& policy_;
  Students students_;
  std::shared_ptr<const FilterList> ads_, payments_;
  AuditOptions options_;
};

// A site exported to a folder, published at `base_url` (its index.html is
// base_url itself): every HTML page, every image and document it links to
// in the folder, and links within the site that lead to no file.
struct SiteReport {
  std::vector<Finding> findings;
  size_t pages = 0, images = 0, documents = 0, links = 0;
  // Links and embeds to other sites (http and https), each with up to five
  // pages that have it (and where) and how many pages do: what
  // CheckOutsideLinks fetches when asked. At most kMaxOutside addresses.
  struct Outside {
    std::vector<std::pair<std::string, std::string>> from;  // page, where
    size_t pages = 0;
  };
  std::map<std::string, Outside> outside;
  // Notes `link` of `page` when it leads to another site; false otherwise.
  bool NoteOutside(const std::string& target, const std::string& page,
                   const Link& link, const std::string& site_origin);
};
inline constexpr size_t kMaxOutside = 20000;
using Progress = std::function<void(size_t done, size_t total)>;
core::Result<SiteReport> AuditFolder(const Auditor& auditor,
                                     const std::string& dir,
                                     const std::string& base_url,
                                     const Progress& progress = {});

}  // namespace steward::publish
