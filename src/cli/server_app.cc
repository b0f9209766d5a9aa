#include "cli/server_app.h"

#include <cstdlib>
#include <filesystem>

#include "api/api_handler.h"
#include "common/clock.h"
#include "common/ids.h"
#include "controller/no_instance_launcher.h"
#include "controller/training_job_service.h"
#include "store/sqlite_job_store.h"

namespace trainyard {

struct ServerApp::Impl {
  ServerConfig config;
  SystemClock clock;
  RandomIdGenerator ids;
  std::unique_ptr<StaticCredentialSource> credentials;
  std::unique_ptr<SqliteJobStore> store;
  std::unique_ptr<JobLauncher> launcher;
  std::unique_ptr<TrainingJobService> service;
  std::unique_ptr<ApiHandler> api;
  std::unique_ptr<HttpServer> http;
};

namespace {

void RegisterOperations(ApiHandler& api, TrainingJobService& service) {
  using Method = Result<Json> (TrainingJobService::*)(const Json&);
  const std::pair<const char*, Method> kOperations[] = {
      {"CreateTrainingJob", &TrainingJobService::CreateTrainingJob},
      {"DescribeTrainingJob", &TrainingJobService::DescribeTrainingJob},
      {"ListTrainingJobs", &TrainingJobService::ListTrainingJobs},
      {"StopTrainingJob", &TrainingJobService::StopTrainingJob},
      {"UpdateTrainingJob", &TrainingJobService::UpdateTrainingJob},
      {"AddTags", &TrainingJobService::AddTags},
      {"ListTags", &TrainingJobService::ListTags},
      {"DeleteTags", &TrainingJobService::DeleteTags},
  };
  for (const auto& [name, method] : kOperations) {
    api.Register(name, [&service, method](const Json& request) { return (service.*method)(request); });
  }
}

}  // namespace

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
  TY_ASSIGN_OR_RETURN(impl->store, SqliteJobStore::Open(config.state_dir + "/trainyard.db"));
  impl->launcher = std::make_unique<NoInstanceLauncher>(*impl->store, impl->clock);
  impl->service = std::make_unique<TrainingJobService>(
      *impl->store, impl->clock, *impl->launcher,
      ServiceOptions{.region = config.region, .account_id = config.account_id});
  ApiOptions api_options;
  api_options.sigv4.region = config.region;
  api_options.sigv4.max_skew_seconds = config.max_clock_skew_seconds;
  api_options.max_body_bytes = config.http.max_body_bytes;
  impl->api = std::make_unique<ApiHandler>(api_options, *impl->credentials, impl->clock, impl->ids);
  RegisterOperations(*impl->api, *impl->service);
  TY_ASSIGN_OR_RETURN(impl->http, HttpServer::Create(config.http, *impl->api));
  TY_RETURN_IF_ERROR(impl->http->Bind());
  impl->http->Start();
  return std::unique_ptr<ServerApp>(new ServerApp(std::move(impl)));
}

int ServerApp::port() const { return impl_->http->port(); }
const ServerConfig& ServerApp::config() const { return impl_->config; }

void ServerApp::Stop() {
  if (impl_ && impl_->http) impl_->http->Stop();
}

}  // namespace trainyard
