// Loading a recipe: the model it gives, and every error it reports before anything runs,
// as FILE:LINE:COL: error: MESSAGE.
#include "ssdbuild/recipe/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ssdbuild {

using ::testing::HasSubstr;

namespace {

using testing::TempDir;
using testing::write_text;

// The diagnostics a recipe gets, each a full line; empty when it loads.
std::vector<std::string> errors_of(const std::string& text) {
  try {
    load_recipe_text(text, "recipe.yaml");
  } catch (const RecipeError& error) {
    EXPECT_EQ(error.exit_code(), kExitUsage);
    return error.diagnostics();
  }
  return {};
}

// The one diagnostic a recipe gets (fails the test if it gets another number of them).
std::string error_of(const std::string& text) {
  auto errors = errors_of(text);
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? "(loaded without errors)" : errors.front();
}

// A one-stage recipe (stage `s`) whose steps start on line 5.
std::string with_steps(const std::string& steps) {
  return "name: r\nstages:\n  - name: s\n    steps:\n" + steps;
}

const char* kFullRecipe = R"(name: demo
description: A demo recipe
vars:
  prefix: /opt/demo
  jobs: "4"
stages:
  - name: fetch
    steps:
      - name: build-tool
        description: a step with every field
        when: facts.gpu.count > 0 and jobs >= 2
        cwd: ${prefix}/src
        env:
          CC: gcc-11
          JOBS: ${jobs}
        timeout: 1h30m
        retries: 2
        creates:
          - ${prefix}/bin/tool
          - ${prefix}/lib
        check: test -x ${prefix}/bin/tool
        scope: persistent
        run: |
          make -j${jobs}
      - run: echo one
  - name: build
    when: not env.CI
    steps:
      - run: "# a comment\nmake all"
  - name: test
    needs: fetch
    steps:
      - run: make test
  - name: package
    steps:
      - creates: out.tgz
        run: tar czf out.tgz build
)";

TEST(LoadRecipe, ReadsTheRecipesNameDescriptionAndVarsInOrder) {
  Recipe recipe = load_recipe_text(kFullRecipe, "recipe.yaml");
  EXPECT_EQ(recipe.name, "demo");
  EXPECT_EQ(recipe.description, "A demo recipe");
  EXPECT_EQ(recipe.file, "recipe.yaml");
  EXPECT_EQ(recipe.vars, (KeyValueList{{"prefix", "/opt/demo"}, {"jobs", "4"}}));
  ASSERT_EQ(recipe.stages.size(), 4u);
  EXPECT_EQ(recipe.stages[0].name, "fetch");
  EXPECT_EQ(recipe.stages[1].name, "build");
  EXPECT_EQ(recipe.stages[2].name, "test");
  EXPECT_EQ(recipe.stages[3].name, "package");
}

TEST(LoadRecipe, ReadsEveryStepFieldWithoutResolvingVariables) {
  Recipe recipe = load_recipe_text(kFullRecipe, "recipe.yaml");
  ASSERT_EQ(recipe.stages[0].steps.size(), 2u);
  const StepDefinition& step = recipe.stages[0].steps[0];
  EXPECT_EQ(step.name, "build-tool");
  EXPECT_EQ(step.action_key, "run");
  EXPECT_EQ(step.action_config.Scalar(), "make -j${jobs}\n");
  EXPECT_EQ(step.when, "facts.gpu.count > 0 and jobs >= 2");
  EXPECT_EQ(step.cwd, "${prefix}/src");
  EXPECT_EQ(step.env, (KeyValueList{{"CC", "gcc-11"}, {"JOBS", "${jobs}"}}));
  EXPECT_EQ(step.timeout, std::chrono::seconds(5400));
  EXPECT_EQ(step.retries, 2);
  EXPECT_EQ(step.creates, (std::vector<std::string>{"${prefix}/bin/tool", "${prefix}/lib"}));
  EXPECT_EQ(step.check, "test -x ${prefix}/bin/tool");
  EXPECT_EQ(step.scope, Scope::persistent);
  EXPECT_EQ(step.location.to_string(), "recipe.yaml:9:9");
  EXPECT_EQ(step_id(recipe.stages[0], step), "fetch/build-tool");
}

