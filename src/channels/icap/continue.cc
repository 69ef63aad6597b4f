#include "channels/icap/continue.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

namespace steward::icap {

namespace {

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  (void)ok;
}

std::string Base64Url(std::string_view bytes) {
  const size_t n = sodium_base64_ENCODED_LEN(
      bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(n, '\0');
  sodium_bin2base64(out.data(), n,
                    reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(strlen(out.c_str()));
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), text.data(), text.size(), nullptr, &len,
                        nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string Mac(const std::string& key, std::string_view payload) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(
      &st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(
      &st, reinterpret_cast<const unsigned char*>(payload.data()),
      payload.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string GrantKey(std::string_view user, std::string_view host,
                     std::string_view rule) {
  // Each part with its length, so that no two grants' parts run together.
  std::string k;
  for (std::string_view part : {user, host, rule}) {
    k += std::to_string(part.size());
    k += ':';
    k += part;
  }
  return k;
}

int64_t UnixSeconds(Continues::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}

}  // namespace

Continues::Continues(std::string key) : key_(std::move(key)) { InitSodium(); }

std::string Continues::Sign(const ContinueClaim& c) const {
  nlohmann::ordered_json j = {{"u", c.user},
                              {"h", c.host},
                              {"r", c.rule},
                              {"ref", c.reference},
                              {"exp", c.expires}};
  const std::string payload = Base64Url(
      j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return payload + "." + Base64Url(Mac(key_, payload));
}

core::Result<ContinueClaim> Continues::Verify(std::string_view token,
                                              Clock::time_point now) const {
  if (token.size() > 4096) return core::Status::Invalid("the link is too long");
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos)
    return core::Status::Invalid("the link is not one Steward made");
  const std::string_view payload = token.substr(0, dot);
  auto mac = FromBase64Url(token.substr(dot + 1));
  const std::string expected = Mac(key_, payload);
  if (!mac || mac->size() != expected.size() ||
      sodium_memcmp(mac->data(), expected.data(), expected.size()) != 0)
    return core::Status::Invalid("the link is not one Steward made");
  auto json = FromBase64Url(payload);
  if (!json) return core::Status::Invalid("the link is not one Steward made");
  auto j = nlohmann::json::parse(*json, nullptr, false);
  if (!j.is_object() || !j.contains("exp") || !j["exp"].is_number_integer())
    return core::Status::Invalid("the link is not one Steward made");
  ContinueClaim c;
  c.user = j.value("u", "");
  c.host = j.value("h", "");
  c.rule = j.value("r", "");
  c.reference = j.value("ref", "");
  c.expires = j["exp"].get<int64_t>();
  if (UnixSeconds(now) >= c.expires)
    return core::Status::Invalid("the link has expired");
  return c;
}

void Continues::Grant(const ContinueClaim& c, Clock::time_point until) {
  std::lock_guard lock(mu_);
  if (grants_.size() >= kMaxGrants) {
    const auto now = Clock::now();
    for (auto it = grants_.begin(); it != grants_.end();)
      it = it->second <= now ? grants_.erase(it) : std::next(it);
    while (grants_.size() >= kMaxGrants) {
      auto oldest = std::min_element(
          grants_.begin(), grants_.end(),
          [](const auto& a, const auto& b) { return a.second < b.second; });
      grants_.erase(oldest);
    }
  }
  grants_[GrantKey(c.user, c.host, c.rule)] = until;
}

bool Continues::Granted(std::string_view user, std::string_view host,
                        std::string_view rule, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = grants_.find(GrantKey(user, host, rule));
  return it != grants_.end() && now < it->second;
}

core::Result<std::string> LoadOrCreateKey(const std::string& path) {
  InitSodium();
  std::string key(32, '\0');
  if (path.empty()) {
    randombytes_buf(key.data(), key.size());
    return key;
  }
  auto read = [&]() -> core::Result<std::string> {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return core::Status::Io(path + ": " + std::strerror(errno));
    std::string k(64, '\0');
    ssize_t n = ::read(fd, k.data(), k.size());
    close(fd);
    if (n < 32)
      return core::Status::Invalid(path + ": the key is shorter than 32 bytes");
    k.resize(static_cast<size_t>(n));
    return k;
  };
  if (access(path.c_str(), F_OK) == 0) return read();
  randombytes_buf(key.data(), key.size());
  std::string tmp = path + ".XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) return core::Status::Io(path + ": " + std::strerror(errno));
  fchmod(fd, 0600);
  const bool written =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
      fsync(fd) == 0;
  close(fd);
  if (!written) {
    unlink(tmp.c_str());
    return core::Status::Io(path + ": the key could not be written");
  }
  // link() fails if another door made the key first: that one is used.
  const int linked = link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  unlink(tmp.c_str());
  if (linked != 0 && link_errno != EEXIST)
    return core::Status::Io(path + ": " + std::strerror(link_errno));
  return read();
}

std::string TargetPath(std::string_view target) {
  if (size_t scheme = target.find("://"); scheme != std::string_view::npos) {
    target.remove_prefix(scheme + 3);
    const size_t path = target.find('/');
    target = path == std::string_view::npos ? std::string_view("/")
                                            : target.substr(path);
  }
  return std::string(target.substr(0, target.find_first_of("?#")));
}

std::string QueryValue(std::string_view target, std::string_view name) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return eq == std::string_view::npos ? std::string()
                                          : std::string(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace steward::icap
