#include "channels/milter/metrics_server.h"

#include <httplib.h>

namespace steward::milter {

MetricsServer::MetricsServer() : server_(std::make_unique<httplib::Server>()) {}

MetricsServer::~MetricsServer() { Stop(); }

core::Status MetricsServer::Start(
    const std::string& listen, const std::function<std::string()>& render,
    const std::function<void()>& on_thread_start) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos)
    return core::Status::Invalid("--metrics '" + listen + "' is not HOST:PORT");
  std::string host = listen.substr(0, colon);
  int port = std::atoi(listen.c_str() + colon + 1);
  server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  server_->Get("/metrics",
               [render](const httplib::Request&, httplib::Response& res) {
                 res.set_content(render(), "text/plain; version=0.0.4");
               });
  if (!server_->bind_to_port(host, port))
    return core::Status::Io("cannot listen on " + listen + " for metrics");
  thread_ = std::thread([this, on_thread_start] {
    if (on_thread_start) on_thread_start();
    server_->listen_after_bind();
  });
  return core::Status::Ok();
}

void MetricsServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace steward::milter
