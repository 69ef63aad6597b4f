#include "publish/gate.h"

#include <cctype>
#include <iterator>

#include "core/text.h"
#include "publish/crawl.h"

namespace steward::publish {

namespace {

// Whether the first bytes look like an HTML page.
bool LooksLikeHtml(std::string_view bytes) {
  std::string head = core::AsciiLower(bytes.substr(0, 4096));
  for (const char* tag : {"<!doctype html",
                          "<html",
                          "<head>",
                          "<body",
                          "<div ",
                          "<div>",
                          "<p>",
                          "<p ",
                          "<h1>",
                          "<h2>",
                          "<img ",
                          "<a href",
                          "<section",
                          "<article",
                          "<main>",
                          "<figure",
                          "<table",
                          "<ul>",
                          "<li>",
                          "<span",
                          "<br>"})
    if (head.find(tag) != std::string::npos) return true;
  return false;
}

bool LooksLikeImage(std::string_view b) {
  return b.starts_with("\xff\xd8\xff") || b.starts_with("\x89PNG") ||
         b.starts_with("GIF8") || b.starts_with("II*") ||
         b.starts_with(std::string_view("MM\0*", 4)) ||
         (b.starts_with("RIFF") && b.substr(8, 4) == "WEBP");
}

// An http(s) address with a host and nothing a page or a terminal would
// read as more; "" when `url` is not one.
std::string WebAddress(const std::string& url) {
  if (core::HasControlChars(url)) return "";
  std::string r = Resolve(url, url);
  const bool web = r.starts_with("https://") || r.starts_with("http://");
  if (!web || HostOf(r).empty()) return "";
  const size_t start = r.find("://") + 3;
  const std::string authority = r.substr(start, r.find('/', start) - start);
  if (authority.find('@') != std::string::npos) return "";
  return r;
}

inspect::Finding ForDecision(const Finding& f) {
  inspect::Finding g;
  g.category = f.category;
  g.detector = "publish";
  g.clauses = f.clauses;
  g.severity = f.severity;
  g.confidence = 1;
  g.location.part = f.page;
  g.location.where = f.where;
  g.excerpt = f.excerpt;
  g.detail = f.detail;
  if (!f.person.empty()) g.people = {f.person};
  return g;
}

}  // namespace

std::string_view ItemKindName(ItemKind k) {
  switch (k) {
    case ItemKind::kPage:
      return "page";
    case ItemKind::kImage:
      return "image";
    case ItemKind::kDocument:
      return "document";
  }
  return "document";
}

ItemKind KindOf(const Item& item) {
  // Any sign of a page makes it one: a browser would show it as a page
  // whatever its first bytes (a GIF header before the HTML), so it is
  // judged as the strictest reading.
  const std::string type =
      core::AsciiLower(std::string_view(item.content_type)
                           .substr(0, item.content_type.find(';')));
  const std::string_view named =
      item.name.empty()
          ? std::string_view(item.url).substr(0, item.url.find_first_of("?#"))
          : std::string_view(item.name);
  const FileKind by_name = FileKindOf(named);
  if (type == "text/html" || type == "application/xhtml+xml" ||
      by_name == FileKind::kPage || LooksLikeHtml(item.bytes))
    return ItemKind::kPage;
  if (type.starts_with("image/") || by_name == FileKind::kImage ||
      LooksLikeImage(item.bytes))
    return ItemKind::kImage;
  return ItemKind::kDocument;
}

core::Result<std::string> PublishedAt(const policy::PublishPolicy& publish,
                                      const Item& item) {
  if (!item.url.empty()) {
    std::string url = WebAddress(item.url);
    if (url.empty())
      return core::Status::Invalid(
          "'" + core::Shown(item.url) +
          "' is not a web address (https://host/path)");
    return url;
  }
  // A file name from anywhere, as a plain last segment of a path.
  std::string name;
  for (char ch : item.name.substr(0, 200))
    name += std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' ||
                    ch == '-' || ch == '_'
                ? ch
                : '-';
  if (name.empty() || name.front() == '.')
    name = KindOf(item) == ItemKind::kPage ? "page.html" : "item";
  const std::string host = publish.district_hosts.empty()
                               ? std::string("localhost")
                               : publish.district_hosts.front();
  return "https://" + host + "/" + name;
}

core::Result<Check> CheckItem(const Auditor& auditor, const Item& item,
                              const std::string& who, const Loader& load) {
  const policy::PolicyPack& pack = auditor.engine().pack();
  if (!pack.publish.present)
    return core::Status::Invalid("the policy pack has no [publish] section");
  if (item.bytes.size() > pack.publish.max_page_bytes)
    return core::Status::Limit(
        "the item is larger than the pack's [publish] max_page_bytes (" +
        std::to_string(pack.publish.max_page_bytes) + " bytes)");
  Check out;
  out.kind = KindOf(item);
  auto url = PublishedAt(pack.publish, item);
  if (!url.ok()) return url.status();
  out.url = std::move(url).value();
  auto scratch = auditor.engine().NewScratch();
  auto add = [&](std::vector<Finding> f) {
    out.findings.insert(out.findings.end(), std::make_move_iterator(f.begin()),
                        std::make_move_iterator(f.end()));
  };
  switch (out.kind) {
    case ItemKind::kPage: {
      Page page = ReadPage(item.bytes);
      add(auditor.AuditPage(out.url, page, ModifiedOf(page, 0), *scratch));
      // A page behind an image's first bytes is both: its metadata too.
      if (LooksLikeImage(item.bytes))
        add(auditor.AuditImage(out.url, item.bytes, *scratch));
      // Same origin only (scheme, host and port), as the crawler keeps.
      const std::string origin = Origin(out.url);
      for (const Image& img : page.images) {
        if (!load || out.images >= kMaxImages) break;
        const std::string target = Resolve(out.url, img.src);
        if (target.empty() || Origin(target) != origin) continue;
        auto bytes = load(target);
        if (!bytes) continue;
        ++out.images;
        add(auditor.AuditImage(target, *bytes, *scratch));
      }
      break;
    }
    case ItemKind::kImage:
      add(auditor.AuditImage(out.url, item.bytes, *scratch));
      break;
    case ItemKind::kDocument:
      add(auditor.AuditDocument(out.url, item.bytes, *scratch));
      break;
  }
  std::vector<inspect::Finding> findings;
  for (const auto& f : out.findings) findings.push_back(ForDecision(f));
  decide::Envelope env;
  env.channel = policy::Channel::kPublish;
  env.sender = who;
  env.size = item.bytes.size();
  auto verdict =
      decide::Decide(pack, env, extract::MessageFacts{}, findings, nullptr);
  if (!verdict.ok()) return verdict.status();
  out.verdict = std::move(verdict).value();
  return out;
}

nlohmann::ordered_json ToJson(const Check& check) {
  nlohmann::ordered_json j = decide::ToJson(check.verdict);
  // A page goes to the world, whatever host serves it.
  j["destination"] = "public";
  j.erase("external_recipients");
  auto& fs = j["findings"];
  for (size_t i = 0; i < fs.size() && i < check.findings.size(); ++i) {
    const Finding& f = check.findings[i];
    fs[i]["page"] = f.page;
    fs[i]["where"] = f.where;
    fs[i]["fix"] = f.fix;
  }
  j["item"] = {{"kind", ItemKindName(check.kind)},
               {"url", check.url},
               {"images_read", check.images}};
  return j;
}

int ExitCode(const Check& check) {
  return check.verdict.action <= decide::Action::kWarn ? 0 : 1;
}

}  // namespace steward::publish
