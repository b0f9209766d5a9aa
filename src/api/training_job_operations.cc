#include "api/training_job_operations.h"

#include <utility>

namespace trainyard {
namespace {

using Method = Result<Json> (TrainingJobService::*)(const Json&);

constexpr std::pair<std::string_view, Method> kOperations[] = {
    {"CreateTrainingJob", &TrainingJobService::CreateTrainingJob},
    {"DescribeTrainingJob", &TrainingJobService::DescribeTrainingJob},
    {"ListTrainingJobs", &TrainingJobService::ListTrainingJobs},
    {"StopTrainingJob", &TrainingJobService::StopTrainingJob},
    {"UpdateTrainingJob", &TrainingJobService::UpdateTrainingJob},
    {"AddTags", &TrainingJobService::AddTags},
    {"ListTags", &TrainingJobService::ListTags},
    {"DeleteTags", &TrainingJobService::DeleteTags},
};

}  // namespace

void RegisterTrainingJobOperations(ApiHandler& api, TrainingJobService& service) {
  for (const auto& [name, method] : kOperations) {
    api.Register(std::string(name), [&service, method = method](const Json& request) {
      return (service.*method)(request);
    });
  }
}

const std::vector<std::string_view>& TrainingJobOperationNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& [name, method] : kOperations) out.push_back(name);
    return out;
  }();
  return names;
}

}  // namespace trainyard