TEST(LoadRecipe, StepFieldsHaveDefaults) {
  Recipe recipe = load_recipe_text(kFullRecipe, "recipe.yaml");
  const StepDefinition& step = recipe.stages[0].steps[1];
  EXPECT_EQ(step.action_config.Scalar(), "echo one");
  EXPECT_EQ(step.when, "");
  EXPECT_EQ(step.cwd, "");
  EXPECT_TRUE(step.env.empty());
  EXPECT_EQ(step.timeout, std::nullopt);
  EXPECT_EQ(step.retries, 0);
  EXPECT_TRUE(step.creates.empty());
  EXPECT_EQ(step.check, "");
  EXPECT_EQ(step.scope, Scope::system);
}

TEST(LoadRecipe, AStringCreatesIsAListOfOnePath) {
  Recipe recipe = load_recipe_text(kFullRecipe, "recipe.yaml");
  EXPECT_EQ(recipe.stages[3].steps[0].creates, (std::vector<std::string>{"out.tgz"}));
}

TEST(LoadRecipe, StageWhenAndLocationAreRead) {
  Recipe recipe = load_recipe_text(kFullRecipe, "recipe.yaml");
  EXPECT_EQ(recipe.stages[0].when, "");
  EXPECT_EQ(recipe.stages[1].when, "not env.CI");
  EXPECT_EQ(recipe.stages[0].location.to_string(), "recipe.yaml:7:5");
  EXPECT_EQ(recipe.stages[1].location.to_string(), "recipe.yaml:26:5");
}

TEST(LoadRecipe, AStageWithoutNeedsNeedsThePreviousStage) {
  Recipe recipe = load_recipe_text(kFullRecipe, "recipe.yaml");
  EXPECT_TRUE(recipe.stages[0].needs.empty());
  EXPECT_EQ(recipe.stages[1].needs, (std::vector<std::string>{"fetch"}));
  EXPECT_EQ(recipe.stages[2].needs, (std::vector<std::string>{"fetch"}));  // `needs: fetch`
  EXPECT_EQ(recipe.stages[3].needs, (std::vector<std::string>{"test"}));
}

TEST(LoadRecipe, NeedsMayBeAListAndAnEmptyListNeedsNothing) {
  Recipe recipe = load_recipe_text(R"(name: r
stages:
  - name: a
    steps: [{run: x}]
  - name: b
    steps: [{run: x}]
  - name: c
    needs: [a, b]
    steps: [{run: x}]
  - name: d
    needs: []
    steps: [{run: x}]
)",
                                   "recipe.yaml");
  EXPECT_EQ(recipe.stages[2].needs, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(recipe.stages[3].needs.empty());
}

TEST(LoadRecipe, StagesInOrderPutsEveryStageAfterTheStagesItNeeds) {
  Recipe recipe = load_recipe_text(R"(name: r
stages:
  - name: install
    needs: [build]
    steps: [{run: make install}]
  - name: fetch
    needs: []
    steps: [{run: git clone x}]
  - name: build
    needs: fetch
    steps: [{run: make}]
  - name: docs
    needs: []
    steps: [{run: make docs}]
)",
                                   "recipe.yaml");
  std::vector<std::string> order;
  for (const auto* stage : recipe.stages_in_order()) order.push_back(stage->name);
  EXPECT_EQ(order, (std::vector<std::string>{"fetch", "build", "install", "docs"}));
}

TEST(LoadRecipe, DerivesAStepNameFromTheFirstCommandLine) {
  Recipe recipe = load_recipe_text(kFullRecipe, "recipe.yaml");
  EXPECT_EQ(recipe.stages[0].steps[1].name, "echo-one");
  EXPECT_EQ(recipe.stages[1].steps[0].name, "make-all");  // the comment line is skipped
}

