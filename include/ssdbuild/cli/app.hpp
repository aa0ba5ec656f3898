#pragma once
// The ssdbuild command line: parses arguments, dispatches to a command, and turns errors
// into messages and exit codes (caught once, here).
namespace ssdbuild {

/// Runs ssdbuild with `argv`; returns the exit code.
int run_cli(int argc, char** argv);

}  // namespace ssdbuild
