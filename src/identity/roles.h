// The eight roles of the portal and the sets an endpoint admits. A person may
// hold several roles; every account is at least an employee.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steward::identity {

enum class Role : uint16_t {
  kEmployee = 1 << 0,
  kContentManager = 1 << 1,
  kSiteAdmin = 1 << 2,
  kItsAdmin = 1 << 3,
  kRecordsCustodian = 1 << 4,
  kSupervisor = 1 << 5,
  kAuditor =
      1 << 6,  // reads everything an administrator reads, changes nothing
  kDesignee = 1 << 7,  // the Superintendent's designee
};

// A set of roles as bits.
class Roles {
 public:
  constexpr Roles() = default;
  constexpr Roles(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= static_cast<uint16_t>(r);
  }
  static constexpr Roles FromBits(uint16_t bits) {
    Roles r;
    r.bits_ = bits;
    return r;
  }
  static constexpr Roles All() { return FromBits(0xFF); }
  constexpr bool Has(Role r) const { return bits_ & static_cast<uint16_t>(r); }
  constexpr bool Intersects(Roles o) const { return bits_ & o.bits_; }
  constexpr void Add(Role r) { bits_ |= static_cast<uint16_t>(r); }
  constexpr uint16_t bits() const { return bits_; }
  bool operator==(const Roles&) const = default;

 private:
  uint16_t bits_ = 0;
};

inline constexpr Role kAllRoles[] = {
    Role::kEmployee, Role::kContentManager,   Role::kSiteAdmin,
    Role::kItsAdmin, Role::kRecordsCustodian, Role::kSupervisor,
    Role::kAuditor,  Role::kDesignee};

// "its-admin"; the name used in configuration, the API and the database.
std::string_view RoleName(Role r);
// "ITS administrator"; the name shown to people.
std::string_view RoleTitle(Role r);
std::optional<Role> ParseRole(std::string_view name);
std::vector<std::string> RoleNames(Roles roles);

}  // namespace steward::identity
