// Memory maps that survive their file shrinking while they are read.
//
// Reading a page of a MAP_SHARED or MAP_PRIVATE file mapping that lies past
// the file's end (another program truncated or compacted the file) raises
// SIGBUS, which kills the process. A mapping guarded here is safe from that:
// a SIGBUS handler, installed at the first guard, puts zero pages in place
// of the rest of the mapping from the faulting page on and records the
// offset of that page. The reader goes on reading zeros and asks CutAt()
// afterwards whether what it read was whole. SIGBUS outside every guarded
// mapping is handled as before (the previous handler, or death).
//
// Contract: Guard before the mapping is read, Unguard before it is unmapped.
// At most kGuardSlots mappings are guarded at once; Guard returns -1 beyond
// that, and the caller must not map (it reads instead). Thread-safe; the
// handler takes no lock and calls only mmap.
#pragma once

#include <cstddef>

namespace steward::core {

inline constexpr int kGuardSlots = 1024;

// A slot for [addr, addr + size), or -1 when every slot is taken.
int GuardMapping(const void* addr, size_t size);

// The offset within the mapping of the first byte that was past the file's
// end when it was read (a multiple of the page size), or `size` when every
// byte read so far came from the file. Valid until UnguardMapping.
size_t MappingCutAt(int slot);

void UnguardMapping(int slot);

}  // namespace steward::core
