#include "core/mapping.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace steward::core {
namespace {

// A slot is free when `begin` is 0 and taken while Guard fills it when it
// is 1. The handler reads `begin` (acquire) and then the rest.
struct Slot {
  std::atomic<uintptr_t> begin{0};
  std::atomic<size_t> size{0};
  std::atomic<size_t> cut_at{0};
};

Slot g_slots[kGuardSlots];
struct sigaction g_previous {};
uintptr_t g_page = 4096;  // set before the handler is installed
std::once_flag g_installed;

void OnBus(int sig, siginfo_t* info, void* context) {
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Slot& s : g_slots) {
    const uintptr_t b = s.begin.load(std::memory_order_acquire);
    if (b <= 1 || addr < b) continue;
    const size_t size = s.size.load(std::memory_order_relaxed);
    if (addr - b >= size) continue;
    const uintptr_t page = g_page;
    const uintptr_t from = addr & ~(page - 1);
    const uintptr_t end = (b + size + page - 1) & ~(page - 1);
    // The page's address, from the fault's pointer (no integer-to-pointer
    // cast).
    char* at = static_cast<char*>(info->si_addr) - (addr - from);
    void* z = ::mmap(at, end - from, PROT_READ,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (z == MAP_FAILED) break;  // die as without a guard
    size_t off = from - b;
    size_t seen = s.cut_at.load(std::memory_order_relaxed);
    while (off < seen && !s.cut_at.compare_exchange_weak(seen, off)) {
    }
    return;  // the read is retried and meets zeros
  }
  // Not ours: whoever handled SIGBUS before, or the default (death).
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) {
      g_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL &&
             g_previous.sa_handler != SIG_IGN && g_previous.sa_handler) {
    g_previous.sa_handler(sig);
    return;
  }
  ::signal(SIGBUS, SIG_DFL);  // the faulting read runs again and kills
}

void Install() {
  g_page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  struct sigaction sa {};
  sa.sa_sigaction = OnBus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGBUS, &sa, &g_previous);
}

}  // namespace

int GuardMapping(const void* addr, size_t size) {
  std::call_once(g_installed, Install);
  for (int i = 0; i < kGuardSlots; ++i) {
    uintptr_t expected = 0;
    if (!g_slots[i].begin.compare_exchange_strong(expected, 1)) continue;
    g_slots[i].size.store(size, std::memory_order_relaxed);
    g_slots[i].cut_at.store(size, std::memory_order_relaxed);
    g_slots[i].begin.store(reinterpret_cast<uintptr_t>(addr),
                           std::memory_order_release);
    return i;
  }
  return -1;
}

size_t MappingCutAt(int slot) {
  return g_slots[slot].cut_at.load(std::memory_order_acquire);
}

void UnguardMapping(int slot) {
  g_slots[slot].begin.store(0, std::memory_order_release);
}

}  // namespace steward::core
