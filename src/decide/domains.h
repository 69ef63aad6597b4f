// Recipient domains as the mail door sees them: inside the District or not,
// and whether an outside domain imitates one of the District's (E.3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace steward::decide {

// The domain of an address, lower case; "" when it has none.
std::string DomainOf(std::string_view address);

// The domain mail to `address` leaves for, lower case: its own, unless that
// one is `internal` and the local part routes the mail on, as Postfix's
// defaults do (resolve_dequoted, swap_bangpath, allow_percent_hack): the
// local part unquoted, then host!user is user@host (the leftmost '!'),
// else user%host and user@host@ours are user@host (the rightmost), again
// while the next domain is internal. Comments, white space, angle
// brackets and a source route are left out first, as Postfix does.
std::string DeliveryDomain(std::string_view address,
                           const std::vector<std::string>& internal);

// Whether `domain` is one of `internal` or a subdomain of one.
bool IsInternal(std::string_view domain,
                const std::vector<std::string>& internal);

// Whether `address` matches `pattern`: the same address, or "*@domain"
// (that domain or a subdomain). Both compared case-insensitively.
bool AddressMatches(std::string_view address, std::string_view pattern);

// The internal domain that `domain` imitates, or "" when it imitates none.
// Caught: the same name under another top-level domain (example-usd.com),
// an internal domain with more after it (example-usd.org.evil.net), equal
// after folding look-alike characters (examp1e-usd.org, exarnple-usd.org),
// and within `max_distance` edits, a swap of neighbours counting one
// (exmaple-usd.org). Internal domains and their subdomains imitate nothing.
// 0 turns the check off.
std::string ImitatedDomain(std::string_view domain,
                           const std::vector<std::string>& internal,
                           uint32_t max_distance);

// Edits (insert, delete, substitute, swap neighbours) from a to b, stopping
// early once past `limit` (returns limit + 1).
uint32_t EditDistance(std::string_view a, std::string_view b, uint32_t limit);

}  // namespace steward::decide