TEST(LoadRecipe, DerivedStepNamesAreUniqueInAStageAndNeverTakeAnExplicitName) {
  Recipe recipe = load_recipe_text(with_steps(R"(      - run: echo one
      - run: echo one
      - name: echo-one
        run: echo explicit
)"),
                                   "recipe.yaml");
  ASSERT_EQ(recipe.stages[0].steps.size(), 3u);
  EXPECT_EQ(recipe.stages[0].steps[0].name, "echo-one-2");
  EXPECT_EQ(recipe.stages[0].steps[1].name, "echo-one-3");
  EXPECT_EQ(recipe.stages[0].steps[2].name, "echo-one");
}

TEST(LoadRecipe, TheSameDerivedNameMayAppearInDifferentStages) {
  Recipe recipe = load_recipe_text(R"(name: r
stages:
  - name: a
    steps: [{run: make}]
  - name: b
    steps: [{run: make}]
)",
                                   "recipe.yaml");
  EXPECT_EQ(recipe.stages[0].steps[0].name, "make");
  EXPECT_EQ(recipe.stages[1].steps[0].name, "make");
}

TEST(LoadRecipe, ReadsARecipeFile) {
  TempDir dir;
  write_text(dir / "mine.yaml", with_steps("      - run: make\n"));
  Recipe recipe = load_recipe_file(dir / "mine.yaml");
  EXPECT_EQ(recipe.file, (dir / "mine.yaml").string());
  EXPECT_EQ(recipe.stages.at(0).steps.at(0).name, "make");
}

TEST(LoadRecipeErrors, AMissingFileIsARecipeError) {
  TempDir dir;
  std::string path = (dir / "missing.yaml").string();
  try {
    load_recipe_file(path);
    FAIL() << "loaded a missing file";
  } catch (const RecipeError& error) {
    EXPECT_EQ(error.exit_code(), kExitUsage);
    EXPECT_EQ(std::string(error.what()),
              path +
                  ": error: cannot read the recipe (no such file); `ssdbuild recipes` lists the "
                  "built-in ones");
  }
}

TEST(LoadRecipeErrors, InvalidYamlIsReportedWhereTheParserStopped) {
  EXPECT_EQ(error_of("name: r\nstages: [\n  - name: s\n"),
            "recipe.yaml:3:3: error: invalid YAML: illegal block entry");
  EXPECT_EQ(error_of("name: r\n  bad: [1, 2\n"),
            "recipe.yaml:2:6: error: invalid YAML: illegal map value");
}

TEST(LoadRecipeErrors, ARecipeMustBeAMap) {
  EXPECT_EQ(error_of("- a\n- b\n"),
            "recipe.yaml:1:1: error: a recipe is a map with `name`, `vars` and `stages`, not a "
            "list");
}

TEST(LoadRecipeErrors, UnknownTopLevelKey) {
  EXPECT_EQ(error_of("name: r\nauthor: me\nstages:\n  - name: s\n    steps: [{run: x}]\n"),
            "recipe.yaml:2:1: error: unknown key `author` in the recipe");
}

TEST(LoadRecipeErrors, MistypedTopLevelKeyGetsAHintAndTheMissingKeyIsReportedToo) {
  EXPECT_EQ(errors_of("name: r\nstagse:\n  - name: s\n    steps: [{run: x}]\n"),
            (std::vector<std::string>{
                "recipe.yaml:1:1: error: the recipe needs `stages`, a list of stages",
                "recipe.yaml:2:1: error: unknown key `stagse` in the recipe (did you mean "
                "`stages`?)"}));
}

