#include "decide/domains.h"

#include <algorithm>

#include "core/text.h"

namespace steward::decide {

std::string DomainOf(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string d = core::AsciiLower(address.substr(at + 1));
  while (!d.empty() && (d.back() == '.' || d.back() == '>')) d.pop_back();
  return d;
}

namespace {

// Where `c` is outside quoted strings and escapes in `s`, its last place
// or its first; npos when nowhere.
size_t Unquoted(std::string_view s, char c, bool last) {
  size_t found = std::string_view::npos;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && s[i] == c) {
      found = i;
      if (!last) break;
    }
  }
  return found;
}

// The address as Postfix's parser reads it (tok822): comments left out (a
// '(' runs to its matching ')', or to the end when none comes); of what is
// in angle brackets, the innermost (a route-addr after a phrase, "x <y>",
// is the address, however it nests); white space outside quotes and a
// source route ("@a,@b:user@c" is user@c) left out. Quoted strings and
// escapes are kept.
std::string Bare(std::string_view address) {
  // Comments out first.
  std::string text;
  text.reserve(address.size());
  bool quoted = false;
  int comment = 0;
  for (size_t i = 0; i < address.size(); ++i) {
    const char ch = address[i];
    if (ch == '\\' && i + 1 < address.size()) {
      if (comment == 0) text.append(address.substr(i, 2));
      ++i;
    } else if (quoted) {
      text += ch;
      quoted = ch != '"';
    } else if (ch == '(') {
      ++comment;
    } else if (comment > 0) {
      comment -= ch == ')' ? 1 : 0;
    } else {
      quoted = ch == '"';
      text += ch;
    }
  }
  // The innermost angle brackets: the last '<' outside quotes, to the
  // first '>' after it.
  std::string_view addr = text;
  if (const size_t open = Unquoted(addr, '<', true); open != addr.npos) {
    addr = addr.substr(open + 1);
    addr = addr.substr(0, Unquoted(addr, '>', false));
  }
  std::string out;
  quoted = false;
  for (size_t i = 0; i < addr.size(); ++i) {
    const char ch = addr[i];
    if (ch == '\\' && i + 1 < addr.size()) {
      out.append(addr.substr(i, 2));
      ++i;
    } else if (ch == '"') {
      quoted = !quoted;
      out += ch;
    } else if (quoted || (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n' &&
                          ch != '<' && ch != '>')) {
      out += ch;
    }
  }
  if (out.starts_with('@')) {
    const size_t colon = out.find(':');
    if (colon != std::string::npos) out.erase(0, colon + 1);
  }
  return out;
}

}  // namespace

std::string DeliveryDomain(std::string_view raw,
                           const std::vector<std::string>& internal) {
  const std::string bare = Bare(raw);
  const std::string_view address = bare;
  size_t at = address.rfind('@');
  std::string domain = DomainOf(address);
  if (at == std::string_view::npos) {
    // No domain: Postfix gives it the District's own ($myorigin), and a
    // bang or percent path in it still routes on (host!user is user@host).
    if (internal.empty() || address.find_first_of("!%") == std::string::npos)
      return domain;
    at = address.size();
    domain = core::AsciiLower(internal.front());
  }
  // The local part without its quotes and escapes, as Postfix reads it
  // (resolve_dequoted): "x@gmail.com"@ours routes on too.
  std::string local;
  for (size_t i = 0; i < at; ++i) {
    const char ch = address[i];
    if (ch == '\\' && i + 1 < at) {
      local += address[++i];
    } else if (ch != '"' && !(ch == '<' && local.empty())) {
      local += ch;
    }
  }
  // While the mail is for the District, its local part may route it on,
  // in Postfix's order: the leftmost '!' (host!user is user@host), else
  // the rightmost '%' (user%host), else a last '@' (user@host@ours). Each
  // turn shortens the local part, so the loop ends.
  while (IsInternal(domain, internal)) {
    std::string next;
    if (const size_t bang = local.find('!'); bang != std::string::npos) {
      next = local.substr(0, bang);
      local.erase(0, bang + 1);
    } else if (const size_t sep = local.find_last_of("%@");
               sep != std::string::npos) {
      next = local.substr(sep + 1);
      local.erase(sep);
    } else {
      break;
    }
    domain = core::AsciiLower(next);
    while (!domain.empty() && (domain.back() == '.' || domain.back() == '>'))
      domain.pop_back();
  }
  return domain;
}

bool IsInternal(std::string_view domain,
                const std::vector<std::string>& internal) {
  for (const auto& i : internal) {
    std::string d = core::AsciiLower(i);
    if (domain == d) return true;
    if (domain.size() > d.size() + 1 && domain.ends_with(d) &&
        domain[domain.size() - d.size() - 1] == '.')
      return true;
  }
  return false;
}

bool AddressMatches(std::string_view address, std::string_view pattern) {
  std::string a = core::AsciiLower(address);
  std::string p = core::AsciiLower(pattern);
  if (p.starts_with("*@")) return IsInternal(DomainOf(a), {p.substr(2)});
  return a == p;
}

uint32_t EditDistance(std::string_view a, std::string_view b, uint32_t limit) {
  const size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  // Optimal string alignment: three rows.
  std::vector<uint32_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = static_cast<uint32_t>(j);
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = static_cast<uint32_t>(i);
    uint32_t row_min = cur[0];
    for (size_t j = 1; j <= m; ++j) {
      uint32_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[m], limit + 1);
}

namespace {

// Characters and pairs people read as others: 0/o, 1/l/i, rn/m, vv/w.
std::string Skeleton(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == 'r' && i + 1 < s.size() && s[i + 1] == 'n') {
      out += 'm';
      ++i;
    } else if (c == 'v' && i + 1 < s.size() && s[i + 1] == 'v') {
      out += 'w';
      ++i;
    } else if (c == '0') {
      out += 'o';
    } else if (c == '1' || c == 'i' || c == '|') {
      out += 'l';
    } else if (c == '5') {
      out += 's';
    } else if (c == '3') {
      out += 'e';
    } else if (c == '_') {
      out += '-';
    } else {
      out += c;
    }
  }
  return out;
}

// "example-usd.org" -> "example-usd"; "a.b.org" -> "a.b".
std::string_view WithoutTld(std::string_view d) {
  size_t dot = d.rfind('.');
  return dot == std::string_view::npos ? d : d.substr(0, dot);
}

}  // namespace

std::string ImitatedDomain(std::string_view domain,
                           const std::vector<std::string>& internal,
                           uint32_t max_distance) {
  if (max_distance == 0 || domain.empty() || IsInternal(domain, internal))
    return {};
  for (const auto& raw : internal) {
    std::string d = core::AsciiLower(raw);
    // Another TLD, or the District's domain with more after it.
    if (WithoutTld(domain) == WithoutTld(d)) return d;
    if (domain.starts_with(d + ".") || domain.starts_with(d + "-")) return d;
    if (Skeleton(domain) == Skeleton(d)) return d;
    // Short names collide by chance: allow one edit below 8 characters.
    uint32_t limit =
        d.size() < 8 ? std::min<uint32_t>(max_distance, 1) : max_distance;
    if (EditDistance(domain, d, limit) <= limit) return d;
    // A look-alike of the name under another TLD (exarnple-usd.com).
    if (EditDistance(Skeleton(WithoutTld(domain)), Skeleton(WithoutTld(d)),
                     limit) <= limit &&
        WithoutTld(domain).size() >= 4)
      return d;
  }
  return {};
}

}  // namespace steward::decide
