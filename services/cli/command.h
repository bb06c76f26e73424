// A subcommand of `annals`, and what running it does once the command line is parsed into
// its options. Each add_* function (main.cpp, tokens.h) registers its subcommands and pushes
// one Command per leaf.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace annals {

struct Command {
  CLI::App* app;
  std::function<int()> run;  // the exit status
};
using Commands = std::vector<Command>;

}  // namespace annals
