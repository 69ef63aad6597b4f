// Listening sockets for the doors. Each is SOCK_STREAM and close-on-exec,
// with a backlog of `backlog`; errors name the address and say why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace steward::core {

// host "" is every address; port 0 picks one (BoundPort says which).
// SO_REUSEADDR is set, so a restarted door binds at once.
Result<int> ListenTcp(const std::string& host, int port, int backlog);

// A unix socket at `path`, made `mode` (e.g. 0660) and given to `group`
// when not "" (a group that does not exist is an error). A socket file left
// by an earlier run is removed first; any other file at `path` is an error.
Result<int> ListenUnix(const std::string& path, int mode,
                       const std::string& group, int backlog);
// Whether `path` can name a unix socket: not empty and within sun_path.
bool UnixPathFits(std::string_view path);

// The port a TCP socket is bound to; 0 when it is not one.
int BoundPort(int fd);

// A door takes one descriptor a connection: raises the soft limit on open
// descriptors to the hard one (systemd's default soft limit is 1,024) and
// returns the limit now in force.
uint64_t RaiseFileLimit();

// "HOST:PORT" or "[V6]:PORT" into its parts; false when it is not one.
bool SplitHostPort(const std::string& spec, std::string* host, int* port);

}  // namespace steward::core
