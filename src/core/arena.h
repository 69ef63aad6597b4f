// Which allocator arena a thread allocates from.
//
// The `steward` binary allocates with jemalloc, which gives threads arenas
// of their own: memory one thread freed is not reused by another until it
// decays back to the system (seconds later). A short-lived helper thread
// that works on its caller's behalf (the web door's window threads) would
// then add its own working memory on top of what its caller just freed.
// Sharing the caller's arena lets it reuse that memory.
//
// Without jemalloc (the tests, the sanitizer builds) both are no-ops.
#pragma once

#include <optional>

namespace steward::core {

// The calling thread's arena; nullopt without jemalloc.
std::optional<unsigned> ThreadArena();

// Makes the calling thread allocate from `arena` (from ThreadArena()).
void UseArena(unsigned arena);

}  // namespace steward::core
