// Fuzzes the people imports with untrusted uploads: an employees CSV into an
// in-memory store, and a OneRoster zip (first byte odd) through the roster
// reader. Rows may be rejected; nothing may crash, leak or hang.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "people/people.h"
#include "roster/oneroster.h"
#include "store/migrations.h"

namespace {

steward::store::Database& Db() {
  static auto* db = [] {
    auto opened = steward::store::Database::Open(":memory:", 1);
    auto* raw = opened.ok() ? std::move(opened).value().release() : nullptr;
    if (raw) (void)steward::store::Migrate(*raw);
    return raw;
  }();
  return *db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    int fd = memfd_create("roster.zip", 0);
    if (fd < 0) return 0;
    if (write(fd, bytes.data(), bytes.size()) ==
        static_cast<ssize_t>(bytes.size())) {
      (void)steward::roster::LoadOneRoster("/proc/self/fd/" +
                                           std::to_string(fd));
    }
    close(fd);
  } else {
    (void)steward::people::ImportEmployeesCsv(Db(), bytes, "fuzz.csv",
                                              {"fuzz", ""});
  }
  return 0;
}
