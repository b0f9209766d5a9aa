// ParallelFor: runs numbered tasks on a bounded number of threads and stops
// at the first failure. Used for the parts of one object and for the files
// of one directory transfer.
#pragma once

#include <functional>

#include "common/result.h"

namespace trainyard {

// Calls task(index, worker) for every index in [0, count), on up to
// `workers` threads at once (the calling thread is one of them); `worker`
// in [0, workers) tells which thread runs the task, so each may keep its
// own buffer. Tasks start in index order. Once a task fails no new task
// starts; tasks already running finish. Returns OK, or the error of the
// lowest-numbered task that failed. Returns after every thread has ended.
// If threads cannot be created, runs on fewer (at least the caller's).
// `task` must be safe to call from several threads at once.
Status ParallelFor(int count, int workers, const std::function<Status(int index, int worker)>& task);

}  // namespace trainyard
