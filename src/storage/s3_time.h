// The two timestamp spellings in S3 replies, as milliseconds since the epoch.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "common/clock.h"

namespace trainyard {

// ISO 8601 in UTC as in ListObjectsV2's LastModified:
// "2009-10-12T17:50:30.000Z" (fraction optional, 'Z' required).
std::optional<EpochMs> ParseIso8601Ms(std::string_view text);

// An HTTP date (RFC 7231 IMF-fixdate) as in the Last-Modified header:
// "Wed, 12 Oct 2009 17:50:30 GMT".
std::optional<EpochMs> ParseHttpDateMs(std::string_view text);

}  // namespace trainyard
