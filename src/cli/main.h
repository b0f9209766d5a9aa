// Entry point of the trainyard command line: parses argv and runs a subcommand.
// Returns the process exit code.
#pragma once

namespace trainyard::cli {

int Main(int argc, char** argv);

}  // namespace trainyard::cli
