#include "core/arena.h"

#include <cstddef>

// jemalloc's control call, when the binary links jemalloc (weak: null
// otherwise).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp,
                       void* newp, size_t newlen) __attribute__((weak));

namespace steward::core {

std::optional<unsigned> ThreadArena() {
  if (mallctl == nullptr) return std::nullopt;
  unsigned arena = 0;
  size_t size = sizeof arena;
  if (mallctl("thread.arena", &arena, &size, nullptr, 0) != 0)
    return std::nullopt;
  return arena;
}

void UseArena(unsigned arena) {
  if (mallctl == nullptr) return;
  mallctl("thread.arena", nullptr, nullptr, &arena, sizeof arena);
}

}  // namespace steward::core
