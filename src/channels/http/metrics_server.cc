#include "channels/http/metrics_server.h"

#include <charconv>

namespace steward::http {

core::Status MetricsServer::Start(const std::string& listen,
                                  const std::function<std::string()>& render) {
  size_t colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    const char* end = listen.data() + listen.size();
    auto [p, ec] = std::from_chars(listen.data() + colon + 1, end, port);
    if (ec != std::errc() || p != end) port = -1;
  }
  if (port < 0 || port > 65535) {
    return core::Status::Invalid("--metrics '" + listen + "' is not HOST:PORT");
  }
  Options o;
  o.host = listen.substr(0, colon);
  o.port = port;
  o.io_threads = 1;
  o.workers = 1;
  server_ = std::make_unique<Server>(o);
  server_->Handle(
      "GET", "/metrics", {0, 10},
      [render](const Request&, Response& res) {
        res.SetContent(render(), "text/plain; version=0.0.4");
      },
      nullptr, true);
  auto started = server_->Start();
  if (!started.ok()) {
    return core::Status::Io("cannot listen on " + listen + " for metrics");
  }
  return core::Status::Ok();
}

void MetricsServer::Stop() {
  if (server_) server_->Stop();
}

}  // namespace steward::http
