// PasswordPolicy (identity/passwords.h): the N.4 rules, the block-list and
// cracklib. Apart from hashing so that the directory's password module
// (ppolicy_module.cc) is built from the same code; it needs neither
// libsodium nor GLib.
#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <mutex>

// crack.h uses size_t without declaring it.
// clang-format off
#include <stddef.h>
#include <crack.h>
// clang-format on

#include "core/text.h"
#include "identity/passwords.h"

namespace steward::identity {

namespace {

// cracklib keeps static state; one check at a time.
std::mutex& CrackMutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

core::Result<std::shared_ptr<const PasswordPolicy>> PasswordPolicy::Load(
    const std::string& blocklist, const std::string& cracklib_dict) {
  std::shared_ptr<PasswordPolicy> p(new PasswordPolicy());
  if (!blocklist.empty()) {
    struct stat st {};
    if (stat(blocklist.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      return core::Status::NotFound(blocklist +
                                    ": the password block-list is not a file");
    std::ifstream in(blocklist);
    if (!in)
      return core::Status::NotFound(blocklist +
                                    ": cannot read the password block-list");
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      // "password 123456": the word, without a frequency count.
      auto space = line.find_last_of(" \t");
      if (space != std::string::npos && space + 1 < line.size() &&
          std::isdigit(static_cast<unsigned char>(line[space + 1]))) {
        line.resize(space);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
          line.pop_back();
        }
      }
      if (!line.empty()) p->blocked_.insert(core::AsciiLower(line));
    }
    if (in.bad())
      return core::Status::Io(blocklist +
                              ": the password block-list could not be read");
    if (p->blocked_.empty())
      return core::Status::Invalid(blocklist +
                                   ": the password block-list is empty");
  }
  if (cracklib_dict != "off") {
    p->cracklib_dict_ =
        cracklib_dict.empty() ? GetDefaultCracklibDict() : cracklib_dict;
    std::ifstream probe(p->cracklib_dict_ + ".pwd");
    if (!probe) {
      return core::Status::NotFound(
          p->cracklib_dict_ +
          ".pwd: cracklib dictionary missing (install cracklib-runtime, or set "
          "cracklib = \"off\")");
    }
  }
  return std::shared_ptr<const PasswordPolicy>(std::move(p));
}

core::Status PasswordPolicy::Check(const std::string& password,
                                   const std::string& username,
                                   const std::string& display_name) const {
  bool letter = false, digit = false, symbol = false;
  for (unsigned char c : password) {
    if (std::isalpha(c) || c >= 0x80) {
      letter = true;
    } else if (std::isdigit(c)) {
      digit = true;
    } else if (!std::isspace(c) || c == ' ') {
      symbol = true;
    }
  }
  // Length in characters, not bytes.
  size_t chars = 0;
  for (unsigned char c : password) chars += (c & 0xC0) != 0x80;
  if (chars < 8 || !letter || !digit || !symbol) {
    return core::Status::Invalid(
        "A password must be at least 8 characters and mix letters, digits and "
        "symbols (regulation N.4).");
  }
  if (chars > 256)
    return core::Status::Invalid("A password may be at most 256 characters.");
  std::string lower = core::AsciiLower(password);
  if (blocked_.count(lower)) {
    return core::Status::Invalid(
        "That password is on the list of common or breached passwords; choose "
        "one nobody else would.");
  }
  auto contains = [&](const std::string& part) {
    return part.size() >= 3 &&
           lower.find(core::AsciiLower(part)) != std::string::npos;
  };
  if (contains(username)) {
    return core::Status::Invalid("A password may not contain your user name.");
  }
  size_t start = 0;
  while (start < display_name.size()) {
    size_t end = display_name.find(' ', start);
    if (end == std::string::npos) end = display_name.size();
    if (contains(display_name.substr(start, end - start))) {
      return core::Status::Invalid("A password may not contain your name.");
    }
    start = end + 1;
  }
  if (!cracklib_dict_.empty()) {
    std::lock_guard lock(CrackMutex());
    if (const char* why =
            FascistCheck(password.c_str(), cracklib_dict_.c_str())) {
      return core::Status::Invalid(
          std::string("That password is too easy to guess (") + why + ").");
    }
  }
  return {};
}

}  // namespace steward::identity
