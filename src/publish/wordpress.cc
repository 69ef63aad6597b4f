#include "publish/wordpress.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace steward::publish {

namespace {

constexpr int kPerPage = 100;
constexpr int kMaxPages = 100;

std::string Text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return core::Printable(it->get<std::string>());
}

}  // namespace

core::Result<std::vector<WpUser>> ParseWordPressUsers(std::string_view json,
                                                      bool* full) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    return core::Status::Invalid(
        "the answer is not WordPress's list of users (JSON array)");
  if (full) *full = j.size() >= static_cast<size_t>(kPerPage);
  std::vector<WpUser> out;
  for (const auto& u : j) {
    if (!u.is_object()) continue;
    WpUser w{Text(u, "username"), Text(u, "name"), Text(u, "email"), ""};
    if (w.login.empty()) w.login = Text(u, "slug");
    bool edits = false;
    auto roles = u.find("roles");
    if (roles != u.end() && roles->is_array()) {
      for (const auto& r : *roles) {
        if (!r.is_string()) continue;
        const std::string role = core::Printable(r.get<std::string>());
        w.roles += (w.roles.empty() ? "" : " ") + role;
        edits |= role == "administrator" || role == "editor" ||
                 role == "author" || role == "contributor";
      }
    } else {
      // Without context=edit WordPress hides roles: count every user.
      edits = true;
    }
    if (edits && !w.login.empty()) out.push_back(std::move(w));
  }
  return out;
}

core::Result<std::vector<WpUser>> WordPressEditors(
    const std::string& site, const CrawlOptions& options) {
  std::string base = Resolve(site, site);
  if (base.empty() || core::HasControlChars(site))
    return core::Status::Invalid("'" + core::Shown(site) +
                                 "' is not a web address");
  if (base.back() != '/') base += '/';
  std::vector<WpUser> all;
  for (int page = 1; page <= kMaxPages; ++page) {
    const std::string url =
        fmt::format("{}wp-json/wp/v2/users?context=edit&per_page={}&page={}",
                    base, kPerPage, page);
    Response r = Fetch(url, options, Origin(base));
    if (!r.error.empty())
      return core::Status::Io(fmt::format("{}: {}", core::Shown(url), r.error));
    if (r.status == 401 || r.status == 403)
      return core::Status::Invalid(fmt::format(
          "WordPress refused the account ({}): give a user allowed to list "
          "users and an application password (Users > Profile > Application "
          "Passwords)",
          r.status));
    if (r.status == 404)
      return core::Status::NotFound(
          "no WordPress REST API at " + core::Shown(base) +
          "wp-json/ (is it WordPress, with the REST API on?)");
    if (r.status == 400 && page > 1) break;  // past the last page
    if (r.status != 200)
      return core::Status::Io(
          fmt::format("{}: HTTP status {}", core::Shown(url), r.status));
    bool full = false;
    auto users = ParseWordPressUsers(r.body, &full);
    if (!users.ok()) return users.status();
    all.insert(all.end(), users->begin(), users->end());
    if (!full) break;
  }
  return all;
}

}  // namespace steward::publish
