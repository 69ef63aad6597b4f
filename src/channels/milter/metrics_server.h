// GET /metrics (Prometheus text) on a loopback address, for the milter, on
// the same http::Server as the portal (its threads take no signals).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "channels/http/server.h"
#include "core/status.h"

namespace steward::milter {

class MetricsServer {
 public:
  // `listen`: HOST:PORT. `render` makes the page, on the server's thread.
  core::Status Start(const std::string& listen,
                     const std::function<std::string()>& render);
  void Stop();

 private:
  std::unique_ptr<http::Server> server_;
};

}  // namespace steward::milter
