#include "core/hash.h"

#include <glib.h>

namespace steward::core {

Sha256::Sha256() : checksum_(g_checksum_new(G_CHECKSUM_SHA256)) {}
Sha256::~Sha256() { g_checksum_free(static_cast<GChecksum*>(checksum_)); }

void Sha256::Update(std::string_view data) {
  g_checksum_update(static_cast<GChecksum*>(checksum_),
                    reinterpret_cast<const guchar*>(data.data()),
                    static_cast<gssize>(data.size()));
}

std::string Sha256::HexDigest() {
  return g_checksum_get_string(static_cast<GChecksum*>(checksum_));
}

std::string Sha256Hex(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.HexDigest();
}

}  // namespace steward::core
