// docs/recipe.schema.json, the JSON Schema that editors' YAML support uses, against the
// loader: every recipe of recipes/ and tests/fixtures/ passes both, and each recipe of a set
// of bad ones is refused by both (and each of a set of unusual good ones accepted by both),
// so that the schema cannot drift from what `ssdbuild validate` says. The schema is checked
// with Debian's python3-jsonschema, the YAML read by python3-yaml.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kTop = fs::path(SSDBUILD_TEST_DIR).parent_path();
const fs::path kSchema = kTop / "docs/recipe.schema.json";

// Each file's errors against the schema ("" when valid), by path.
std::map<std::string, std::string> schema_errors(const std::vector<fs::path>& files) {
  std::string command =
      "/usr/bin/python3 -c '\n"
      "import json, sys, yaml, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "jsonschema.Draft7Validator.check_schema(schema)\n"
      "validator = jsonschema.Draft7Validator(schema)\n"
      "result = {}\n"
      "for name in sys.argv[2:]:\n"
      "    errors = validator.iter_errors(yaml.safe_load(open(name)))\n"
      "    result[name] = \"; \".join(\"%s: %s\" % (list(e.absolute_path), e.message[:200])\n"
      "                               for e in errors)\n"
      "print(json.dumps(result))' " +
      shell_quote(kSchema.string());
  for (const auto& file : files) command += " " + shell_quote(file.string());
  auto result = run_shell(command, "/");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  if (result.exit_code != 0) return {};
  return nlohmann::json::parse(result.output).get<std::map<std::string, std::string>>();
}

std::string recipe(const std::string& steps, const std::string& stage_extra = "",
                   const std::string& top_extra = "") {
  return "name: schema-test\n" + top_extra + "stages:\n  - name: only\n" + stage_extra +
         "    steps:\n" + steps;
}

TEST(RecipeSchema, EveryRecipeInTheTreePassesTheSchemaAndTheLoader) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kTop / "recipes")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  for (const auto& entry : fs::recursive_directory_iterator(kTop / "tests/fixtures")) {
    if (entry.path().filename() == "recipe.yaml") files.push_back(entry.path());
  }
  ASSERT_GE(files.size(), 4u);
  auto errors = schema_errors(files);
  for (const auto& file : files) {
    EXPECT_EQ(errors[file.string()], "") << file;
    auto validated = run_ssdbuild({"validate", file.string()}, "/");
    EXPECT_EQ(validated.exit_code, 0) << file << "\n" << validated.output;
  }
}

