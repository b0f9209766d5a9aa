#include "agent/submit_directory.h"

#include <sys/stat.h>

#include <system_error>

#include "agent/contract_files.h"
#include "agent/toolkit_values.h"
#include "storage/transfer.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

bool IsArchiveName(std::string_view name) {
  return name.ends_with(".tar.gz") || name.ends_with(".tgz");
}

Result<StorageUri> SubmitUri(const std::string& submit) {
  if (!submit.empty() && submit.front() == '/') return ParseStorageUri("file://" + submit);
  return ParseStorageUri(submit);
}

// The URI's parent and last segment (for a single archive object).
Result<std::pair<StorageUri, std::string>> SplitArchiveUri(const StorageUri& uri) {
  size_t slash = uri.path.rfind('/');
  StorageUri parent = uri;
  std::string name;
  if (uri.scheme == StorageScheme::kFile) {
    parent.path = slash == 0 ? "/" : uri.path.substr(0, slash);
    name = uri.path.substr(slash + 1);
  } else {
    parent.path = slash == std::string::npos ? "" : uri.path.substr(0, slash);
    name = slash == std::string::npos ? uri.path : uri.path.substr(slash + 1);
  }
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "names no archive");
  return std::make_pair(parent, name);
}

Status FetchArchive(const StorageUri& uri, const InstanceLayout& layout,
                    ObjectStoreOpener& opener) {
  if (uri.scheme == StorageScheme::kFile) {  // extract in place, no copy
    return opener.ExtractArchive(uri.path, layout.code_dir().string());
  }
  TY_ASSIGN_OR_RETURN(auto split, SplitArchiveUri(uri));
  TY_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, opener.Open(split.first));
  const fs::path temp = layout.ml_root / ".ty-submit-directory.tar.gz";
  Status status = store->GetFile(split.second, temp.string());
  if (status.ok()) status = opener.ExtractArchive(temp.string(), layout.code_dir().string());
  std::error_code ec;
  fs::remove(temp, ec);
  return status;
}

Status FetchDirectory(const StorageUri& uri, const InstanceLayout& layout,
                      ObjectStoreOpener& opener) {
  TY_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, opener.Open(uri));
  TY_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store->List(""));
  if (objects.empty()) return MakeError(ErrorCode::kInvalidArgument, "not found or empty");
  return DownloadPrefix(*store, "", layout.code_dir().string());
}

Status MakeProgramExecutable(const Json& request, const InstanceLayout& layout) {
  std::string program = ScriptModeParameter(request, "sagemaker_program");
  if (program.empty() || fs::path(program).is_absolute()) return Ok();
  fs::path path = layout.code_dir() / program;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return Ok();  // BuildCommand says why
  ::chmod(path.c_str(), (st.st_mode & 07777) | S_IXUSR);
  return Ok();
}

Error AsClientError(const Error& error) {
  if (error.code == ErrorCode::kNotFound || error.code == ErrorCode::kFailedPrecondition) {
    return MakeError(ErrorCode::kInvalidArgument, error.message);
  }
  return error;
}

}  // namespace

std::string ScriptModeParameter(const Json& request, std::string_view key) {
  auto hps = request.find("HyperParameters");
  if (hps == request.end() || !hps->is_object()) return "";
  auto it = hps->find(key);
  if (it == hps->end() || !it->is_string()) return "";
  OrderedJson value = LoadHyperparameterValue(it->get_ref<const std::string&>());
  return value.is_string() ? value.get<std::string>() : PythonStr(value);
}

Status StageSubmitDirectory(const Json& request, const InstanceLayout& layout,
                            ObjectStoreOpener& opener) {
  std::string submit = ScriptModeParameter(request, "sagemaker_submit_directory");
  if (submit.empty()) return Ok();
  auto fail = [&](const Error& e) {
    return AsClientError(e).WithContext("sagemaker_submit_directory '" + submit + "'");
  };
  Result<StorageUri> uri = SubmitUri(submit);
  if (!uri.ok()) return fail(uri.error());

  std::error_code ec;
  fs::remove_all(layout.code_dir(), ec);  // never follows symlinks
  if (ec) return fail(MakeError(ErrorCode::kInternal, "emptying the code dir: " + ec.message()));
  Status made = CreateDirectoryBelow(layout.ml_root, layout.code_dir());
  if (!made.ok()) return made.error().WithContext("preparing the code dir");

  Status fetched = IsArchiveName(uri->path) ? FetchArchive(*uri, layout, opener)
                                            : FetchDirectory(*uri, layout, opener);
  if (!fetched.ok()) return fail(fetched.error());
  return MakeProgramExecutable(request, layout);
}

}  // namespace trainyard
