// Listening sockets for the doors. Each is SOCK_STREAM and close-on-exec,
// with a backlog of `backlog`; errors name the address and say why.
#pragma once

#include <string>

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

// The port a TCP socket is bound to; 0 when it is not one.
int BoundPort(int fd);

// "HOST:PORT" or "[V6]:PORT" into its parts; false when it is not one.
bool SplitHostPort(const std::string& spec, std::string* host, int* port);

}  // namespace steward::core
