// gemma4rt: loads a plan compiled by gemma4c and runs it. Each subcommand
// lives in its own file; main only parses and reports errors.
#include "Command.h"
#include "io/Error.h"

#include <iostream>
#include <new>
#include <vector>

int main(int argc, char **argv) {
  CLI::App app{"gemma4rt: run gemma4 execution plans compiled by gemma4c on the CPU reference or a CUDA GPU"};
  app.require_subcommand(1);
  std::vector<g4::tools::Command> commands = {
      g4::tools::addRunCommand(app),
      g4::tools::addLogitsCommand(app),
      g4::tools::addInspectCommand(app),
      g4::tools::addBenchCommand(app),
      g4::tools::addServeCommand(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    for (const g4::tools::Command &command : commands)
      if (*command.app)
        return command.run();
    return 2;
  } catch (const g4::Error &e) {
    std::cerr << "gemma4rt: error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc &) {
    std::cerr << "gemma4rt: error: out of memory\n";
    return 1;
  }
}
