#include "agent/instance_layout.h"

#include <string>

namespace trainyard {
namespace {

namespace fs = std::filesystem;

bool HasDotDot(const fs::path& p) {
  for (const fs::path& part : p) {
    if (part == "..") return true;
  }
  return false;
}

// "/a/b/" -> "/a/b"; "/a//./b" -> "/a/b".
fs::path Normalize(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (n.has_filename() || n == n.root_path()) return n;
  return n.parent_path();  // drop the empty filename a trailing slash leaves
}

// True when `inner` equals `outer` or lies below it (both normalized).
bool IsWithin(const fs::path& inner, const fs::path& outer) {
  auto rel = inner.lexically_relative(outer);
  return !rel.empty() && !HasDotDot(rel);
}

Result<fs::path> CheckAbsolute(std::string_view what, const fs::path& p) {
  if (p.empty() || !p.is_absolute()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(what) + " '" + p.string() + "' is not an absolute path");
  }
  if (HasDotDot(p)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(what) + " '" + p.string() + "' must not contain '..'");
  }
  return Normalize(p);
}

}  // namespace

Result<InstanceLayout> InstanceLayout::Make(const fs::path& ml_root,
                                            std::string_view checkpoint_local_path) {
  InstanceLayout layout;
  TY_ASSIGN_OR_RETURN(layout.ml_root, CheckAbsolute("ml root", ml_root));
  fs::path local(checkpoint_local_path.empty() ? kDefaultCheckpointPath : checkpoint_local_path);
  TY_ASSIGN_OR_RETURN(fs::path checkpoint, CheckAbsolute("CheckpointConfig.LocalPath", local));

  const fs::path sagemaker_root(kSageMakerMlRoot);
  if (layout.ml_root != sagemaker_root && IsWithin(checkpoint, sagemaker_root)) {
    checkpoint = Normalize(layout.ml_root / checkpoint.lexically_relative(sagemaker_root));
  }
  if (IsWithin(layout.ml_root, checkpoint)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "CheckpointConfig.LocalPath '" + std::string(checkpoint_local_path) +
                         "' would contain the whole /opt/ml directory");
  }
  layout.checkpoint_dir = checkpoint;
  return layout;
}

Result<fs::path> InstanceLayout::channel_dir(std::string_view channel) const {
  TY_RETURN_IF_ERROR(ValidateChannelName(channel));
  return input_data_dir() / std::string(channel);
}

Status ValidateChannelName(std::string_view channel) {
  auto bad = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "channel name '" + std::string(channel) + "' " + std::string(why));
  };
  if (channel.empty() || channel.size() > 64) return bad("must be 1-64 characters long");
  if (channel == "." || channel == "..") return bad("is not a valid directory name");
  for (char c : channel) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return bad("may contain only letters, digits, '.', '-' and '_'");
  }
  return Ok();
}

}  // namespace trainyard
