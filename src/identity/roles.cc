#include "identity/roles.h"

namespace steward::identity {

namespace {

struct Names {
  Role role;
  std::string_view name, title;
};
constexpr Names kNames[] = {
    {Role::kEmployee, "employee", "Employee"},
    {Role::kContentManager, "content-manager", "Content manager"},
    {Role::kSiteAdmin, "site-admin", "Site administrator"},
    {Role::kItsAdmin, "its-admin", "ITS administrator"},
    {Role::kRecordsCustodian, "records-custodian", "Records custodian"},
    {Role::kSupervisor, "supervisor", "Supervisor"},
    {Role::kAuditor, "auditor", "Auditor (read-only)"},
    {Role::kDesignee, "designee", "Superintendent's designee"},
};

}  // namespace

std::string_view RoleName(Role r) {
  for (const auto& n : kNames) {
    if (n.role == r) return n.name;
  }
  return "unknown";
}

std::string_view RoleTitle(Role r) {
  for (const auto& n : kNames) {
    if (n.role == r) return n.title;
  }
  return "Unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& n : kNames) {
    if (n.name == name) return n.role;
  }
  return std::nullopt;
}

std::vector<std::string> RoleNames(Roles roles) {
  std::vector<std::string> out;
  for (Role r : kAllRoles) {
    if (roles.Has(r)) out.emplace_back(RoleName(r));
  }
  return out;
}

}  // namespace steward::identity
