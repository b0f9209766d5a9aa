// Downloading a job's input channels into input/data/<channel> (File mode).
//
// Each channel's S3Uri is opened through the ObjectStoreOpener seam. A URI that
// names a directory (a key prefix) brings every object below it, keeping the
// relative paths; a URI that names a single object brings that one file.
// ShardedByS3Key gives this host every n-th object (n = number of hosts, in key
// order, starting at this host's index in the sorted host list);
// FullyReplicated gives it all of them. The channel directory is emptied
// first, so a restarted attempt sees exactly the channel's data. FastFile is
// served as File; Pipe is not supported.
//
// Errors: kInvalidArgument (a ClientError: the caller prefixes it) for a
// channel that cannot be served (no S3DataSource, Pipe mode, a bad URI, nothing
// at the URI, a missing or unreadable location); other codes (kUnavailable,
// kResourceExhausted, kInternal) for platform failures. Messages name the
// channel and its URI.
// Thread safety: touches only the layout's channel directories.
#pragma once

#include "agent/instance_layout.h"
#include "agent/store_opener.h"
#include "common/result.h"
#include "model/agent_protocol.h"

namespace trainyard {

Status DownloadChannels(const Assignment& assignment, const InstanceLayout& layout,
                        ObjectStoreOpener& opener);

}  // namespace trainyard
