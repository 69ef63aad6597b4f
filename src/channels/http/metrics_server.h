// GET /metrics (Prometheus text) on its own address, for a door (the
// milter, the ICAP server), on the same http::Server as the portal: one I/O
// thread and one worker.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "channels/http/server.h"
#include "core/status.h"

namespace steward::http {

class MetricsServer {
 public:
  // `listen`: HOST:PORT. `render` makes the page, on the server's thread.
  // An error names the address: not HOST:PORT, or cannot listen there.
  core::Status Start(const std::string& listen,
                     const std::function<std::string()>& render);
  void Stop();

 private:
  std::unique_ptr<Server> server_;
};

}  // namespace steward::http
