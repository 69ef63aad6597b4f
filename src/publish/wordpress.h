// A WordPress site's editors (H.4), from its REST API: GET
// /wp-json/wp/v2/users?context=edit, page by page, with an application
// password (HTTP Basic; the account must be allowed to list users). Only
// accounts that can change the site are kept: administrators, editors,
// authors and contributors, not subscribers. Errors as values, in words a
// site's manager can act on.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "publish/crawl.h"

namespace steward::publish {

struct WpUser {
  std::string login, name, email;
  std::string roles;  // "administrator editor", as WordPress names them
};

// `site`: the site's address (https://host/path/); `options.basic_auth`
// "user:application password". At most 100 pages of 100 users.
core::Result<std::vector<WpUser>> WordPressEditors(const std::string& site,
                                                   const CrawlOptions& options);

// The same from one page of the API's JSON (for tests and fuzzing): the
// users that can edit, and whether the page was full (more may follow).
core::Result<std::vector<WpUser>> ParseWordPressUsers(std::string_view json,
                                                      bool* full = nullptr);

}  // namespace steward::publish
