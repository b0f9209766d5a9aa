// ListJobs' NextToken: where the previous page ended, bound to the query that
// issued it. The token is base64url of a small JSON object holding the last
// job's sort key and name and a fingerprint of the query's filters and sort
// (not of MaxResults, which may change from page to page). Tokens are opaque
// to clients but not secret; a forged one only moves the cursor.
// Pure functions; safe to call concurrently.
#pragma once

#include <string>

#include "common/json.h"
#include "common/result.h"
#include "store/job_store.h"

namespace trainyard {

struct JobPageCursor {
  Json sort_key;     // the last job's creation_time (integer) or status (string);
                     // null when sorting by name
  std::string name;  // the last job's name: the key itself, or the tiebreak

  bool operator==(const JobPageCursor&) const = default;
};

std::string EncodeJobPageToken(const JobQuery& query, const JobPageCursor& cursor);

// The cursor in query.next_token. kInvalidArgument "Invalid pagination token"
// if it is malformed or was issued for a query with other filters or sort.
Result<JobPageCursor> DecodeJobPageToken(const JobQuery& query);

}  // namespace trainyard