TEST(LoadRecipeErrors, MistypedStepKeyGetsADidYouMeanAndNoOtherError) {
  EXPECT_EQ(error_of(with_steps("      - rnu: make\n")),
            "recipe.yaml:5:9: error: unknown key `rnu` in a step (did you mean `run`?)");
  EXPECT_EQ(error_of(with_steps("      - run: make\n        retires: 2\n")),
            "recipe.yaml:6:9: error: unknown key `retires` in a step (did you mean `retries`?)");
}

TEST(LoadRecipeErrors, UnknownStageKey) {
  EXPECT_EQ(error_of("name: r\nstages:\n  - name: s\n    need: x\n    steps: [{run: x}]\n"),
            "recipe.yaml:4:5: error: unknown key `need` in a stage (did you mean `needs`?)");
}

TEST(LoadRecipeErrors, TimeoutMustBeADuration) {
  EXPECT_EQ(error_of(with_steps("      - run: make\n        timeout: 5x\n")),
            "recipe.yaml:6:18: error: `timeout` must be a duration like 90s, 30m, 2h or 1h30m, "
            "not `5x`");
  EXPECT_EQ(error_of(with_steps("      - run: make\n        timeout: 1h30\n")),
            "recipe.yaml:6:18: error: `timeout` must be a duration like 90s, 30m, 2h or 1h30m, "
            "not `1h30`");
}

TEST(LoadRecipeErrors, TimeoutMustNotBeZero) {
  EXPECT_EQ(error_of(with_steps("      - run: make\n        timeout: 0s\n")),
            "recipe.yaml:6:18: error: `timeout` must be a duration like 90s, 30m, 2h or 1h30m, "
            "not `0s`");
}

TEST(LoadRecipeErrors, RetriesMustBeASmallWholeNumber) {
  EXPECT_EQ(error_of(with_steps("      - run: make\n        retries: abc\n")),
            "recipe.yaml:6:18: error: `retries` must be a whole number from 0 to 99, not `abc`");
  EXPECT_EQ(error_of(with_steps("      - run: make\n        retries: 100\n")),
            "recipe.yaml:6:18: error: `retries` must be a whole number from 0 to 99, not `100`");
  EXPECT_EQ(error_of(with_steps("      - run: make\n        retries: -1\n")),
            "recipe.yaml:6:18: error: `retries` must be a whole number from 0 to 99, not `-1`");
}

TEST(LoadRecipeErrors, EnvMustBeAMap) {
  EXPECT_EQ(error_of(with_steps("      - run: make\n        env: [A, B]\n")),
            "recipe.yaml:6:14: error: `env` must be a map of names to values, not a list");
  EXPECT_EQ(error_of(with_steps("      - run: make\n        env: CC=gcc\n")),
            "recipe.yaml:6:14: error: `env` must be a map of names to values, not `CC=gcc`");
}

TEST(LoadRecipeErrors, StagesMustBeAList) {
  EXPECT_EQ(error_of("name: r\nstages:\n  s: 1\n"),
            "recipe.yaml:3:3: error: `stages` must be a list, not a map");
}

TEST(LoadRecipeErrors, StepsMustBeAList) {
  EXPECT_EQ(error_of("name: r\nstages:\n  - name: s\n    steps: make\n"),
            "recipe.yaml:4:12: error: `steps` must be a list, not `make`");
}

TEST(LoadRecipeErrors, NamesMustBeStrings) {
  EXPECT_EQ(error_of("name: [r]\nstages:\n  - name: s\n    steps: [{run: x}]\n"),
            "recipe.yaml:1:7: error: `name` must be a string, not a list");
}

TEST(LoadRecipeErrors, DescriptionsMustBeStringsAtEveryLevel) {
  EXPECT_EQ(error_of(with_steps("      - run: x\n        description: {a: 1}\n")),
            "recipe.yaml:6:22: error: `description` must be a string, not a map");
  EXPECT_EQ(
      error_of("name: r\nstages:\n  - name: s\n    description: [a]\n    steps: [{run: x}]\n"),
      "recipe.yaml:4:18: error: `description` must be a string, not a list");
}

