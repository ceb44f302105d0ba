// annp-train: trains a potential from labelled structures (annp::tools::train_command).
//
//   annp-train CONFIG [key=value ...]
//   annp-train key=value ...
//
// Every key is listed with its default by `annp-train --help`; what it writes is described in
// include/annp/tools/train_command.hpp.

#include <annp/tools/train_command.hpp>

#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

int main(int argc, char** argv) {
  try {
    return annp::tools::train_command(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                      isatty(STDOUT_FILENO) != 0);
  } catch (const std::exception& e) {
    std::cerr << "annp-train: " << e.what() << "\n";
    return 1;
  }
}
