#pragma once
// tests/fixtures/legacy-app, ready to build: libdep's tarball served by a real HTTP server,
// the app committed to a real git repository, and the --set values that point the recipe at
// them. The end-to-end tests of the fixture (fixture_build_test.cpp) and of the stage cache
// (stage_cache_test.cpp) derive from it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include <nlohmann/json.hpp>

#include "ssdbuild/recipe/loader.hpp"
#include "ssdbuild/recipe/when_expression.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

namespace fs = std::filesystem;

inline const std::string kFixture = std::string(SSDBUILD_TEST_DIR) + "/fixtures/legacy-app";
inline const std::string kRecipe = kFixture + "/recipe.yaml";
inline const std::string kExpectedOutput =
    "legacy-app: libdep 1.0, sum(1..10) = 55, hypot(3, 4) = 5, feature on\n";
inline const std::string kTarball = "libdep-1.0.tar.gz";

// How many lines of `text` contain `needle`.
inline int count_lines_with(const std::string& text, const std::string& needle) {
  int count = 0;
  for (const auto& line : split_lines(text)) count += line.find(needle) != std::string::npos;
  return count;
}

// The events of events.jsonl from line `from` on.
inline std::vector<nlohmann::json> events_since(const fs::path& state, size_t from) {
  std::vector<nlohmann::json> events;
  auto lines = split_lines(read_text(state / "events.jsonl"));
  for (size_t i = from; i < lines.size(); ++i) {
    if (!trim(lines[i]).empty()) events.push_back(nlohmann::json::parse(lines[i]));
  }
  return events;
}

inline size_t event_count(const fs::path& state) {
  return events_since(state, 0).size();
}

inline std::vector<std::string> steps_with_event(const std::vector<nlohmann::json>& events,
                                                 const std::string& kind) {
  std::vector<std::string> steps;
  for (const auto& event : events) {
    if (event.value("event", "") == kind) steps.push_back(event.value("step", ""));
  }
  return steps;
}

inline bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The build commands that the logging make and compiler wrappers wrote to `log` since the
// last call (the log is removed); not the compiler version probes of facts (the cache key's
// gxx.version).
inline std::vector<std::string> take_build_commands(const fs::path& log) {
  std::vector<std::string> lines;
  if (fs::exists(log)) lines = split_lines(read_text(log));
  fs::remove(log);
  lines.erase(std::remove_if(lines.begin(), lines.end(),
                             [](const std::string& line) {
                               return trim(line).empty() ||
                                      line.find("-dumpfullversion") != std::string::npos;
                             }),
              lines.end());
  return lines;
}

class LegacyAppFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    // libdep as its release tarball, served over HTTP like Boost's.
    ASSERT_EQ(run_shell("mkdir -p src served && cp -a " + shell_quote(kFixture + "/libdep") +
                            " src/libdep-1.0 && chmod +x src/libdep-1.0/*.sh && tar -czf "
                            "served/" +
                            kTarball + " -C src libdep-1.0",
                        material_.path())
                  .exit_code,
              0);
    dep_sha256_ = sha256_hex(read_text(material_ / ("served/" + kTarball)));
    server_ = std::make_unique<HttpTestServer>(material_ / "served");

    // The app as a git repository with one commit on master, which the recipe pins.
    ASSERT_EQ(
        run_shell("cp -a " + shell_quote(kFixture + "/app") + " app", material_.path()).exit_code,
        0);
    auto committed = run_git(material_ / "app",
                             "init -q && git add -A && git -c user.name=test -c "
                             "user.email=test@example.invalid commit -qm legacy");
    ASSERT_EQ(committed.exit_code, 0) << committed.output;
    app_commit_ = std::string(trim(run_git(material_ / "app", "rev-parse HEAD").output));
    ASSERT_EQ(app_commit_.size(), 40u) << app_commit_;

    use_apt_ =
        run_shell("dpkg-query -W -f='${Status}' make", "/").output.find("install ok installed") !=
        std::string::npos;
    root_ = ::geteuid() == 0;
  }

  // The values that make the recipe build in `dir`, by variable name.
  KeyValueList values(const TempDir& dir) const {
    return {{"app_repo", app_repo_.empty() ? (material_ / "app").string() : app_repo_},
            {"app_commit", app_commit_},
            {"dep_url", server_->url("/file/" + kTarball)},
            {"dep_sha256", dep_sha256_},
            {"work", (dir / "work").string()},
            {"prefix", (dir / "prefix").string()},
            {"use_apt", use_apt_ ? "yes" : "no"},
            {"root_actions", root_ ? "yes" : "no"}};
  }

  // The --set arguments that make the recipe build in `dir`.
  std::vector<std::string> sets(const TempDir& dir) const {
    std::vector<std::string> arguments;
    for (const auto& [name, value] : values(dir)) {
      arguments.insert(arguments.end(), {"--set", name + "=" + value});
    }
    return arguments;
  }

  // `ssdbuild COMMAND` on the recipe in `dir`, as on boot `boot`; `more` goes after the sets,
  // `env` into its environment.
  CommandResult run_recipe(const std::string& command, const TempDir& dir, const std::string& boot,
                           const std::vector<std::string>& more = {},
                           std::vector<std::pair<std::string, std::string>> env = {}) {
    std::vector<std::string> arguments = {command, kRecipe, "--state-dir", "state"};
    auto defined = sets(dir);
    arguments.insert(arguments.end(), defined.begin(), defined.end());
    arguments.insert(arguments.end(), more.begin(), more.end());
    env.emplace_back("SSDBUILD_BOOT_ID", boot);
    return run_ssdbuild(arguments, dir.path(), env);
  }

  int tarball_requests() const {
    return count_lines_with(server_->requests(), "/file/" + kTarball + " ");
  }

  // The steps that run: the recipe's, but those whose `when` (or their stage's) is false
  // with these values on this machine; read from the recipe, not counted by hand.
  int enabled_steps() const {
    Recipe recipe = load_recipe_text(read_text(kRecipe), kRecipe);
    KeyValueList given = values(dir_);
    given.insert(given.end(), recipe.vars.begin(), recipe.vars.end());  // after the --set ones
    VariableLookup lookup = [&](std::string_view name) {
      for (const auto& [key, value] : given) {
        if (key == name) return value;
      }
      throw WhenExpressionError("the fixture's recipe has no variable " + std::string(name));
    };
    int count = 0;
    for (const auto& stage : recipe.stages) {
      if (!stage.when.empty() && !evaluate_when(stage.when, lookup)) continue;
      for (const auto& step : stage.steps) {
        count += step.when.empty() || evaluate_when(step.when, lookup);
      }
    }
    return count;
  }

  TempDir material_, dir_, fresh_;
  std::unique_ptr<HttpTestServer> server_;
  std::string dep_sha256_, app_commit_;
  std::string app_repo_;  // another clone URL of the same app, when set
  bool use_apt_ = false, root_ = false;
};

}  // namespace ssdbuild::testing
