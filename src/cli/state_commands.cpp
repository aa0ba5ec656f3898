// Commands that read or change the state folder: log, reset, stop.
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "ssdbuild/cli/commands.hpp"
#include "ssdbuild/state/run_lock.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

std::vector<std::string> all_step_ids(const Recipe& recipe) {
  std::vector<std::string> ids;
  for (const auto& stage : recipe.stages) {
    for (const auto& step : stage.steps) ids.push_back(step_id(stage, step));
  }
  return ids;
}

void require_step(const Recipe& recipe, const std::string& id, bool allow_stage) {
  auto ids = all_step_ids(recipe);
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return;
  if (allow_stage && recipe.find_stage(id)) return;
  if (!allow_stage && recipe.find_stage(id)) {
    throw Error(id + " is a stage; name one of its steps as " + id + "/STEP", kExitUsage);
  }
  throw Error(id + ": recipe " + recipe.name + " has no such step" + did_you_mean(id, ids) +
                  "; `ssdbuild status` lists them",
              kExitUsage);
}

}  // namespace

int log_command(const SessionArguments& arguments, const std::string& step, int attempt) {
  auto session = open_session(arguments);
  require_step(session->recipe, step, false);
  std::filesystem::path log = session->layout.log_file(step);
  std::error_code error;
  if (!std::filesystem::exists(log, error)) {
    throw Error("no log for " + step + " yet: it has not run with state folder " +
                session->layout.folder.string());
  }
  std::string text = read_file(log);
  if (attempt <= 0) {
    std::cout << text;
    return kExitOk;
  }
  std::string marker = "==== ssdbuild " + step + " attempt " + std::to_string(attempt) + " ====";
  size_t start = text.find(marker);
  if (start == std::string::npos) {
    throw Error("the log of " + step + " has no attempt " + std::to_string(attempt), kExitUsage);
  }
  size_t end = text.find("==== ssdbuild " + step + " attempt ", start + marker.size());
  std::cout << text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  return kExitOk;
}

int reset_command(const SessionArguments& arguments, const std::vector<std::string>& steps,
                  bool all, Console& console) {
  auto session = open_session(arguments);
  if (!all && steps.empty()) throw Error("reset: name steps or stages, or --all", kExitUsage);
  std::error_code error;
  if (!std::filesystem::exists(session->layout.folder, error)) {
    console.info("nothing to reset: " + session->layout.folder.string() + " does not exist");
    return kExitOk;
  }
  RunLock lock(session->layout.lock_file(), session->boot_id);
  std::string taken_over = lock.acquire();
  if (!taken_over.empty()) console.warning(taken_over);
  StateStore state(session->layout);
  if (all) {
    // Works on a corrupt state file too: it is replaced. Download pins are kept when the
    // file can be read, since they say what upstream published, not what ran.
    try {
      state.load();
    } catch (const Error&) {
      console.warning("the state file could not be read; download pins are not kept");
    }
    state.clear();
    state.set_recipe(session->recipe.name);
    state.save();
    console.info("reset every step of " + session->recipe.name + " (logs are kept)");
    return kExitOk;
  }
  state.load();
  std::vector<std::string> reset;
  for (const auto& selector : steps) {
    require_step(session->recipe, selector, true);
    for (const auto& id : dependents_of(session->recipe, selector)) {
      if (std::find(reset.begin(), reset.end(), id) == reset.end()) reset.push_back(id);
    }
  }
  for (const auto& id : reset) state.erase(id);
  state.save();
  std::string list;
  for (const auto& id : reset) list += (list.empty() ? "" : ", ") + id;
  console.info("reset " + std::to_string(reset.size()) + " step(s): " + list);
  return kExitOk;
}

int stop_command(const SessionArguments& arguments, Console& console) {
  auto session = open_session(arguments);
  auto holder = read_lock(session->layout.lock_file());
  if (!holder) {
    console.info("no run holds " + session->layout.folder.string());
    return kExitOk;
  }
  std::string gone = lock_holder_gone(*holder, session->boot_id, RunLock::kStaleAfter);
  if (!gone.empty()) {
    console.info("the lock's holder (pid " + std::to_string(holder->pid) +
                 ") is not running: " + gone + "; the next run takes the lock over");
    return kExitOk;
  }
  console.info("stopping ssdbuild pid " + std::to_string(holder->pid) + "...");
  if (::kill(holder->pid, SIGTERM) != 0) {
    throw Error(errno_message("cannot signal pid " + std::to_string(holder->pid), errno));
  }
  for (int waited = 0; waited < 300; ++waited) {
    auto current = read_lock(session->layout.lock_file());
    if (!current || current->token != holder->token) {
      console.info("stopped; its step is recorded as interrupted");
      return kExitOk;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw Error("pid " + std::to_string(holder->pid) + " still holds the lock after 30s; end it " +
              "with `kill -9 " + std::to_string(holder->pid) + "` (the next run takes over)");
}

}  // namespace ssdbuild