TEST(LoadRecipeErrors, DuplicateStageNamePointsAtTheFirstOne) {
  EXPECT_EQ(error_of(R"(name: r
stages:
  - name: s
    steps: [{run: a}]
  - name: t
    steps: [{run: b}]
  - name: s
    steps: [{run: c}]
)"),
            "recipe.yaml:7:11: error: duplicate stage name `s` (first at recipe.yaml:3:11)");
}

// A second stage of the same name right after the first would, by default, need the stage
// before it: itself. The duplicate name is the one error to report.
TEST(LoadRecipeErrors, AdjacentDuplicateStageNamesGiveOnlyTheDuplicateError) {
  EXPECT_EQ(errors_of(R"(name: r
stages:
  - name: s
    steps: [{run: a}]
  - name: s
    steps: [{run: b}]
)"),
            (std::vector<std::string>{
                "recipe.yaml:5:11: error: duplicate stage name `s` (first at recipe.yaml:3:11)"}));
}

TEST(LoadRecipeErrors, DuplicateStepNamePointsAtTheFirstOne) {
  EXPECT_EQ(
      error_of(with_steps("      - name: x\n        run: a\n      - name: x\n        run: b\n")),
      "recipe.yaml:7:15: error: duplicate step name `x` in stage `s` (first at "
      "recipe.yaml:5:15)");
}

TEST(LoadRecipeErrors, AStepWithoutAnActionListsTheActions) {
  EXPECT_EQ(error_of(with_steps("      - name: x\n        cwd: /tmp\n")),
            "recipe.yaml:5:9: error: a step needs an action: one of `run`, `copy`, `patch`, "
            "`env`, `alternatives`, `ldconfig`, `extract`, `git`, `fetch`, `apt`, `bench`");
}

TEST(LoadRecipeErrors, AStepWithTwoActionsIsReportedAtTheSecond) {
  EXPECT_EQ(error_of(with_steps("      - run: make\n        copy: {from: a, to: b}\n")),
            "recipe.yaml:6:9: error: a step has exactly one action; this one has `run` and "
            "`copy`");
}

TEST(LoadRecipeErrors, NeedsOfAnUnknownStageSuggestsTheClosestStage) {
  EXPECT_EQ(error_of(R"(name: r
stages:
  - name: fetch
    steps: [{run: a}]
  - name: build
    needs: [fecth]
    steps: [{run: b}]
)"),
            "recipe.yaml:6:12: error: stage `build` needs `fecth`, which is not a stage (did you "
            "mean `fetch`?)");
}

TEST(LoadRecipeErrors, NeededByNamesLaterStagesThatExist) {
  const char* recipe = R"(name: r
stages:
  - name: deps
    steps:
      - {name: tools, run: a, needed_by: [biuld]}
      - {name: headers, run: b, needed_by: deps}
      - {name: odd, run: c, needed_by: {build: true}}
  - name: build
    steps: [{run: b}]
)";
  std::vector<std::string> expected = {
      "recipe.yaml:5:42: error: step `tools`: `needed_by` names `biuld`, which is not a stage "
      "(did you mean `build`?)",
      "recipe.yaml:6:44: error: step `headers`: `needed_by` names its own stage; it lists the "
      "later stages that the step is needed to build",
      "recipe.yaml:7:40: error: `needed_by` must be a stage name or a list of them"};
  EXPECT_EQ(errors_of(recipe), expected);
}

TEST(LoadRecipe, NeededByKeepsItsStages) {
  Recipe recipe = load_recipe_text(R"(name: r
stages:
  - name: deps
    steps: [{name: tools, run: a, needed_by: [build, test]}]
  - name: build
    steps: [{run: b}]
  - name: test
    steps: [{run: c}]
)",
                                   "recipe.yaml");
  EXPECT_EQ(recipe.stages[0].steps[0].needed_by, (std::vector<std::string>{"build", "test"}));
  EXPECT_TRUE(recipe.stages[1].steps[0].needed_by.empty());
}

