#include "storage/s3_upload.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <span>
#include <vector>

#include "storage/local_fs.h"
#include "storage/md5.h"
#include "storage/parallel_for.h"
#include "storage/s3_xml.h"

namespace trainyard {
namespace {

constexpr int64_t kMaxParts = 10'000;
constexpr int64_t kMaxSinglePut = int64_t{5} << 30;  // S3's limit for one PUT
constexpr size_t kHashChunk = 1 << 20;
constexpr char kContentType[] = "Content-Type: application/octet-stream";

// One pread, retried on EINTR; 0 at the end of the file.
Result<size_t> PreadSome(int fd, std::span<char> buffer, int64_t offset) {
  while (true) {
    ssize_t n = pread(fd, buffer.data(), buffer.size(), offset);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return ErrnoError(errno, "reading the local file");
  }
}

Error BecameShorter(int64_t end) {
  return MakeError(ErrorCode::kUnavailable, "the local file became shorter while it was uploaded (ended at " +
                                                std::to_string(end) + " bytes)");
}

// Reads exactly `length` bytes at `offset` into `buffer`.
Status ReadAt(int fd, int64_t offset, int64_t length, std::string* buffer) {
  buffer->resize(static_cast<size_t>(length));
  int64_t done = 0;
  while (done < length) {
    std::span<char> rest(buffer->data() + done, static_cast<size_t>(length - done));
    TY_ASSIGN_OR_RETURN(size_t n, PreadSome(fd, rest, offset + done));
    if (n == 0) return BecameShorter(offset + done);
    done += static_cast<int64_t>(n);
  }
  return Ok();
}

// From a raw (16-byte) MD5 digest.
std::string ContentMd5Header(std::string_view md5) { return "Content-MD5: " + Base64Encode(md5); }

// The raw MD5 of the first `size` bytes of `fd`, read in 1 MiB chunks.
Result<std::string> Md5OfFile(int fd, int64_t size) {
  std::vector<char> buffer(kHashChunk);
  Md5 md5;
  for (int64_t offset = 0; offset < size;) {
    std::span<char> chunk(buffer.data(), static_cast<size_t>(std::min<int64_t>(size - offset, kHashChunk)));
    TY_ASSIGN_OR_RETURN(size_t n, PreadSome(fd, chunk, offset));
    if (n == 0) return BecameShorter(offset);
    md5.Update(std::string_view(buffer.data(), n));
    offset += static_cast<int64_t>(n);
  }
  return md5.Finish();
}

// kUnavailable if the file has bytes past `size` (it grew while it was read).
Status CheckNotGrown(int fd, int64_t size) {
  char probe;
  TY_ASSIGN_OR_RETURN(size_t more, PreadSome(fd, std::span<char>(&probe, 1), size));
  if (more == 0) return Ok();
  return MakeError(ErrorCode::kUnavailable,
                   "the local file grew while it was uploaded (it had " + std::to_string(size) + " bytes)");
}

// Body bytes of a streamed PUT, straight from the file into libcurl's
// buffer. A file that ends before `size` or goes on past it is an error, so
// the request is cut short and the server stores nothing; bytes that changed
// in place fail the server's Content-MD5 check.
Result<size_t> ReadBody(int fd, int64_t size, int64_t offset, std::span<char> buffer) {
  TY_ASSIGN_OR_RETURN(size_t n, PreadSome(fd, buffer, offset));
  if (n == 0) return BecameShorter(offset);
  if (offset + static_cast<int64_t>(n) == size) TY_RETURN_IF_ERROR(CheckNotGrown(fd, size));
  return n;
}

// One PUT whose body is read from the file as it is sent: a first pass
// computes Content-MD5, the second streams (again on every retry).
Status PutStreamed(S3Requester& s3, const std::string& key, const std::string& uri, int fd, int64_t size) {
  TY_ASSIGN_OR_RETURN(std::string md5, Md5OfFile(fd, size));
  HttpBodySource body;
  body.size = size;
  body.read = [fd, size](int64_t offset, std::span<char> buffer) { return ReadBody(fd, size, offset, buffer); };
  S3Call call;
  call.method = "PUT";
  call.key = key;
  call.headers = {ContentMd5Header(md5), kContentType};
  call.body_source = &body;
  Result<HttpResponse> sent = s3.Send(call, uri);
  if (!sent.ok()) return sent.error();
  return Ok();
}

// One multipart upload in progress.
class MultipartUpload {
 public:
  MultipartUpload(S3Requester& s3, const std::string& key, const std::string& uri, std::string upload_id)
      : s3_(s3), key_(key), uri_(uri), upload_id_(std::move(upload_id)) {}

