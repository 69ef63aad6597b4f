#include "publish/robots.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/text.h"

namespace steward::publish {

namespace {

// A hostile robots.txt may not make each URL cost more than these allow:
// rules kept, and the bytes of a path they are matched on.
constexpr size_t kMaxRules = 1000;
constexpr size_t kMaxPath = 2048;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Whether `pattern` (with * and a final $) matches the start of `path`.
// Greedy with backtracking to the last star: O(|pattern|·|path|) at worst.
bool Matches(std::string_view pattern, std::string_view path) {
  bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  size_t i = 0, u = 0, star_i = std::string_view::npos, star_u = 0;
  for (;;) {
    if (i == pattern.size()) {
      if (!anchored || u == path.size()) return true;
    } else if (pattern[i] == '*') {
      star_i = i++;
      star_u = u;
      continue;
    } else if (u < path.size() && pattern[i] == path[u]) {
      ++i;
      ++u;
      continue;
    }
    if (star_i == std::string_view::npos || star_u >= path.size()) return false;
    i = star_i + 1;
    u = ++star_u;
  }
}

}  // namespace

Robots Robots::Parse(std::string_view text, std::string_view agent) {
  text = text.substr(0, static_cast<size_t>(512) * 1024);
  const std::string token = core::AsciiLower(agent);
  // Groups: consecutive user-agent lines, then their rules.
  struct Group {
    bool ours = false, star = false;
    std::vector<Rule> rules;
    uint32_t delay_ms = 0;
  };
  std::vector<Group> groups;
  bool in_agents = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key = core::AsciiLower(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (key == "user-agent") {
      if (!in_agents || groups.empty()) groups.emplace_back();
      in_agents = true;
      std::string v = core::AsciiLower(value);
      if (v == "*")
        groups.back().star = true;
      else if (!v.empty() && token.starts_with(v))
        groups.back().ours = true;
      continue;
    }
    if (groups.empty()) continue;
    in_agents = false;
    if (key == "allow" || key == "disallow") {
      if (value.empty()) continue;  // "Disallow:" allows everything
      groups.back().rules.push_back({key == "allow", std::string(value)});
    } else if (key == "crawl-delay") {
      double secs = std::atof(std::string(value).c_str());
      if (std::isfinite(secs) && secs > 0)
        groups.back().delay_ms =
            static_cast<uint32_t>(std::min(secs, 60.0) * 1000);
    }
  }
  Robots r;
  // Our own groups if any name us, else the "*" groups (merged).
  bool any_ours = std::any_of(groups.begin(), groups.end(),
                              [](const Group& g) { return g.ours; });
  for (const Group& g : groups) {
    if (any_ours ? !g.ours : !g.star) continue;
    for (const Rule& rule : g.rules)
      if (r.rules_.size() < kMaxRules) r.rules_.push_back(rule);
    r.delay_ms_ = std::max(r.delay_ms_, g.delay_ms);
  }
  return r;
}

bool Robots::Allowed(std::string_view path) const {
  path = path.substr(0, kMaxPath);
  const Rule* best = nullptr;
  for (const Rule& rule : rules_) {
    if (!Matches(rule.pattern, path)) continue;
    if (!best || rule.pattern.size() > best->pattern.size() ||
        (rule.pattern.size() == best->pattern.size() && rule.allow))
      best = &rule;
  }
  return !best || best->allow;
}

}  // namespace steward::publish
