// `ssdbuild plan` prints a script that does what `ssdbuild run` does.
#include "ssdbuild/plan/plan_script.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Steps with cwd, env, variables, quoting traps and a shell variable escaped with $${.
const char* kRecipe = R"(name: equivalence
vars:
  out: results
  label: "it's a \"label\" with $dollar and spaces"
stages:
  - name: prepare
    steps:
      - name: folders
        run: mkdir -p ${out}/nested
      - name: env-file
        cwd: ${out}
        env:
          GREETING: ${label}
          COUNT: "3"
        run: |
          printf '%s\n' "$GREETING" > greeting.txt
          for i in $(seq 1 $COUNT); do echo "n=$i" >> counts.txt; done
          echo "$${COUNT}x" > escaped.txt
  - name: use
    steps:
      - name: nested
        cwd: ${out}/nested
        run: |
          pwd | sed 's|.*/||' > where.txt
          cat ../greeting.txt | tr a-z A-Z > upper.txt
      - name: env-does-not-leak
        cwd: ${out}
        run: echo "GREETING=${env.GREETING_UNSET}[$${GREETING:-unset}]" > leak.txt
)";

std::string tree_listing(const std::filesystem::path& root) {
  std::string listing;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root / "results")) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    listing += std::filesystem::relative(file, root).string() + ":\n" + read_text(file);
  }
  return listing;
}

TEST(PlanScript, PlanPipedToBashMatchesRun) {
  TempDir by_plan, by_run;
  write_text(by_plan / "recipe.yaml", kRecipe);
  write_text(by_run / "recipe.yaml", kRecipe);
  auto planned =
      run_shell(shell_quote(ssdbuild_binary()) + " plan recipe.yaml --state-dir state > plan.sh",
                by_plan.path(), {{"NO_COLOR", "1"}});
  ASSERT_EQ(planned.exit_code, 0) << planned.output;
  // Run the script from another folder: it must not depend on the caller's folder.
  auto script = run_shell("bash " + (by_plan / "plan.sh").string(), "/");
  ASSERT_EQ(script.exit_code, 0) << script.output << read_text(by_plan / "plan.sh");
  auto ran = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, by_run.path());
  ASSERT_EQ(ran.exit_code, 0) << ran.output;

  std::string expected = tree_listing(by_run.path());
  EXPECT_EQ(tree_listing(by_plan.path()), expected);
  EXPECT_THAT(expected, HasSubstr("it's a \"label\" with $dollar and spaces"));
  EXPECT_THAT(expected, HasSubstr("results/escaped.txt:\n3x\n"));
  EXPECT_THAT(expected, HasSubstr("results/leak.txt:\nGREETING=[unset]\n"));
  EXPECT_THAT(expected, HasSubstr("results/nested/where.txt:\nnested\n"));
}

TEST(PlanScript, DoneStepsAreCommentsUnlessAllIsGiven) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  ASSERT_EQ(run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir.path()).exit_code, 0);
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0);
  EXPECT_THAT(plan.output, HasSubstr("# --- prepare/folders: skip: done"));
  EXPECT_THAT(plan.output, Not(HasSubstr("mkdir -p")));
  EXPECT_THAT(plan.output,
              HasSubstr("# 0 step(s) to run, " + std::to_string(steps_in(kRecipe)) + " to skip"));
  auto all = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state", "--all"}, dir.path());
  EXPECT_THAT(all.output, HasSubstr("mkdir -p results/nested"));
  // Planning changed nothing.
  auto again = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_THAT(again.output,
              HasSubstr("0 step(s) ran, " + std::to_string(steps_in(kRecipe)) + " skipped"));
}

// The script checks `creates` and `check` as a run does: a step whose file did not appear,
// or whose check fails, stops the script there, saying which.
TEST(PlanScript, TheScriptChecksCreatesAndCheckAsARunDoes) {
  TempDir dir;
  write_text(dir / "recipe.yaml", R"(name: checks
stages:
  - name: s
    steps:
      - name: makes
        run: touch made.txt
        creates: made.txt
      - name: forgets
        run: "true"
        creates: [made.txt, "never-*.txt"]
      - name: after
        run: touch after.txt
)");
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(dir / "plan.sh", plan.output);
  auto script = run_shell("bash plan.sh", dir.path());
  EXPECT_NE(script.exit_code, 0);
  EXPECT_THAT(script.output, HasSubstr("ssdbuild: s/forgets finished, but did not create " +
                                       (dir / "never-*.txt").string()));
  EXPECT_FALSE(std::filesystem::exists(dir / "after.txt"));
  auto run = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_THAT(run.output,
              HasSubstr("finished, but did not create " + (dir / "never-*.txt").string()));

  write_text(dir / "recipe.yaml", R"(name: checks
stages:
  - name: s
    steps:
      - name: checked
        run: "true"
        check: test -f absent.txt
)");
  auto checked = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state2"}, dir.path());
  write_text(dir / "plan.sh", checked.output);
  auto failed = run_shell("bash plan.sh", dir.path());
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_THAT(failed.output,
              HasSubstr("ssdbuild: s/checked finished, but its check failed: test -f "
                        "absent.txt"));
}

TEST(PlanScript, PlanShowsEachStepUnderItsDecisionWithCdAndExports) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  std::string expected_block =
      "# --- prepare/env-file: run: never ran\ncd " + (dir / "results").string() +
      "\n(\nexport GREETING=" + "'it'\\''s a \"label\" with $dollar and spaces'\nexport COUNT=3\n";
  EXPECT_THAT(plan.output, HasSubstr(expected_block));
  EXPECT_EQ(plan.output.rfind("#!/usr/bin/env bash\n", 0), 0u);
  EXPECT_THAT(plan.output, HasSubstr("\nset -euo pipefail\n"));
  // A plan neither runs anything nor creates the state folder.
  EXPECT_FALSE(std::filesystem::exists(dir / "results"));
  EXPECT_FALSE(std::filesystem::exists(dir / "state"));
}

}  // namespace
}  // namespace ssdbuild::testing
