// The promise of `plan`: for a recipe using fetch, extract, git, copy, patch and env,
// `ssdbuild plan | bash` and `ssdbuild run` in two fresh folders give identical trees, and
// running the plan's script a second time changes nothing.
#include <gtest/gtest.h>

#include "ssdbuild/util/sha256.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

std::string git(const std::filesystem::path& folder, const std::string& arguments) {
  return run_git(folder, arguments).output;
}

// The same starting material in a folder: the upstream repository and the archive, both
// copied, so that both folders hold the same bytes and the same commit ids.
void prepare(const TempDir& dir, const TempDir& material) {
  ASSERT_EQ(run_shell("cp -a " + (material / "up").string() + " up && cp " +
                          (material / "boost.tar.gz").string() + " boost.tar.gz",
                      dir.path())
                .exit_code,
            0);
}

std::string recipe(const std::string& sha) {
  return R"yaml(name: everything
stages:
  - name: sources
    steps:
      - name: archive
        fetch: {url: "file://${workdir}/boost.tar.gz", sha256: )yaml" +
         sha + R"yaml(, dest: downloads/boost.tar.gz}
      - name: unpack
        extract: {archive: "${steps.archive.path}", dest: boost, strip_components: 1}
      - name: clone
        git: {url: "${workdir}/up", ref: ssd, dest: caffe}
  - name: configure
    steps:
      - copy: {from: caffe/Makefile.config.example, to: caffe/Makefile.config}
      - name: config
        patch: {file: caffe/Makefile.config, ops: [{comment: "BLAS := atlas"}, {uncomment: "BLAS := open"}]}
      - name: isystem
        patch: {file: caffe/Makefile, ops: [{replace: {old: "-isystem", new: "-I"}}]}
      - env: {set: {CAFFE_ROOT: "${workdir}/caffe"}, prepend: {PATH: "${workdir}/boost/bin"}}
      - name: record
        run: |
          echo "root=$${CAFFE_ROOT#$PWD/} tool=$(boost-tool)" > result.txt
)yaml";
}

// Every file under the folder but the state and git's own files: path, type, mode, content.
std::string tree(const TempDir& dir) {
  return run_shell(
             "find . -path ./state -prune -o -path ./up -prune -o -path ./caffe/.git -prune "
             "-o -name plan.sh -prune -o -print | sort | while read -r f; do "
             "stat -c '%n %F %a' \"$f\"; [ -f \"$f\" ] && [ ! -L \"$f\" ] && sha256sum < "
             "\"$f\"; done; git -C caffe rev-parse HEAD",
             dir.path())
      .output;
}

TEST(PlanEquivalence, PlanPipedToBashAndRunGiveIdenticalTrees) {
  TempDir material, by_plan, by_run;
  write_text(material / "src/boost_1_67_0/bin/boost-tool", "#!/bin/sh\necho b2\n");
  write_text(material / "src/boost_1_67_0/boost/version.hpp", "#define BOOST_VERSION 106700\n");
  ASSERT_EQ(run_shell("chmod +x src/boost_1_67_0/bin/boost-tool && tar -czf boost.tar.gz -C src "
                      "boost_1_67_0",
                      material.path())
                .exit_code,
            0);
  git(material.path(), "init -q up");
  write_text(material / "up/Makefile.config.example", "# BLAS := open\nBLAS := atlas\n");
  write_text(material / "up/Makefile", "CXXFLAGS += -isystem /usr/include\n");
  git(material.path(),
      "-C up add -A && git -C up -c user.name=t -c user.email=t@t commit -qm "
      "one && git -C up branch ssd");
  std::string sha = sha256_hex(read_text(material / "boost.tar.gz"));
  for (const TempDir* dir : {&by_plan, &by_run}) {
    prepare(*dir, material);
    write_text(*dir / "recipe.yaml", recipe(sha));
  }

  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, by_plan.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(by_plan / "plan.sh", plan.output);
  auto script = run_shell("bash plan.sh", by_plan.path());
  ASSERT_EQ(script.exit_code, 0) << script.output << plan.output;
  auto run = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, by_run.path());
  ASSERT_EQ(run.exit_code, 0) << run.output;

  std::string expected = tree(by_run);
  EXPECT_EQ(tree(by_plan), expected);
  EXPECT_EQ(read_text(by_run / "result.txt"), "root=caffe tool=b2\n");
  EXPECT_EQ(read_text(by_run / "caffe/Makefile.config"), "BLAS := open\n# BLAS := atlas\n");
  EXPECT_EQ(read_text(by_run / "caffe/Makefile"), "CXXFLAGS += -I /usr/include\n");

  // The script again: nothing changes.
  auto again = run_shell("bash plan.sh", by_plan.path());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(tree(by_plan), expected);
}

}  // namespace
}  // namespace ssdbuild::testing
