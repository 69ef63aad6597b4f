// Building milter packets as an MTA writes them, for the door's tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "channels/milter/protocol.h"

namespace steward::milter::wire {

// A 32-bit number in network order.
inline std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}

inline std::string Packet(char command, const std::string& data) {
  std::string out;
  AppendPacket(out, command, data);
  return out;
}

// Strings, each ended by NUL.
inline std::string Strings(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out += p;
    out += '\0';
  }
  return out;
}

}  // namespace steward::milter::wire
