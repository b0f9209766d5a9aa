#include "storage/s3_download.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <mutex>
#include <vector>
#include <optional>

#include "common/crypto.h"
#include "common/strings.h"
#include "storage/local_fs.h"
#include "storage/md5.h"
#include "storage/parallel_for.h"

namespace trainyard {
namespace {

constexpr size_t kReadBackChunk = 1 << 20;

Status PwriteAll(int fd, std::string_view data, int64_t offset) {
  while (!data.empty()) {
    ssize_t n = pwrite(fd, data.data(), data.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "writing the local file");
    data.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  return Ok();
}

std::optional<int64_t> ParseNumber(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// The total size in a Content-Range header: "bytes 0-99/1234" -> 1234.
std::optional<int64_t> TotalFromContentRange(std::string_view header) {
  size_t slash = header.rfind('/');
  if (!header.starts_with("bytes ") || slash == std::string_view::npos) return std::nullopt;
  return ParseNumber(header.substr(slash + 1));
}

// The lowercase hex MD5 an ETag stands for, or "" when it is not a plain MD5
// of the content (multipart ETags end in "-N"; KMS and customer-key
// encryption give ETags that are not the content's MD5).
std::string PlainMd5Of(const HttpResponse& reply) {
  std::string etag = reply.Header("etag");
  if (etag.size() == 34 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, 32);
  if (etag.size() != 32) return "";
  for (char& c : etag) {
    c = ToLower(c);
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return "";
  }
  if (reply.Header("x-amz-server-side-encryption") == "aws:kms" ||
      !reply.Header("x-amz-server-side-encryption-customer-algorithm").empty()) {
    return "";
  }
  return etag;
}

Error Changed(std::string_view why) {
  return MakeError(ErrorCode::kUnavailable, "the download is inconsistent: " + std::string(why));
}

// The MD5 of a file whose ranged parts are written in parallel, each part
// front to back. The digest follows the written prefix of the file: whichever
// worker comes by when it can advance does the hashing (its own chunk from
// memory when the digest has reached it, bytes written earlier read back from
// the file) while the others carry on downloading. So the digest runs
// alongside the download and is done soon after the last byte arrives.
class InOrderMd5 {
 public:
  // Parts are [start + i * part_size, ...) up to `end`; `md5` has hashed
  // everything before `start` and must outlive this object.
  InOrderMd5(int fd, int64_t start, int64_t part_size, int64_t end, Md5& md5)
      : fd_(fd), start_(start), part_size_(part_size), end_(end), md5_(md5), hashed_(start) {
    parts_ = static_cast<int>((end - start + part_size - 1) / part_size);
    written_.assign(parts_, 0);
  }

  // `chunk` has just been written at `offset` in part `index`, after every
  // earlier byte of that part (a retried part may write bytes again).
  Status Written(int index, int64_t offset, std::string_view chunk) {
    std::unique_lock<std::mutex> lock(mu_);
    const int64_t chunk_end = offset + static_cast<int64_t>(chunk.size());
    written_[index] = std::max(written_[index], chunk_end - PartStart(index));
    while (frontier_ < parts_ && written_[frontier_] == PartLength(frontier_)) ++frontier_;
    if (hashing_) return Ok();  // the thread hashing now will come to it
    hashing_ = true;
    Status status = Ok();
    for (int64_t prefix = Prefix(); status.ok() && hashed_ < prefix; prefix = Prefix()) {
      const int64_t from = hashed_;
      int64_t to = prefix;
      lock.unlock();
      if (offset <= from && from < chunk_end) {
        to = std::min(to, chunk_end);
        md5_.Update(chunk.substr(static_cast<size_t>(from - offset), static_cast<size_t>(to - from)));
      } else {
        if (from < offset && offset < to) to = offset;  // the rest is in hand
        status = HashRange(from, to - from);
      }
      lock.lock();
      hashed_ = to;
    }
    hashing_ = false;
    return status;
  }

 private:
  int64_t PartStart(int index) const { return start_ + static_cast<int64_t>(index) * part_size_; }
  int64_t PartLength(int index) const { return std::min(part_size_, end_ - PartStart(index)); }
  // The end of the bytes written contiguously from the start; under mu_.
  int64_t Prefix() const { return frontier_ == parts_ ? end_ : PartStart(frontier_) + written_[frontier_]; }

  Status HashRange(int64_t offset, int64_t length) {
    buffer_.resize(kReadBackChunk);
    while (length > 0) {
      ssize_t n = pread(fd_, buffer_.data(), std::min<int64_t>(length, kReadBackChunk), offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError(errno, "reading back the local file");
      if (n == 0) return Changed("the local file is shorter than the object");
      md5_.Update(std::string_view(buffer_.data(), static_cast<size_t>(n)));
      offset += n;
      length -= n;
    }
    return Ok();
  }

  const int fd_;
  const int64_t start_, part_size_, end_;
  Md5& md5_;  // used by the one thread that is hashing
  int parts_ = 0;
  std::mutex mu_;
  std::vector<int64_t> written_;  // per part, bytes written from its start
  int frontier_ = 0;              // the first part not completely written
  int64_t hashed_;                // the digest covers [0, hashed_)
  bool hashing_ = false;
  std::string buffer_;  // used by the one thread that is hashing
};

}  // namespace

Result<S3Download> S3Download::Start(S3Requester& s3, std::string key, std::string uri,
                                     const OpenOutput& open_output) {
  S3Download download(s3, std::move(key), std::move(uri));
  TY_RETURN_IF_ERROR(download.FetchFirstPart(open_output));
  return download;
}

Status S3Download::FetchFirstPart(const OpenOutput& open_output) {
  Status opened = Ok();
  auto open_once = [&]() -> bool {
    if (fd_ >= 0) return true;
    Result<int> fd = open_output();
    if (!fd.ok()) opened = fd.error();
    if (fd.ok()) fd_ = *fd;
    return fd.ok();
  };
  int64_t written = 0;
  S3Call call = FirstPartCall(open_once, &written);
  Result<HttpResponse> reply = s3_->Send(call, uri_);
  if (opened.ok() && reply.ok() && reply->status == 416) {  // empty: get it whole, to be sure
    call.headers.clear();
    call.statuses_for_caller.clear();
    reply = s3_->Send(call, uri_);
  }
  if (!opened.ok()) return opened.error();
  if (!reply.ok()) return reply.error();
  size_ = written;
  if (reply->status == 206) {
    std::optional<int64_t> total = TotalFromContentRange(reply->Header("content-range"));
    if (!total) return Changed("a partial reply without a usable Content-Range");
    size_ = *total;
    if (*total == 0) written = 0;
    if (written != std::min(s3_->options().part_size_bytes, *total)) return Changed("short first part");
  }
  first_part_size_ = written;
  etag_ = reply->Header("etag");
  expected_md5_ = PlainMd5Of(*reply);
  if (!open_once()) return opened.error();  // an empty object has no body to open it for
  return Ok();
}

S3Call S3Download::FirstPartCall(const std::function<bool()>& open_once, int64_t* written) {
  const int64_t part_size = s3_->options().part_size_bytes;
  S3Call call;
  call.key = key_;
  call.headers = {"Range: bytes=0-" + std::to_string(part_size - 1)};
  call.statuses_for_caller = {416};  // S3's answer to a range on an empty object
  call.want_body = [this, open_once](const HttpResponse& head) {
    if (head.status < 200 || head.status >= 300) return true;  // an error document
    // s3rver answers a range on an empty object with a 206 announcing one
    // byte it never sends.
    if (head.status == 206 && TotalFromContentRange(head.Header("content-range")) == 0) return false;
    expected_md5_ = PlainMd5Of(head);
    return open_once();
  };
  call.before_attempt = [this, written] {
    *written = 0;
    md5_->Reset();
  };
  call.body_sink = [this, written, part_size](std::string_view chunk) -> Status {
    if (*written + static_cast<int64_t>(chunk.size()) > part_size) {
      return MakeError(ErrorCode::kFailedPrecondition, "the server ignored the Range header");
    }
    TY_RETURN_IF_ERROR(PwriteAll(fd_, chunk, *written));
    if (!expected_md5_.empty()) md5_->Update(chunk);
    *written += static_cast<int64_t>(chunk.size());
    return Ok();
  };
  return call;
}

Status S3Download::Finish() {
  const int64_t first = first_part_size_;
  // Bytes past the end (from an earlier attempt at a longer object) go.
  if (ftruncate(fd_, size_) != 0) return ErrnoError(errno, "sizing the local file");
  const int64_t part_size = s3_->options().part_size_bytes;
  const int64_t rest = size_ - first;
  const int parts = static_cast<int>((rest + part_size - 1) / part_size);
  InOrderMd5 md5(fd_, first, part_size, size_, *md5_);
  TY_RETURN_IF_ERROR(ParallelFor(parts, s3_->options().parallelism, [&](int index, int) -> Status {
    int64_t offset = first + index * part_size;
    ChunkWritten hash;
    if (!expected_md5_.empty()) {
      hash = [&md5, index](int64_t at, std::string_view chunk) { return md5.Written(index, at, chunk); };
    }
    return FetchRange(offset, std::min(part_size, size_ - offset), hash);
  }));
  if (expected_md5_.empty()) return Ok();
  std::string actual = HexEncode(md5_->Finish());
  if (actual != expected_md5_) {
    return Changed("MD5 of the received bytes is " + actual + ", the ETag says " + expected_md5_);
  }
  return Ok();
}

Status S3Download::FetchRange(int64_t offset, int64_t length, const ChunkWritten& written_hook) {
  const std::string range = std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  const std::string context = "bytes " + range;
  int64_t written = 0;
  S3Call call;
  call.key = key_;
  call.headers = {"Range: bytes=" + range};
  if (!etag_.empty()) call.headers.push_back("If-Match: " + etag_);
  call.statuses_for_caller = {412};
  call.before_attempt = [&written] { written = 0; };
  call.body_sink = [&](std::string_view chunk) -> Status {
    if (written + static_cast<int64_t>(chunk.size()) > length) return Changed("more bytes than asked for");
    TY_RETURN_IF_ERROR(PwriteAll(fd_, chunk, offset + written));
    if (written_hook) TY_RETURN_IF_ERROR(written_hook(offset + written, chunk));
    written += static_cast<int64_t>(chunk.size());
    return Ok();
  };
  Result<HttpResponse> reply = s3_->Send(call, uri_);
  if (!reply.ok()) return reply.error().WithContext(context);
  if (reply->status == 412) return Changed("the object changed while it was downloaded");
  if (reply->status != 206 || written != length) {
    return Changed(context + ": got " + std::to_string(written) + " bytes with status " +
                   std::to_string(reply->status));
  }
  return Ok();
}

}  // namespace trainyard
