#pragma once
// One function per ssdbuild command; each returns its exit code.
#include <string>
#include <vector>

#include "ssdbuild/cli/session.hpp"
#include "ssdbuild/exec/console.hpp"
#include "ssdbuild/plan/planner.hpp"

namespace ssdbuild {

struct RunArguments {
  SessionArguments session;
  PlanOptions plan;
  bool dry_run = false;
  bool include_skipped = false;  // plan --all
};

int run_command(const RunArguments& arguments, Console& console);
int status_command(const SessionArguments& arguments, bool json, Console& console);
int log_command(const SessionArguments& arguments, const std::string& step, int attempt);
int reset_command(const SessionArguments& arguments, const std::vector<std::string>& steps,
                  bool all, Console& console);
int stop_command(const SessionArguments& arguments, Console& console);
int env_command(const SessionArguments& arguments, const std::string& format);
int recipes_command();
int show_command(const std::string& name);
int facts_command(bool json);
int validate_command(const std::string& recipe);

}  // namespace ssdbuild
