#include "controller/store_artifact_packer.h"

#include <filesystem>

#include "storage/open_object_store.h"
#include "storage/storage_uri.h"
#include "storage/tarball.h"
#include "storage/transfer.h"

namespace trainyard {
namespace {

Result<StorageUri> OutputUri(const TrainingJob& job) {
  std::string output = GetString(job.request.value("OutputDataConfig", Json::object()), "S3OutputPath");
  Result<StorageUri> uri = ParseStorageUri(output);
  if (!uri.ok()) return uri.error().WithContext("OutputDataConfig.S3OutputPath");
  return uri;
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> StoreArtifactPacker::OpenStore(const StorageUri& uri) const {
  if (uri.scheme == StorageScheme::kFile) {
    std::error_code ec;
    std::filesystem::create_directories(uri.path, ec);
    if (ec) return MakeError(ErrorCode::kUnavailable, "creating " + uri.path + ": " + ec.message());
  }
  return OpenObjectStore(uri, s3_);
}

Result<std::string> StoreArtifactPacker::StagingUri(const TrainingJob& job) {
  TY_ASSIGN_OR_RETURN(StorageUri uri, OutputUri(job));
  return uri.ToString() + "/" + job.name + "/output/.staging";
}

Result<std::string> StoreArtifactPacker::Pack(const TrainingJob& job) {
  TY_ASSIGN_OR_RETURN(StorageUri uri, OutputUri(job));
  TY_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, OpenStore(uri));
  namespace fs = std::filesystem;
  std::string scratch = scratch_dir_ + "/" + job.name;
  std::error_code ec;
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch + "/model", ec);
  fs::create_directories(scratch + "/data", ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "creating " + scratch + ": " + ec.message());
  std::string staging = job.name + "/output/.staging";
  TY_RETURN_IF_ERROR(DownloadPrefix(*store, staging + "/model", scratch + "/model"));
  TY_RETURN_IF_ERROR(DownloadPrefix(*store, staging + "/data", scratch + "/data"));
  TY_RETURN_IF_ERROR(WriteTarGz({{scratch + "/model", ""}}, scratch + "/model.tar.gz"));
  TY_RETURN_IF_ERROR(WriteTarGz({{scratch + "/data", ""}}, scratch + "/output.tar.gz"));
  std::string model_key = job.name + "/output/model.tar.gz";
  TY_RETURN_IF_ERROR(store->PutFile(model_key, scratch + "/model.tar.gz"));
  TY_RETURN_IF_ERROR(store->PutFile(job.name + "/output/output.tar.gz", scratch + "/output.tar.gz"));
  TY_ASSIGN_OR_RETURN(std::vector<ObjectInfo> staged, store->List(staging + "/"));
  for (const ObjectInfo& object : staged) TY_RETURN_IF_ERROR(store->Delete(object.key));
  fs::remove_all(scratch, ec);
  return uri.ToString() + "/" + model_key;
}

}  // namespace trainyard
