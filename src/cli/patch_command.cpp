#include <iostream>

#include "ssdbuild/actions/patch_action.hpp"
#include "ssdbuild/cli/commands.hpp"
#include "ssdbuild/util/error.hpp"

namespace ssdbuild {
namespace {

struct PatchArguments {
  std::vector<std::string> files;
  std::vector<std::string> ops;
};

PatchArguments parse(const std::vector<std::string>& arguments) {
  PatchArguments parsed;
  size_t at = 0;
  for (; at < arguments.size() && arguments[at] != "--"; ++at) {
    if (arguments[at] == "--file" && at + 1 < arguments.size()) {
      parsed.files.push_back(arguments[++at]);
    } else if (arguments[at].rfind("--file=", 0) == 0) {
      parsed.files.push_back(arguments[at].substr(7));
    } else {
      throw Error("patch: unexpected `" + arguments[at] + "`; usage: " + kPatchUsage, kExitUsage);
    }
  }
  if (parsed.files.empty() || at == arguments.size()) {
    throw Error(std::string("patch: usage: ") + kPatchUsage, kExitUsage);
  }
  parsed.ops.assign(arguments.begin() + static_cast<long>(at) + 1, arguments.end());
  return parsed;
}

}  // namespace

int patch_command(const std::vector<std::string>& arguments) {
  try {
    if (arguments.size() == 1 && (arguments[0] == "--help" || arguments[0] == "-h")) {
      std::cout << "usage: " << kPatchUsage << "\n";
      return kExitOk;
    }
    PatchArguments parsed = parse(arguments);
    std::vector<PatchOp> ops = parse_patch_arguments(parsed.ops);
    if (ops.empty()) throw Error("patch: no ops after `--`", kExitUsage);
    PatchAction action(parsed.files, std::move(ops));
    std::string problem =
        action.apply([](std::string_view line) { std::cout << line << "\n"
                                                           << std::flush; });
    if (problem.empty()) return kExitOk;
    std::cerr << problem << "\n";
    return kExitStepFailed;
  } catch (const Error& problem) {
    std::cerr << "error: " << problem.what() << "\n";
    return problem.exit_code();
  }
}

}  // namespace ssdbuild
