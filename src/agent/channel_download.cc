#include "agent/channel_download.h"

#include <algorithm>
#include <system_error>

#include "agent/contract_files.h"
#include "storage/transfer.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

// Errors that mean "the user's data is not there or not readable".
Error AsClientError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kNotFound:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kFailedPrecondition:
      return MakeError(ErrorCode::kInvalidArgument, error.message);
    default:
      return error;
  }
}

// The URI of the parent "directory" and the last segment, for a URI naming
// one object; nullopt when the URI has no last segment (a bucket, "/").
std::optional<std::pair<StorageUri, std::string>> SplitLastSegment(const StorageUri& uri) {
  size_t slash = uri.path.rfind('/');
  if (uri.scheme == StorageScheme::kFile) {
    if (uri.path == "/" || slash == std::string::npos) return std::nullopt;
    StorageUri parent = uri;
    parent.path = slash == 0 ? "/" : uri.path.substr(0, slash);
    return std::make_pair(parent, uri.path.substr(slash + 1));
  }
  if (uri.path.empty()) return std::nullopt;
  StorageUri parent = uri;
  parent.path = slash == std::string::npos ? "" : uri.path.substr(0, slash);
  return std::make_pair(parent, slash == std::string::npos ? uri.path : uri.path.substr(slash + 1));
}

size_t HostIndex(const Assignment& assignment) {
  std::vector<std::string> hosts = assignment.hosts;
  std::sort(hosts.begin(), hosts.end());
  auto it = std::find(hosts.begin(), hosts.end(), assignment.host);
  return it == hosts.end() ? 0 : static_cast<size_t>(it - hosts.begin());
}

Status DownloadObjects(ObjectStore& store, const std::vector<ObjectInfo>& objects,
                       const ChannelSpec& channel, const Assignment& assignment,
                       const fs::path& dir) {
  if (channel.distribution != "ShardedByS3Key") return DownloadPrefix(store, "", dir.string());
  size_t n = std::max<size_t>(assignment.hosts.size(), 1);
  for (size_t i = HostIndex(assignment); i < objects.size(); i += n) {
    TY_RETURN_IF_ERROR(store.GetFile(objects[i].key, (dir / objects[i].key).string()));
  }
  return Ok();
}

// A URI naming one object: that object, as <dir>/<its name>.
Status DownloadSingleObject(const StorageUri& uri, ObjectStoreOpener& opener, const fs::path& dir,
                            const Error& listing_error) {
  auto split = SplitLastSegment(uri);
  if (!split) return listing_error;
  TY_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> parent, opener.Open(split->first));
  Result<bool> exists = parent->Exists(split->second);
  if (!exists.ok()) return exists.error();
  if (!*exists) return listing_error;
  return parent->GetFile(split->second, (dir / split->second).string());
}

Status DownloadChannel(const ChannelSpec& channel, const Assignment& assignment,
                       const InstanceLayout& layout, ObjectStoreOpener& opener) {
  if (channel.s3_uri.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "only S3DataSource channels are supported (FileSystemDataSource is not)");
  }
  if (channel.input_mode == "Pipe") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "Pipe input mode is not supported; use File or FastFile");
  }
  TY_ASSIGN_OR_RETURN(StorageUri uri, ParseStorageUri(channel.s3_uri));
  TY_ASSIGN_OR_RETURN(fs::path dir, layout.channel_dir(channel.name));
  std::error_code ec;
  fs::remove_all(dir, ec);  // never follows symlinks
  if (ec) return MakeError(ErrorCode::kInternal, "emptying " + dir.string() + ": " + ec.message());
  TY_RETURN_IF_ERROR(CreateDirectoryBelow(layout.ml_root, dir));

  TY_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, opener.Open(uri));
  Result<std::vector<ObjectInfo>> objects = store->List("");
  if (objects.ok() && !objects->empty()) {
    return DownloadObjects(*store, *objects, channel, assignment, dir);
  }
  Error nothing = objects.ok() ? MakeError(ErrorCode::kInvalidArgument, "no data found")
                               : objects.error();
  return DownloadSingleObject(uri, opener, dir, nothing);
}

}  // namespace

Status DownloadChannels(const Assignment& assignment, const InstanceLayout& layout,
                        ObjectStoreOpener& opener) {
  TY_ASSIGN_OR_RETURN(std::vector<ChannelSpec> channels, ChannelSpecs(assignment.request));
  for (const ChannelSpec& channel : channels) {
    Status status = DownloadChannel(channel, assignment, layout, opener);
    if (!status.ok()) {
      return AsClientError(status.error())
          .WithContext("channel '" + channel.name + "' (" + channel.s3_uri + ")");
    }
  }
  return Ok();
}

}  // namespace trainyard
