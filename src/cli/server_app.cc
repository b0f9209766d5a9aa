#include "cli/server_app.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "api/agent_endpoints.h"
#include "api/api_handler.h"
#include "api/training_job_operations.h"
#include "backend/ip_network_control.h"
#include "backend/local_backend.h"
#include "common/clock.h"
#include "common/current_executable.h"
#include "common/ids.h"
#include "controller/execution_view.h"
#include "controller/job_controller.h"
#include "controller/log_service.h"
#include "controller/store_artifact_packer.h"
#include "controller/training_job_service.h"
#include "store/sqlite_job_store.h"
#include "store/sqlite_log_store.h"

namespace trainyard {

struct ServerApp::Impl {
  ServerConfig config;
  SystemClock clock;
  RandomIdGenerator ids;
  std::unique_ptr<StaticCredentialSource> credentials;
  std::unique_ptr<SqliteJobStore> store;
  std::unique_ptr<SqliteLogStore> logs;
  std::unique_ptr<IpNetworkControl> network_control;  // with the bridge instance network
  std::unique_ptr<LocalBackend> backend;
  std::unique_ptr<StoreArtifactPacker> packer;
  std::unique_ptr<JobController> controller;
  std::unique_ptr<TrainingJobService> service;
  std::unique_ptr<LogService> log_service;
  std::unique_ptr<ApiHandler> api;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<HttpServer> bridge_http;  // the agents' listener on the bridge's address
  std::string url;
};

namespace {

void RegisterOperations(ApiHandler& api, TrainingJobService& service, LogService& logs, JobStore& jobs) {
  RegisterTrainingJobOperations(api, service);
  api.RegisterExtension("GetTrainingJobLogs",
                        [&logs](const Json& request) { return logs.GetTrainingJobLogs(request); });
  api.RegisterExtension("DescribeTrainingJobExecution",
                        [&jobs](const Json& request) { return DescribeTrainingJobExecution(jobs, request); });
}

// Agents on the bridge reach the server at the bridge's address with the
// port of the main listener (the backend rewrites only the URL's host): a
// second listener there, bound, unless the main one already covers every
// address (nullptr then).
Result<std::unique_ptr<HttpServer>> BridgeListener(const ServerConfig& config, const LocalBackend& backend,
                                                   const HttpServer& main, const ApiHandler& api,
                                                   AgentGateway& agents) {
  std::string bridge_address = backend.bridge_address();
  const std::string& host = config.http.host;
  if (bridge_address.empty() || host == "0.0.0.0" || host == bridge_address) {
    return std::unique_ptr<HttpServer>();
  }
  HttpServerOptions options = config.http;
  options.host = bridge_address;
  options.port = main.port();
  TY_ASSIGN_OR_RETURN(std::unique_ptr<HttpServer> listener, HttpServer::Create(options, api));
  AddAgentRoutes(*listener, agents);
  Result<int> bound = listener->Bind();
  if (!bound.ok()) return bound.error().WithContext("listening for agents on the instance bridge");
  return listener;
}

}  // namespace

std::string CurrentExecutable() {
  std::string self = CurrentExecutablePath();
  return self.empty() ? "trainyard" : self;
}

std::string DefaultAgentBinary() {
  std::string self = CurrentExecutable();
  std::filesystem::path lean = std::filesystem::path(self).parent_path() / "trainyard-agent";
  std::error_code ec;
  return std::filesystem::is_regular_file(lean, ec) && access(lean.c_str(), X_OK) == 0 ? lean.string() : self;
}

std::string DefaultStateDir() {
  if (const char* dir = std::getenv("TRAINYARD_STATE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return std::string(xdg) + "/trainyard";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.local/state/trainyard";
}

ServerApp::ServerApp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServerApp::~ServerApp() { Stop(); }

Result<std::unique_ptr<ServerApp>> ServerApp::Start(ServerConfig config) {
  if (config.credentials.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no access keys configured: pass --credentials-file or set "
                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot create state directory " + config.state_dir + ": " + ec.message());
  }
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->credentials = std::make_unique<StaticCredentialSource>(config.credentials);
  std::string db = config.state_dir + "/trainyard.db";
  TY_ASSIGN_OR_RETURN(impl->store, SqliteJobStore::Open(db));
  TY_ASSIGN_OR_RETURN(impl->logs, SqliteLogStore::Open(db));
  LocalBackendDeps backend_deps;
  if (config.instance_network == InstanceNetwork::kBridge) {
    TY_ASSIGN_OR_RETURN(impl->network_control, IpNetworkControl::Create());
    backend_deps = {impl->network_control.get(), &impl->ids};
  }
  TY_ASSIGN_OR_RETURN(impl->backend, LocalBackend::Create(
      LocalBackendOptions{
          .agent_binary = config.agent_binary.empty() ? DefaultAgentBinary() : config.agent_binary,
          .use_namespaces = config.use_namespaces,
          .log_dir = "",
          .environment = config.object_store_environment,
          .network = config.instance_network,
          .bridge = config.instance_bridge},
      backend_deps));
  // The server reaches object stores like its agents: its environment, with
  // the configured variables on top.
  EnvironmentLookup process_env = ProcessEnvironment();
  const std::map<std::string, std::string> store_env = config.object_store_environment;
  S3Options s3 = S3OptionsFromEnvironment([&](const std::string& name) -> std::optional<std::string> {
    if (auto it = store_env.find(name); it != store_env.end()) return it->second;
    return process_env(name);
  });
  impl->packer = std::make_unique<StoreArtifactPacker>(config.state_dir + "/scratch", s3);
  JobRunOptions run_options;
  run_options.instances_dir = config.state_dir + "/instances";
  run_options.region = config.region;
  run_options.grace_period_seconds = config.grace_period_seconds;
  run_options.heartbeat_timeout_ms = config.heartbeat_timeout_ms;
  run_options.images = config.images;
  run_options.max_log_bytes = config.max_log_bytes_per_job;
  run_options.checkpoint_keep_last = config.checkpoint_keep_last;
  run_options.checkpoint_flush_timeout_seconds = config.checkpoint_flush_timeout_seconds;
  run_options.health = config.health;
  run_options.max_restarts = config.max_restarts;
  run_options.restart_grace_seconds = config.restart_grace_seconds;
  run_options.hang_timeout_ms = config.hang_timeout_ms;
  impl->controller = std::make_unique<JobController>(
      JobRunDeps{*impl->store, *impl->logs, *impl->backend, *impl->packer, impl->clock, impl->ids},
      run_options);
  impl->service = std::make_unique<TrainingJobService>(
      *impl->store, impl->clock, *impl->controller,
      ServiceOptions{.region = config.region, .account_id = config.account_id});
  impl->log_service = std::make_unique<LogService>(*impl->store, *impl->logs);
  ApiOptions api_options;
  api_options.sigv4.region = config.region;
  api_options.sigv4.max_skew_seconds = config.max_clock_skew_seconds;
  api_options.max_body_bytes = config.http.max_body_bytes;
  impl->api = std::make_unique<ApiHandler>(api_options, *impl->credentials, impl->clock, impl->ids);
  RegisterOperations(*impl->api, *impl->service, *impl->log_service, *impl->store);
  TY_ASSIGN_OR_RETURN(impl->http, HttpServer::Create(config.http, *impl->api));
  AddAgentRoutes(*impl->http, *impl->controller);
  TY_RETURN_IF_ERROR(impl->http->Bind());
  TY_ASSIGN_OR_RETURN(impl->bridge_http,
                      BridgeListener(config, *impl->backend, *impl->http, *impl->api, *impl->controller));
  std::string scheme = impl->http->tls() ? "https" : "http";
  std::string host = config.http.host == "0.0.0.0" ? "127.0.0.1" : config.http.host;
  impl->url = scheme + "://" + host + ":" + std::to_string(impl->http->port());
  impl->controller->set_server_url(impl->url);
  impl->http->Start();
  if (impl->bridge_http) impl->bridge_http->Start();
  TY_RETURN_IF_ERROR(impl->controller->ResumeActiveJobs());
  return std::unique_ptr<ServerApp>(new ServerApp(std::move(impl)));
}

int ServerApp::port() const { return impl_->http->port(); }
std::string ServerApp::url() const { return impl_->url; }
const ServerConfig& ServerApp::config() const { return impl_->config; }

void ServerApp::Stop() {
  if (!impl_) return;
  // Runs stop first (instances keep running and are adopted by the next
  // server), then the listener.
  if (impl_->controller) impl_->controller->Shutdown();
  if (impl_->http) impl_->http->Stop();
  if (impl_->bridge_http) impl_->bridge_http->Stop();
}

}  // namespace trainyard
