// Request validation against the SageMaker service model.
//
// The per-shape rules (required members, types, lengths, patterns, enums,
// numeric ranges) are generated from botocore's service-2.json by
// tools/gen_shapes.py into model/generated/; the cross-field rules that the
// model states only in prose live in training_job_rules.cc.
//
// ValidateRequest returns:
//  - kSerialization for a member of the wrong JSON type (as Coral does);
//  - kInvalidArgument with Coral's message, e.g. "1 validation error detected:
//    Value 'a_b' at 'trainingJobName' failed to satisfy constraint: Member must
//    satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";
//    several violations are joined with "; " under "N validation errors detected: ".
//  - kUnknownOperation when `operation` is not one we serve.
// Unknown members are ignored, so requests from old and new clients both pass.
// Thread safety: safe to call concurrently.
#pragma once

#include <string_view>

#include "common/json.h"
#include "common/result.h"

namespace trainyard {

Status ValidateRequest(std::string_view operation, const Json& request);

}  // namespace trainyard
