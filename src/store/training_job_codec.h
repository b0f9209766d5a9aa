// The stored form of a TrainingJob: one JSON object holding the whole record
// (request, state with its transitions, times, metrics, details). It is the
// store's private format, not the API's shape; keys are snake_case and times
// are epoch milliseconds.
//
// DecodeTrainingJob(EncodeTrainingJob(job)) == job for every job, except that
// a metric value that is not finite comes back as NaN (JSON has no infinity).
// Pure functions; safe to call concurrently.
#pragma once

#include <string_view>

#include "common/json.h"
#include "common/result.h"
#include "model/training_job.h"

namespace trainyard {

Json EncodeTrainingJob(const TrainingJob& job);

// kInternal ("corrupt training job record: ...") when `record` is not what
// EncodeTrainingJob writes.
Result<TrainingJob> DecodeTrainingJob(const Json& record);
// The same, from the record's JSON text.
Result<TrainingJob> DecodeTrainingJobText(std::string_view record_text);

}  // namespace trainyard
