// CreateTrainingJob rules beyond the service model, and SageMaker's defaults.
//
// The botocore model states some CreateTrainingJob rules only in prose; the
// shape tables (validation.h) cannot check them. Both calls expect a request
// that ValidateRequest("CreateTrainingJob", ...) has accepted; on other input
// they do not crash, but the results are unspecified.
//
// Thread safety: pure functions of their arguments.
#pragma once

#include "common/json.h"
#include "common/result.h"

namespace trainyard {

// Checks the cross-field rules, returning kInvalidArgument naming every rule
// broken (joined with "; "):
//  - AlgorithmSpecification and ResourceConfig are required unless
//    ServerlessJobConfig is present (botocore 1.29 required them; the message
//    is Coral's "Value null at 'algorithmSpecification' ... must not be null");
//  - AlgorithmSpecification gives exactly one of TrainingImage, AlgorithmName;
//  - without ResourceConfig.InstanceGroups, ResourceConfig.InstanceCount is
//    present and at least 1;
//  - StoppingCondition.MaxWaitTimeInSeconds, when given, is at least
//    MaxRuntimeInSeconds (86400, the default, when that is absent);
//  - EnableManagedSpotTraining requires StoppingCondition.MaxWaitTimeInSeconds;
//  - a warm pool (ResourceConfig.KeepAlivePeriodInSeconds > 0) is not allowed
//    with InstanceGroups or with EnableManagedSpotTraining;
//  - InputDataConfig channel names are unique;
//  - CheckpointConfig.LocalPath, when given, is an absolute path beneath
//    /opt/ml without empty, "." or ".." segments, and not inside
//    /opt/ml/input, /opt/ml/model, /opt/ml/output or /opt/ml/code;
//  - a channel's CompressionType other than None, or RecordWrapperType other
//    than None, needs Pipe input mode (the channel's InputMode, else
//    AlgorithmSpecification.TrainingInputMode).
Status ValidateCreateTrainingJobRules(const Json& request);

// Returns the request as DescribeTrainingJob echoes it: Tags removed and
// SageMaker's defaults filled in where the member is absent:
//  - StoppingCondition.MaxRuntimeInSeconds 86400 (the whole StoppingCondition
//    when absent);
//  - CheckpointConfig.LocalPath "/opt/ml/checkpoints" (when CheckpointConfig
//    is present);
//  - OutputDataConfig.CompressionType "GZIP";
//  - AlgorithmSpecification.EnableSageMakerMetricsTimeSeries false;
//  - each channel's CompressionType "None" and RecordWrapperType "None", and
//    its S3DataSource.S3DataDistributionType "FullyReplicated";
//  - EnableNetworkIsolation, EnableInterContainerTrafficEncryption and
//    EnableManagedSpotTraining false.
// Members already present are kept as given. Returns kInvalidArgument when
// `request` is not a JSON object.
Result<Json> NormalizeCreateTrainingJob(const Json& request);

}  // namespace trainyard