TEST(LoadRecipeErrors, AStageCannotNeedItself) {
  EXPECT_EQ(error_of("name: r\nstages:\n  - name: a\n    needs: a\n    steps: [{run: x}]\n"),
            "recipe.yaml:4:12: error: stage `a` cannot need itself");
}

TEST(LoadRecipeErrors, ANeedsCycleIsReportedWithItsPath) {
  EXPECT_EQ(error_of(R"(name: r
stages:
  - name: a
    needs: c
    steps: [{run: x}]
  - name: b
    needs: a
    steps: [{run: y}]
  - name: c
    needs: b
    steps: [{run: z}]
)"),
            "recipe.yaml:7:12: error: stages need each other in a cycle: a -> c -> b -> a");
}

TEST(LoadRecipeErrors, UnknownVariableInARunScript) {
  EXPECT_EQ(error_of("name: r\nvars:\n  prefix: /opt\nstages:\n  - name: s\n    steps:\n"
                     "      - name: x\n        run: make PREFIX=${prefx}\n"),
            "recipe.yaml:8:14: error: step `s/x`: unknown variable `prefx` (did you mean "
            "`prefix`?); define it under `vars:`, pass --set prefx=VALUE, or write $${prefx} for "
            "a shell variable");
}

TEST(LoadRecipeErrors, UnknownVariableInCwd) {
  EXPECT_EQ(error_of("name: r\nvars:\n  prefix: /opt\nstages:\n  - name: s\n    steps:\n"
                     "      - name: x\n        cwd: ${prefx}/src\n        run: make\n"),
            "recipe.yaml:8:14: error: step `s/x`: unknown variable `prefx` (did you mean "
            "`prefix`?); define it under `vars:`, pass --set prefx=VALUE, or write $${prefx} for "
            "a shell variable");
}

TEST(LoadRecipeErrors, UnknownVariableInWhen) {
  EXPECT_EQ(error_of("name: r\nvars:\n  prefix: /opt\nstages:\n  - name: s\n    steps:\n"
                     "      - name: x\n        when: prefx == '/opt'\n        run: make\n"),
            "recipe.yaml:8:15: error: step `s/x`, `when`: unknown variable `prefx` (did you mean "
            "`prefix`?); define it under `vars:`, pass --set prefx=VALUE, or write $${prefx} for "
            "a shell variable");
}

TEST(LoadRecipeErrors, UnknownFactInAStageWhen) {
  EXPECT_EQ(error_of("name: r\nstages:\n  - name: s\n    when: facts.gpu.cuont > 0\n"
                     "    steps: [{run: x}]\n"),
            "recipe.yaml:4:11: error: stage `s`, `when`: unknown variable `facts.gpu.cuont` (did "
            "you mean `facts.gpu.count`?)");
}

