#include "storage/s3_xml.h"

#include <charconv>

#include "storage/s3_time.h"
#include "storage/xml_tree.h"

namespace trainyard {
namespace {

Error BadReply(std::string_view what, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "unexpected " + std::string(what) + " reply from S3: " + std::string(why));
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

Result<ObjectInfo> ParseContents(const XmlElement& contents) {
  ObjectInfo info;
  info.key = contents.ChildText("Key");
  if (info.key.empty()) return BadReply("ListObjectsV2", "an entry without a Key");
  std::string size = contents.ChildText("Size");
  auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), info.size);
  if (ec != std::errc() || end != size.data() + size.size() || info.size < 0) {
    return BadReply("ListObjectsV2", "bad Size \"" + size + "\" for \"" + info.key + "\"");
  }
  std::optional<EpochMs> mtime = ParseIso8601Ms(contents.ChildText("LastModified"));
  if (!mtime) return BadReply("ListObjectsV2", "bad LastModified for \"" + info.key + "\"");
  info.mtime_ms = *mtime;
  return info;
}

}  // namespace

std::optional<S3ErrorDocument> ParseS3ErrorDocument(std::string_view body) {
  if (body.find("<Error") == std::string_view::npos) return std::nullopt;
  Result<XmlElement> root = ParseXml(body);
  if (!root.ok() || root->name != "Error") return std::nullopt;
  return S3ErrorDocument{root->ChildText("Code"), root->ChildText("Message")};
}

Result<S3ListPage> ParseListObjectsV2(std::string_view body) {
  Result<XmlElement> root = ParseXml(body);
  if (!root.ok()) return BadReply("ListObjectsV2", root.error().message);
  if (root->name != "ListBucketResult") return BadReply("ListObjectsV2", "root element " + root->name);
  S3ListPage page;
  for (const XmlElement& child : root->children) {
    if (child.name != "Contents") continue;
    TY_ASSIGN_OR_RETURN(ObjectInfo info, ParseContents(child));
    page.objects.push_back(std::move(info));
  }
  page.truncated = root->ChildText("IsTruncated") == "true";
  page.next_continuation_token = root->ChildText("NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    return BadReply("ListObjectsV2", "truncated without a NextContinuationToken");
  }
  return page;
}

Result<std::string> ParseUploadId(std::string_view body) {
  Result<XmlElement> root = ParseXml(body);
  if (!root.ok()) return BadReply("CreateMultipartUpload", root.error().message);
  std::string upload_id = root->ChildText("UploadId");
  if (root->name != "InitiateMultipartUploadResult" || upload_id.empty()) {
    return BadReply("CreateMultipartUpload", "no UploadId");
  }
  return upload_id;
}

std::string CompleteMultipartUploadBody(const std::vector<std::string>& part_etags) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < part_etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + XmlEscape(part_etags[i]) +
            "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  return body;
}

}  // namespace trainyard
