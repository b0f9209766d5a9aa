#include "storage/s3_object_store.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>

#include "storage/local_fs.h"
#include "storage/s3_download.h"
#include "storage/s3_time.h"
#include "storage/s3_upload.h"
#include "storage/s3_xml.h"

namespace trainyard {
namespace {

int64_t ParseLength(const std::string& text) {
  int64_t value = -1;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Create(const StorageUri& root, const S3Options& options,
                                                             std::shared_ptr<Sleeper> sleeper,
                                                             uint64_t jitter_seed) {
  if (root.scheme != StorageScheme::kS3) {
    return MakeError(ErrorCode::kInvalidArgument, "S3ObjectStore needs an s3:// URI, not " + root.ToString());
  }
  TY_RETURN_IF_ERROR(ValidateS3Options(options));
  TY_ASSIGN_OR_RETURN(S3BucketAddress address, S3BucketAddress::Create(options, root.bucket));
  auto s3 = std::make_unique<S3Requester>(options, std::move(address), *sleeper, jitter_seed);
  return std::unique_ptr<S3ObjectStore>(
      new S3ObjectStore(root, options.list_without_slash, std::move(sleeper), std::move(s3)));
}

S3ObjectStore::S3ObjectStore(StorageUri root, bool list_without_slash, std::shared_ptr<Sleeper> sleeper,
                             std::unique_ptr<S3Requester> s3)
    : root_(std::move(root)),
      key_prefix_(root_.path.empty() ? "" : root_.path + "/"),
      list_without_slash_(list_without_slash),
      sleeper_(std::move(sleeper)),
      s3_(std::move(s3)) {}

std::string S3ObjectStore::Uri() const { return root_.ToString(); }

std::string S3ObjectStore::FullKey(std::string_view key) const { return key_prefix_ + std::string(key); }

std::string S3ObjectStore::ObjectUri(std::string_view key) const {
  return "s3://" + root_.bucket + "/" + FullKey(key);
}

Status S3ObjectStore::PutFile(std::string_view key, const std::string& local_path) {
  const std::string context = "putting " + local_path + " to " + ObjectUri(key);
  Status valid = ValidateObjectKey(key);
  if (!valid.ok()) return valid.error().WithContext(context);
  UniqueFd file(open(local_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (file.get() < 0) return ErrnoError(errno, "reading " + local_path).WithContext(context);
  struct stat st;
  if (fstat(file.get(), &st) != 0) return ErrnoError(errno, "stat " + local_path).WithContext(context);
  if (!S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, local_path + " is not a regular file").WithContext(context);
  }
  Status status = S3PutObject(*s3_, FullKey(key), ObjectUri(key), file.get(), st.st_size);
  if (!status.ok()) return status.error().WithContext(context);
  return Ok();
}

Status S3ObjectStore::GetFile(std::string_view key, const std::string& local_path) {
  const std::string context = "getting " + ObjectUri(key) + " into " + local_path;
  Status valid = ValidateObjectKey(key);
  if (!valid.ok()) return valid.error().WithContext(context);
  std::filesystem::path path(local_path);
  std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") {
    return MakeError(ErrorCode::kInvalidArgument, "the local path must name a file").WithContext(context);
  }
  std::string parent = path.has_parent_path() ? path.parent_path().string() : ".";
  UniqueFd dir;
  std::optional<PartialFile> out;  // destroyed before `dir`, which it names
  auto open_output = [&]() -> Result<int> {
    Status made = CreateDirectories(parent);
    if (!made.ok()) return made.error().WithContext("cannot create the local directory " + parent);
    TY_ASSIGN_OR_RETURN(dir, OpenDirectory(parent));
    TY_ASSIGN_OR_RETURN(PartialFile file, PartialFile::Create(dir.get()));
    out.emplace(std::move(file));
    return out->fd();
  };
  Result<S3Download> download = S3Download::Start(*s3_, FullKey(key), ObjectUri(key), open_output);
  if (!download.ok()) return download.error().WithContext(context);
  Status status = download->Finish();
  if (status.ok()) status = out->Commit(name, 0644);
  if (!status.ok()) return status.error().WithContext(context);
  return Ok();
}

Result<std::vector<ObjectInfo>> S3ObjectStore::List(std::string_view prefix) {
  const std::string context = "listing " + ObjectUri(prefix);
  Status valid = ValidateListPrefix(prefix);
  if (!valid.ok()) return valid.error().WithContext(context);
  std::vector<ObjectInfo> objects;
  const std::string wanted = FullKey(prefix);
  std::string asked = wanted;
  if (list_without_slash_) asked = asked.substr(0, asked.find('/'));
  std::string token;
  do {
    S3Call call;
    call.query = {{"list-type", "2"}, {"prefix", asked}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    Result<HttpResponse> reply = s3_->Send(call, ObjectUri(prefix));
    if (!reply.ok()) return reply.error().WithContext(context);
    Result<S3ListPage> page = ParseListObjectsV2(reply->body);
    if (!page.ok()) return page.error().WithContext(context);
    for (ObjectInfo& info : page->objects) {
      if (!info.key.starts_with(key_prefix_) || !info.key.starts_with(wanted)) continue;
      info.key.erase(0, key_prefix_.size());
      objects.push_back(std::move(info));
    }
    token = page->truncated ? page->next_continuation_token : "";
  } while (!token.empty());
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

Status S3ObjectStore::Copy(std::string_view from_key, std::string_view to_key) {
  const std::string context = "copying " + ObjectUri(from_key) + " to " + ObjectUri(to_key);
  for (std::string_view key : {from_key, to_key}) {
    Status valid = ValidateObjectKey(key);
    if (!valid.ok()) return valid.error().WithContext(context);
  }
  if (from_key == to_key) {  // S3 refuses to copy an object onto itself unchanged
    Result<ObjectInfo> head = Head(from_key);
    if (!head.ok()) return head.error();
    return Ok();
  }
  S3Call call;
  call.method = "PUT";
  call.key = FullKey(to_key);
  call.headers = {"x-amz-copy-source: " + s3_->address().CopySource(FullKey(from_key))};
  call.error_may_come_with_200 = true;
  Result<HttpResponse> reply = s3_->Send(call, ObjectUri(from_key));
  if (!reply.ok()) return reply.error().WithContext(context);
  return Ok();
}

Status S3ObjectStore::Delete(std::string_view key) {
  const std::string context = "deleting " + ObjectUri(key);
  Status valid = ValidateObjectKey(key);
  if (!valid.ok()) return valid.error().WithContext(context);
  S3Call call;
  call.method = "DELETE";
  call.key = FullKey(key);
  Result<HttpResponse> reply = s3_->Send(call, ObjectUri(key));
  if (!reply.ok() && reply.error().code != ErrorCode::kNotFound) return reply.error().WithContext(context);
  return Ok();
}

Result<ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  const std::string context = "head " + ObjectUri(key);
  Status valid = ValidateObjectKey(key);
  if (!valid.ok()) return valid.error().WithContext(context);
  S3Call call;
  call.method = "HEAD";
  call.key = FullKey(key);
  Result<HttpResponse> reply = s3_->Send(call, ObjectUri(key));
  if (!reply.ok()) return reply.error().WithContext(context);
  int64_t size = ParseLength(reply->Header("content-length"));
  std::optional<EpochMs> mtime = ParseHttpDateMs(reply->Header("last-modified"));
  if (size < 0 || !mtime) {
    return MakeError(ErrorCode::kUnavailable, "a HEAD reply without Content-Length or Last-Modified")
        .WithContext(context);
  }
  return ObjectInfo{std::string(key), size, *mtime};
}

Status S3ObjectStore::CreateBucket() {
  const std::string uri = "s3://" + root_.bucket;
  std::string body;
  if (s3_->options().region != "us-east-1") {
    body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
           s3_->options().region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  S3Call call;
  call.method = "PUT";
  call.body = body;
  call.statuses_for_caller = {409};
  Result<HttpResponse> reply = s3_->Send(call, uri);
  if (!reply.ok()) return reply.error().WithContext("creating bucket " + uri);
  if (reply->status == 409) {
    std::optional<S3ErrorDocument> error = ParseS3ErrorDocument(reply->body);
    if (error && error->code == "BucketAlreadyOwnedByYou") return Ok();
    return MakeError(ErrorCode::kAlreadyExists, "creating bucket " + uri + ": S3 " +
                                                    (error ? error->code + ": " + error->message : "409"));
  }
  return Ok();
}

}  // namespace trainyard