  Status SendParts(int fd, int64_t size, int64_t part_size);
  Status Complete();
  // Aborts the upload; `cause` is returned with what the abort said added.
  Error Abort(const Error& cause);

 private:
  S3Query UploadQuery() const { return {{"uploadId", upload_id_}}; }

  S3Requester& s3_;
  const std::string& key_;
  const std::string& uri_;
  const std::string upload_id_;
  std::vector<std::string> etags_;
};

Status MultipartUpload::SendParts(int fd, int64_t size, int64_t part_size) {
  const int parts = static_cast<int>((size + part_size - 1) / part_size);
  etags_.assign(parts, "");
  const int workers = std::min(s3_.options().parallelism, parts);
  std::vector<std::string> buffers(workers);
  return ParallelFor(parts, workers, [&](int index, int worker) -> Status {
    const std::string context = "part " + std::to_string(index + 1) + " of " + std::to_string(parts);
    int64_t offset = index * part_size;
    std::string& buffer = buffers[worker];
    Status read = ReadAt(fd, offset, std::min(part_size, size - offset), &buffer);
    if (!read.ok()) return read.error().WithContext(context);
    S3Call call;
    call.method = "PUT";
    call.key = key_;
    call.query = {{"partNumber", std::to_string(index + 1)}, {"uploadId", upload_id_}};
    call.headers = {ContentMd5Header(Md5Digest(buffer))};
    call.body = buffer;
    Result<HttpResponse> sent = s3_.Send(call, uri_);
    if (!sent.ok()) return sent.error().WithContext(context);
    etags_[index] = sent->Header("etag");
    if (etags_[index].empty()) return MakeError(ErrorCode::kUnavailable, context + ": the reply had no ETag");
    return Ok();
  });
}

Status MultipartUpload::Complete() {
  std::string body = CompleteMultipartUploadBody(etags_);
  S3Call call;
  call.method = "POST";
  call.key = key_;
  call.query = UploadQuery();
  call.headers = {"Content-Type: application/xml"};
  call.body = body;
  call.error_may_come_with_200 = true;
  Result<HttpResponse> sent = s3_.Send(call, uri_);
  if (!sent.ok()) return sent.error().WithContext("completing the multipart upload");
  return Ok();
}

Error MultipartUpload::Abort(const Error& cause) {
  S3Call call;
  call.method = "DELETE";
  call.key = key_;
  call.query = UploadQuery();
  Result<HttpResponse> aborted = s3_.Send(call, uri_);
  if (aborted.ok()) return cause;
  return MakeError(cause.code, cause.message + " (aborting the multipart upload failed too: " +
                                   aborted.error().message + ")");
}

Result<std::string> StartUpload(S3Requester& s3, const std::string& key, const std::string& uri) {
  S3Call call;
  call.method = "POST";
  call.key = key;
  call.query = {{"uploads", ""}};
  call.headers = {kContentType};
  Result<HttpResponse> sent = s3.Send(call, uri);
  if (!sent.ok()) return sent.error().WithContext("starting a multipart upload");
  return ParseUploadId(sent->body);
}

Status CheckStoredSize(S3Requester& s3, const std::string& key, const std::string& uri, int64_t size) {
  S3Call call;
  call.method = "HEAD";
  call.key = key;
  Result<HttpResponse> head = s3.Send(call, uri);
  if (!head.ok()) return head.error().WithContext("checking the stored object");
  std::string length = head->Header("content-length");
  int64_t stored = -1;
  std::from_chars(length.data(), length.data() + length.size(), stored);
  if (stored != size) {
    return MakeError(ErrorCode::kInternal, "the stored object has " + length + " bytes, expected " +
                                               std::to_string(size));
  }
  return Ok();
}

Status PutMultipart(S3Requester& s3, const std::string& key, const std::string& uri, int fd, int64_t size) {
  int64_t part_size = std::max(s3.options().part_size_bytes, (size + kMaxParts - 1) / kMaxParts);
  TY_ASSIGN_OR_RETURN(std::string upload_id, StartUpload(s3, key, uri));
  MultipartUpload upload(s3, key, uri, std::move(upload_id));
  Status status = upload.SendParts(fd, size, part_size);
  if (status.ok()) status = CheckNotGrown(fd, size);
  if (status.ok()) status = upload.Complete();
  if (!status.ok()) return upload.Abort(status.error());
  return CheckStoredSize(s3, key, uri, size);
}

}  // namespace

Status S3PutObject(S3Requester& s3, const std::string& key, const std::string& uri, int fd, int64_t size) {
  if (size <= std::min(s3.options().multipart_threshold_bytes, kMaxSinglePut)) {
    return PutStreamed(s3, key, uri, fd, size);
  }
  return PutMultipart(s3, key, uri, fd, size);
}

}  // namespace trainyard
