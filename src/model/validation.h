// Request validation against the SageMaker service model.
//
// The per-shape rules (required members, types, lengths, patterns, enums,
// numeric ranges) are generated from botocore's service-2.json by
// tools/gen_shapes.py into model/generated/; the cross-field rules that the
// model states only in prose live in training_job_rules.cc.
//
// ValidateRequest returns:
//  - kSerialization for a member of the wrong JSON type (as Coral does), naming
//    the member: a string where a number is expected, an object where a list
//    is, a float (even 2.0) or an out-of-range number for an integer member, a
//    request body that is not an object. The first such member wins, and no
//    constraint is reported alongside it.
//  - kInvalidArgument with Coral's message, e.g. "1 validation error detected:
//    Value 'a_b' at 'trainingJobName' failed to satisfy constraint: Member must
//    satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";
//    several violations are joined with "; " under "N validation errors detected: ".
//  - kUnknownOperation when `operation` is not one we serve.
// Unknown members are ignored, so requests from old and new clients both pass.
// A member set to JSON null counts as absent.
//
// Message format, as Coral writes it:
//  - Paths: member names with the first letter lower-cased, joined with '.';
//    list elements of structure type as "<list>.<1-based index>.member", e.g.
//    "algorithmSpecification.metricDefinitions.2.member.name".
//  - A scalar member gets one violation per failed constraint (enum, pattern,
//    max, min, in that order). Values are quoted ('0', 'abc'); a missing
//    required member reads "Value null at 'x' ... Member must not be null".
//  - Lists and maps print as Java does ("[a, b]", "{k=v, k2=v2}"); structures
//    print like maps. Their size constraints read "Member must have length ...".
//  - A list of scalars whose elements fail reports once, at the list's path:
//    "Member must satisfy constraint: [<all constraints of the element shape>]".
//  - A map reports at the map's path (e.g. 'hyperParameters', 'environment'),
//    once for keys and once for values: "Map keys must satisfy constraint:
//    [...]" / "Map value must satisfy constraint: [...]", listing all
//    constraints of the key or value shape (max, min, pattern, enum).
//  - Constraint texts: "Member must have length less than or equal to 63",
//    "... greater than or equal to 1", "Member must have value less than or
//    equal to 100", "Member must satisfy enum value set: [A, B]", "Member must
//    satisfy regular expression pattern: ^..." (the model's pattern with a
//    leading '^', except the catch-alls .*, .+, [\S\s]*).
// String lengths count Unicode code points. Patterns match the whole value.
// Tag keys and values accept Unicode letters, separators and numbers; without
// Unicode tables the check approximates \p{L}: see validation.cc.
//
// Thread safety: safe to call concurrently. Cost: a typical CreateTrainingJob
// validates in a few microseconds; the first call also compiles the model's
// regular expressions.
#pragma once

#include <string_view>

#include "common/json.h"
#include "common/result.h"

namespace trainyard {

Status ValidateRequest(std::string_view operation, const Json& request);

}  // namespace trainyard
