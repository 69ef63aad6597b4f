// The JSON API: the same data as the pages, for scripts and other systems.
#include <fmt/format.h>

#include <limits>

#include "audit/chain.h"
#include "channels/portal/internal.h"
#include "core/log.h"
#include "core/text.h"
#include "people/people.h"

namespace steward::portal {

namespace ack = steward::acknowledge;
using nlohmann::json;

void ApiSession(Ctx& c) {
  const auto& a = c.session->account;
  c.Json({{"username", a.username},
          {"display_name", a.display_name},
          {"roles", identity::RoleNames(a.roles)},
          {"csrf", c.session->csrf},
          {"expires_at", c.session->expires_at}});
}

void ApiPeople(Ctx& c) {
  people::Query q;
  q.kind = c.Param("kind");
  q.text = c.Param("q").substr(0, 100);
  // Numbers are parsed checked; a bad one is as if absent.
  auto number = [&](const char* name, int64_t max) -> int64_t {
    auto v = core::ParseInt(c.Param(name), 0, max, name);
    return v.ok() ? *v : 0;
  };
  q.site_id = number("site", std::numeric_limits<int64_t>::max());
  if (c.Param("status") == "any") q.status.clear();
  q.limit = static_cast<int>(std::min<int64_t>(
      number("limit", std::numeric_limits<int64_t>::max()), 1000));
  if (q.limit == 0) q.limit = 100;
  q.by_id = true;
  q.after_id = number("after", std::numeric_limits<int64_t>::max());
  auto found = people::Find(*c.app.db, q);
  if (!found.ok()) {
    c.Fail(503, "The directory cannot be read now.");
    return;
  }
  json items = json::array();
  for (const auto& p : *found) {
    json item = {{"id", p.id},
                 {"source", p.source},
                 {"source_id", p.source_id},
                 {"kind", p.kind},
                 {"given_name", p.given_name},
                 {"family_name", p.family_name},
                 {"email", p.email},
                 {"site", p.site_name},
                 {"status", p.status}};
    if (p.kind == "student") {
      item["grade"] = p.grade;
      item["publish_permission"] = p.publish_permission;
      item["photo_captions"] = p.photo_captions;
    } else {
      item["job_role"] = p.job_role;
    }
    items.push_back(std::move(item));
  }
  nlohmann::json body = {{"items", items}};
  // Counting 150,000 people costs more than listing 100 of them: only on
  // request.
  if (c.Param("total") == "1") {
    auto total = people::Count(*c.app.db, q);
    if (!total.ok()) {
      c.Fail(503, "The directory cannot be read now.");
      return;
    }
    body["total"] = *total;
  }
  // The next page, by keyset: people in id order after the last one here.
  if (static_cast<int>(found->size()) == q.limit) {
    body["next"] = fmt::format(
        "/api/people?kind={}&q={}&site={}&limit={}&after={}", q.kind,
        http::UrlEncode(q.text), q.site_id, q.limit, found->back().id);
  }
  c.Json(body);
}

void ApiCampaigns(Ctx& c) {
  auto campaigns = ack::Campaigns(*c.app.db);
  if (!campaigns.ok()) {
    c.Fail(503, campaigns.status().message());
    return;
  }
  json items = json::array();
  for (const auto& x : *campaigns) {
    items.push_back({{"id", x.id},
                     {"title", x.title},
                     {"version_id", x.version_id},
                     {"audience", x.AudienceText()},
                     {"opens_on", x.opens_on},
                     {"due_on", x.due_on}});
  }
  c.Json({{"items", items}});
}

void ApiCompletion(Ctx& c) {
  auto x = ack::GetCampaign(*c.app.db, c.Id());
  if (!x.ok()) {
    c.Fail(404, "No such campaign.");
    return;
  }
  auto snapshot = c.app.dashboards.Get(*c.app.db, *x);
  if (!snapshot.ok()) {
    c.Fail(503, snapshot.status().message());
    return;
  }
  const ack::Completion* completion = &(*snapshot)->completion;
  auto tallies = [](const std::vector<ack::Tally>& ts) {
    json out = json::array();
    for (const auto& t : ts) {
      out.push_back({{"label", t.label}, {"done", t.done}, {"total", t.total}});
    }
    return out;
  };
  c.Json({{"campaign", x->id},
          {"as_of", (*snapshot)->as_of},
          {"done", completion->overall.done},
          {"total", completion->overall.total},
          {"by_site", tallies(completion->by_site)},
          {"by_role", tallies(completion->by_role)}});
}

void ApiAudit(Ctx& c) {
  audit::Filter f = AuditFilterOf(c, 100);
  auto entries = audit::List(*c.app.db, f);
  if (!entries.ok()) {
    c.Fail(503, entries.status().message());
    return;
  }
  json items = json::array();
  for (const auto& e : *entries) {
    items.push_back({{"seq", e.seq},
                     {"at", e.at},
                     {"actor", e.actor},
                     {"action", e.action},
                     {"target", e.target},
                     {"detail", json::parse(e.detail, nullptr, false)},
                     {"ip", e.ip},
                     {"hash", e.hash}});
  }
  c.Json({{"items", items}});
}

void ApiAcknowledge(Ctx& c) {
  // The evidence as the page's form stores it: no control bytes, valid
  // UTF-8, bounded.
  auto st = ack::Acknowledge(
      *c.app.db, c.Id(), c.session->account.person_id,
      {c.Ip(), identity::CleanField(c.req.Header("User-Agent"),
                                    identity::kMaxUserAgentBytes)},
      c.session->account.username);
  if (!st.ok()) {
    c.Fail(st.code() == core::Code::kNotFound ? 404 : 409, st.message());
    return;
  }
  c.app.dashboards.Invalidate(c.Id());
  c.Json({{"acknowledged", true}});
}

}  // namespace steward::portal

