// trainyard: the one binary. Subcommands live in src/cli/.
#include "cli/main.h"

int main(int argc, char** argv) { return trainyard::cli::Main(argc, argv); }
