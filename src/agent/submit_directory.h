// Script mode's code: the hyperparameter `sagemaker_submit_directory` (a local
// absolute path, a file:// URI or another storage URI, naming a directory or
// a .tar.gz/.tgz archive) is copied or extracted into the layout's code dir,
// as the training toolkit does with /opt/ml/code.
//
// The code dir is emptied first. Directories are fetched through the
// ObjectStoreOpener (so symlinks and special files are never followed or
// copied), archives are extracted by the opener (ExtractTarGz's rules: entries
// that escape are refused). The program named by `sagemaker_program` is made executable
// for its owner, as the toolkit chmods the code it runs.
//
// Errors: kInvalidArgument (a ClientError) when the submit directory is
// missing, malformed, empty or not a readable archive; other codes for
// platform failures. Messages name the submit directory.
// Thread safety: touches only the layout's code dir.
#pragma once

#include "agent/instance_layout.h"
#include "agent/store_opener.h"
#include "common/json.h"
#include "common/result.h"

namespace trainyard {

// The loaded value of hyperparameter `key` as a string ("" when absent): the
// SDK JSON-encodes values ("\"train.py\""), others pass them plain.
std::string ScriptModeParameter(const Json& request, std::string_view key);

// Does nothing (OK) when the request has no sagemaker_submit_directory.
Status StageSubmitDirectory(const Json& request, const InstanceLayout& layout,
                            ObjectStoreOpener& opener);

}  // namespace trainyard