namespace steward::portal {

// The publishing gate for programs: the item as the body (its
// Content-Type, ?name= and ?url=), or a multipart field "file" (with a
// field "url"); the verdict JSON of `steward publish check`.
void ApiPublishCheck(Ctx& c) {
  if (!c.app.options.publish_gate) {
    c.Fail(503, "The publishing gate is not set up on this server.");
    return;
  }
  const std::string coding = core::AsciiLower(c.req.Header("Content-Encoding"));
  if (!coding.empty() && coding != "identity") {
    c.Fail(415,
           "Send the item as it is, without a Content-Encoding: the gate "
           "judges what it can read.");
    return;
  }
  GateItem item;
  if (c.req.HasFile("file")) {
    const http::FormFile& f = c.req.File("file");
    item.bytes = f.content;
    item.name = f.filename;
    item.content_type = f.content_type;
  } else {
    item.bytes = c.req.body;
    item.content_type = c.req.Header("Content-Type");
    item.name = c.Param("name");
  }
  item.url = c.Param("url");
  item.who = "token:" + c.token->name;
  if (item.bytes.empty()) {
    c.Fail(400,
           "Send the page, photo or document as the request's body, or as "
           "a multipart field named \"file\".");
    return;
  }
  auto verdict = c.app.options.publish_gate(item);
  if (!verdict.ok()) {
    const core::Code code = verdict.status().code();
    if (code != core::Code::kInvalidArgument && code != core::Code::kLimit)
      core::Log(core::Event("publish-check-failed")
                    .Str("token", c.token->name)
                    .Str("error", verdict.status().message()));
    c.Fail(code == core::Code::kInvalidArgument ? 400
           : code == core::Code::kLimit         ? 413
                                                : 503,
           code == core::Code::kInvalidArgument || code == core::Code::kLimit
               ? verdict.status().message()
               : "The gate cannot judge items now; try again shortly.");
    return;
  }
  core::Log(core::Event("publish-check")
                .Str("token", c.token->name)
                .Str("action", (*verdict)["action"].get<std::string>())
                .Str("rule", (*verdict)["rule"].get<std::string>())
                .Int("findings",
                     static_cast<int64_t>((*verdict)["findings"].size())));
  c.res.status = 200;
  c.res.SetContent(
      verdict->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      "application/json");
}

}  // namespace steward::portal
