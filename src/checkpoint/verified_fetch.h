// VerifiedFetch: downloads objects whose content is known in advance (size
// and SHA-256), trying the keys where each may be in turn and keeping only
// content that checks out. Several downloads run at once.
//
// A candidate key is rejected (and the next one tried) when the store has no
// object there or what arrived has another size or checksum; a task whose
// candidates are all rejected is reported as not found, which is a result,
// not an error. Any other failure (the store unavailable, the local disk
// full) is an error: the call stops starting downloads, waits for those in
// flight, and returns the first error. Files already written stay.
//
// Thread safety: the store must be thread-safe (every ObjectStore is); the
// call itself may run concurrently with others on distinct local paths.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checkpoint/file_digest.h"
#include "common/result.h"
#include "storage/object_store.h"

namespace trainyard {

struct FetchTask {
  std::vector<std::string> keys;  // where the content may be, tried in order
  std::string local_path;         // where it lands (replaced; parents are made)
  int64_t size = -1;              // expected size; -1 accepts any
  std::string sha256;             // expected lowercase hex; empty accepts any
};

struct FetchOutcome {
  bool found = false;
  std::string key;                    // found: the key the content came from
  FileDigest digest;                  // found: of the local file
  // "<key>: <why>" for each candidate that failed; rejected[i] is about
  // keys[i], so when found, `key` is keys[rejected.size()].
  std::vector<std::string> rejected;
};

struct FetchOptions {
  int parallelism = 8;  // downloads in flight at once; values < 1 are treated as 1
  // Called after each task ends, found or not, one call at a time (from any
  // of the download threads). Optional.
  std::function<void(size_t task_index, const FetchOutcome&)> on_done;
};

// One outcome per task, in the tasks' order.
Result<std::vector<FetchOutcome>> FetchVerified(ObjectStore& store, const std::vector<FetchTask>& tasks,
                                                const FetchOptions& options);

}  // namespace trainyard