// Recipes the loader refuses, each for one reason; the schema must refuse each too.
const std::vector<std::pair<std::string, std::string>> kBadRecipes = {
    {"no-name", "stages:\n  - name: a\n    steps:\n      - run: 'true'\n"},
    {"no-stages", "name: schema-test\n"},
    {"unknown-top-key", recipe("      - run: 'true'\n", "", "stage: []\n")},
    {"bad-recipe-name", "name: -dash\nstages:\n  - name: a\n    steps:\n      - run: 'true'\n"},
    {"stage-without-steps", "name: schema-test\nstages:\n  - name: a\n"},
    {"unknown-stage-key", recipe("      - run: 'true'\n", "    need: []\n")},
    {"cache-without-paths", recipe("      - run: 'true'\n", "    cache: {path: [x]}\n")},
    {"two-actions", recipe("      - run: 'true'\n        copy: {from: a, to: b}\n")},
    {"no-action", recipe("      - name: nothing\n        cwd: /\n")},
    {"env-field-alone", recipe("      - env: {CC: gcc}\n")},
    {"unknown-step-key", recipe("      - run: 'true'\n        creats: x\n")},
    {"bad-scope", recipe("      - run: 'true'\n        scope: global\n")},
    {"retries-too-many", recipe("      - run: 'true'\n        retries: 100\n")},
    {"retries-not-a-number", recipe("      - run: 'true'\n        retries: lots\n")},
    {"timeout-not-a-duration", recipe("      - run: 'true'\n        timeout: 5 minutes\n")},
    {"optional-maybe", recipe("      - run: 'true'\n        optional: maybe\n")},
    {"ccache-on-copy", recipe("      - copy: {from: a, to: b}\n        ccache: true\n")},
    {"copy-without-to", recipe("      - copy: {from: a}\n")},
    {"copy-overwrite-maybe", recipe("      - copy: {from: a, to: b, overwrite: maybe}\n")},
    {"git-without-ref-or-commit", recipe("      - git: {url: u, dest: d}\n")},
    {"git-short-commit", recipe("      - git: {url: u, dest: d, commit: abc123}\n")},
    {"fetch-without-sha256", recipe("      - fetch: {url: u}\n")},
    {"fetch-url-and-urls", recipe("      - fetch: {url: u, urls: [v], sha256: skip}\n")},
    {"fetch-bad-sha256", recipe("      - fetch: {url: u, sha256: abc}\n")},
    {"patch-unknown-op", recipe("      - patch: {file: f, ops: [{replce: {old: a, new: b}}]}\n")},
    {"patch-op-two-keys", recipe("      - patch: {file: f, ops: [{comment: a, uncomment: b}]}\n")},
    {"patch-file-and-files", recipe("      - patch: {file: f, files: [g], ops: [{comment: a}]}\n")},
    {"patch-without-ops", recipe("      - patch: {file: f}\n")},
    {"alternatives-without-priority",
     recipe("      - alternatives: {name: n, link: l, path: p}\n")},
    {"ldconfig-without-paths", recipe("      - ldconfig: {file: f}\n")},
    {"extract-strip-two",
     recipe("      - extract: {archive: a, dest: d, strip_components: two}\n")},
    {"bench-without-model", recipe("      - bench: {harness: h}\n")},
    {"bench-bad-variant", recipe("      - bench: {harness: h, model: m, variant: turbo}\n")},
    {"apt-unknown-key", recipe("      - apt: {instal: [make]}\n")},
    {"env-action-unknown-key", recipe("      - env: {prepend: {PATH: /x}, sett: {A: b}}\n")},
    {"bad-var-name", recipe("      - run: 'true'\n", "", "vars: {'1x': a}\n")},
};

// Unusual recipes the loader accepts: scalars as strings, yes/no flags, the env action.
const std::vector<std::pair<std::string, std::string>> kGoodRecipes = {
    {"scalars-as-strings", recipe("      - run: 'true'\n        retries: '2'\n        timeout: "
                                  "1h30m\n        optional: 'true'\n")},
    {"timeout-in-seconds", recipe("      - run: 'true'\n        timeout: 600\n")},
    {"flags-as-yes-no", recipe("      - copy: {from: a, to: b, overwrite: yes}\n")},
    {"env-action-and-field",
     recipe("      - env: {prepend: {PATH: /x}}\n      - run: 'true'\n        env: {CC: gcc}\n")},
    {"stage-cache-and-needs",
     recipe("      - run: 'true'\n", "    cache: {paths: x}\n    needs: []\n")},
    {"fetch-first-use", recipe("      - fetch: {urls: [u, v], sha256: first-use}\n")},
    {"patch-files", recipe("      - patch: {files: [f, g], ops: [{set: {key: K, value: 1}}]}\n")},
};

TEST(RecipeSchema, TheSchemaAndTheLoaderAgreeOnBadAndUnusualRecipes) {
  TempDir dir;
  std::vector<fs::path> files;
  for (const auto* set : {&kBadRecipes, &kGoodRecipes}) {
    for (const auto& [name, text] : *set) {
      files.push_back(dir / (name + ".yaml"));
      write_text(files.back(), text);
    }
  }
  auto errors = schema_errors(files);
  for (const auto& [name, text] : kBadRecipes) {
    std::string file = (dir / (name + ".yaml")).string();
    auto validated = run_ssdbuild({"validate", file}, dir.path());
    EXPECT_EQ(validated.exit_code, 2) << name << ": the loader accepts it\n" << validated.output;
    EXPECT_NE(errors[file], "") << name << ": the schema accepts it; the loader says\n"
                                << validated.output;
  }
  for (const auto& [name, text] : kGoodRecipes) {
    std::string file = (dir / (name + ".yaml")).string();
    auto validated = run_ssdbuild({"validate", file}, dir.path());
    EXPECT_EQ(validated.exit_code, 0) << name << "\n" << validated.output;
    EXPECT_EQ(errors[file], "") << name;
  }
}

}  // namespace
}  // namespace ssdbuild::testing
