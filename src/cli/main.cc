#include "cli/main.h"

#include <cstdio>

namespace trainyard::cli {

int Main(int argc, char** argv) {
  std::fprintf(stderr, "trainyard: not yet wired\n");
  return 2;
}

}  // namespace trainyard::cli
