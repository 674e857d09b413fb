// The `serval` binary: see src/cli/cli.h for the command line contract.
#include <iostream>
#include <string>
#include <vector>

#include "src/cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return serval::cli::RunCli(args, std::cout, std::cerr);
}