TEST(LoadRecipeErrors, UnknownVariableInEnvCreatesAndCheck) {
  EXPECT_EQ(errors_of(with_steps(R"(      - name: x
        env: {CC: "${cc}"}
        creates: ${out}
        check: test -f ${out}
        run: make
)")),
            (std::vector<std::string>{
                "recipe.yaml:6:19: error: step `s/x`: unknown variable `cc`; define it under "
                "`vars:`, pass --set cc=VALUE, or write $${cc} for a shell variable",
                "recipe.yaml:7:18: error: step `s/x`: unknown variable `out`; define it under "
                "`vars:`, pass --set out=VALUE, or write $${out} for a shell variable",
                "recipe.yaml:8:16: error: step `s/x`: unknown variable `out`; define it under "
                "`vars:`, pass --set out=VALUE, or write $${out} for a shell variable"}));
}

TEST(LoadRecipeErrors, VarsMayUseFactsEnvWorkdirAndOtherVars) {
  EXPECT_TRUE(errors_of("name: r\nvars:\n  a: ${workdir}/${b}\n  b: ${facts.os.id}-${env.HOME}\n"
                        "stages:\n  - name: s\n    steps: [{run: 'echo ${a}'}]\n")
                  .empty());
}

TEST(LoadRecipeErrors, VarsReferringToEachOtherInACycle) {
  EXPECT_EQ(error_of("name: r\nvars:\n  a: ${b}\n  b: x${a}\nstages:\n  - name: s\n"
                     "    steps: [{run: x}]\n"),
            "recipe.yaml:3:6: error: vars refer to each other in a cycle: a -> b -> a");
}

TEST(LoadRecipeErrors, BadWhenSyntaxGivesTheColumnInTheExpression) {
  EXPECT_EQ(
      error_of(with_steps("      - name: x\n        when: os = 'ubuntu'\n        run: make\n")),
      "recipe.yaml:6:15: error: step `s/x`: bad `when` expression: unknown operator `=` "
      "(use == or !=, or `not`) at column 4");
}

TEST(LoadRecipeErrors, ScopeIsSystemOrPersistent) {
  EXPECT_EQ(error_of(with_steps("      - run: make\n        scope: persistant\n")),
            "recipe.yaml:6:16: error: `scope` is `system` or `persistent`, not `persistant` (did "
            "you mean `persistent`?)");
}

TEST(LoadRecipeErrors, ARunScriptMustNotBeEmpty) {
  EXPECT_EQ(error_of(with_steps("      - run: ''\n")),
            "recipe.yaml:5:14: error: `run` needs a script; it is empty");
  EXPECT_EQ(error_of(with_steps("      - run: \"  \\n \"\n")),
            "recipe.yaml:5:14: error: `run` needs a script; it is empty");
}

TEST(LoadRecipeErrors, ARunWithoutAScriptIsNotAString) {
  std::string message = error_of(with_steps("      - run:\n"));
  EXPECT_EQ(message.rfind("recipe.yaml:", 0), 0u) << message;
  EXPECT_THAT(message, HasSubstr(": error: `run` must be a string, not nothing"));
}

TEST(LoadRecipeErrors, BadNamesAreRejected) {
  EXPECT_EQ(error_of(with_steps("      - name: my step\n        run: make\n")),
            "recipe.yaml:5:15: error: step name `my step` may hold only letters, digits, `_`, "
            "`.` and `-`");
  EXPECT_EQ(error_of("name: r\nvars:\n  facts.x: 1\nstages:\n  - name: s\n    steps: [{run: x}]\n"),
            "recipe.yaml:3:12: error: `facts.x` cannot be a var name (a letter or `_`, then "
            "letters, digits, `_`, `.`, `-`; not starting with facts., env. or steps.)");
}

TEST(LoadRecipeErrors, SeveralErrorsAreReportedTogetherInFileOrder) {
  const std::string text = R"(name: r
vars:
  a: ${nope}
stages:
  - name: s
    steps:
      - run: make
        timeout: 5x
      - rnu: make
      - run: make
        retries: abc
)";
  std::vector<std::string> expected = {
      "recipe.yaml:3:6: error: var `a`: unknown variable `nope`; define it under `vars:`, pass "
      "--set nope=VALUE, or write $${nope} for a shell variable",
      "recipe.yaml:8:18: error: `timeout` must be a duration like 90s, 30m, 2h or 1h30m, not `5x`",
      "recipe.yaml:9:9: error: unknown key `rnu` in a step (did you mean `run`?)",
      "recipe.yaml:11:18: error: `retries` must be a whole number from 0 to 99, not `abc`"};
  EXPECT_EQ(errors_of(text), expected);
  try {
    load_recipe_text(text, "recipe.yaml");
    FAIL() << "loaded";
  } catch (const RecipeError& error) {
    EXPECT_EQ(std::string(error.what()),
              expected[0] + "\n" + expected[1] + "\n" + expected[2] + "\n" + expected[3]);
  }
}

}  // namespace
}  // namespace ssdbuild
