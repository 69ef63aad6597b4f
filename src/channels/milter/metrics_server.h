// GET /metrics (Prometheus text) on a loopback address, for the milter.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/status.h"

namespace httplib {
class Server;
}

namespace steward::milter {

class MetricsServer {
 public:
  MetricsServer();
  ~MetricsServer();
  // `listen`: HOST:PORT. `render` makes the page; `on_thread_start` runs
  // first in the serving thread.
  core::Status Start(const std::string& listen,
                     const std::function<std::string()>& render,
                     const std::function<void()>& on_thread_start);
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace steward::milter
