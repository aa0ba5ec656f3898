// The patch action: each op on realistic files, idempotence, all-or-nothing, the plan's
// `ssdbuild patch` lines giving byte-identical results, the plan's diff, and the implicit
// check that runs a done step again when its file was reverted.
#include "ssdbuild/actions/patch_action.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

OpResult apply(PatchOp op, std::string& text) {
  return apply_patch_op(op, text);
}

using Kind = PatchOp::Kind;

// Caffe's example CUDA_ARCH runs over seven lines joined by backslashes: `set` must replace
// all of them, or the stray continuation lines break make.
TEST(PatchOps, SetReplacesAnAssignmentContinuedOverSeveralLines) {
  std::string text =
      "A := 1\nCUDA_ARCH := -gencode arch=compute_20,code=sm_20 \\\n"
      "             -gencode arch=compute_30,code=sm_30 \\\n"
      "             -gencode arch=compute_61,code=sm_61\n\n# BLAS := atlas\n";
  auto result = apply({Kind::set, "CUDA_ARCH", "-gencode arch=compute_90,code=sm_90", {}}, text);
  EXPECT_EQ(result.status, OpStatus::applied);
  EXPECT_EQ(text, "A := 1\nCUDA_ARCH := -gencode arch=compute_90,code=sm_90\n\n# BLAS := atlas\n");
  EXPECT_EQ(apply({Kind::set, "CUDA_ARCH", "-gencode arch=compute_90,code=sm_90", {}}, text).status,
            OpStatus::already_applied);
}

TEST(PatchOps, ReplaceCountsMatchesAndRecognisesItsResult) {
  std::string text = "CXXFLAGS += -isystem a -isystem b\n";
  auto first = apply({Kind::replace, "-isystem", "-I", {}}, text);
  EXPECT_EQ(first.status, OpStatus::applied);
  EXPECT_EQ(first.matches, 2);
  EXPECT_EQ(text, "CXXFLAGS += -I a -I b\n");
  EXPECT_EQ(apply({Kind::replace, "-isystem", "-I", {}}, text).status, OpStatus::already_applied);
  std::string other = "nothing here\n";
  EXPECT_EQ(apply({Kind::replace, "-isystem", "-I", {}}, other).status, OpStatus::no_match);
}

TEST(PatchOps, ReplaceWhoseNewTextContainsTheOldIsIdempotent) {
  std::string text = "USE_CUDNN := 1\n";
  EXPECT_EQ(apply({Kind::replace, "CUDNN", "CUDNN_V8", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(text, "USE_CUDNN_V8 := 1\n");
  EXPECT_EQ(apply({Kind::replace, "CUDNN", "CUDNN_V8", {}}, text).status,
            OpStatus::already_applied);
  EXPECT_EQ(text, "USE_CUDNN_V8 := 1\n");
}

TEST(PatchOps, RegexUsesGroupsAndRecognisesItsResult) {
  std::string text =
      "cv::imread(f, CV_LOAD_IMAGE_COLOR);\ncv::imread(g, CV_LOAD_IMAGE_GRAYSCALE);\n";
  PatchOp op{Kind::regex, "CV_LOAD_IMAGE_(COLOR|GRAYSCALE)", "cv::IMREAD_$1", 2};
  auto result = apply(op, text);
  EXPECT_EQ(result.status, OpStatus::applied);
  EXPECT_EQ(result.matches, 2);
  EXPECT_EQ(text, "cv::imread(f, cv::IMREAD_COLOR);\ncv::imread(g, cv::IMREAD_GRAYSCALE);\n");
  EXPECT_EQ(apply(op, text).status, OpStatus::already_applied);
  EXPECT_EQ(applied_signature("cv::IMREAD_$1"), "cv::IMREAD_.*?");
  EXPECT_EQ(applied_signature("$1$2"), "");
}

TEST(PatchOps, CommentAndUncommentWholeLines) {
  std::string text = "CUDA_DIR := /usr/local/cuda\n# CUDA_DIR := /usr\n  BLAS := open\n";
  EXPECT_EQ(apply({Kind::comment, "CUDA_DIR := /usr/local/cuda", "", {}}, text).status,
            OpStatus::applied);
  EXPECT_EQ(apply({Kind::uncomment, "CUDA_DIR := /usr", "", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(apply({Kind::comment, "BLAS := open", "", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(text, "# CUDA_DIR := /usr/local/cuda\nCUDA_DIR := /usr\n  # BLAS := open\n");
  EXPECT_EQ(apply({Kind::comment, "CUDA_DIR := /usr/local/cuda", "", {}}, text).status,
            OpStatus::already_applied);
  EXPECT_EQ(apply({Kind::uncomment, "CUDA_DIR := /usr", "", {}}, text).status,
            OpStatus::already_applied);
  EXPECT_EQ(apply({Kind::uncomment, "WITH_PYTHON_LAYER := 1", "", {}}, text).status,
            OpStatus::no_match);
}

// `GPU=0` stays in its own form: no space is added after `=`, none taken from `:= `.
TEST(PatchOps, SetKeepsTheLinesOwnForm) {
  std::string text = "GPU=0\nCPU_ONLY := 1\nEMPTY :=\n";
  EXPECT_EQ(apply({Kind::set, "GPU", "1", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(apply({Kind::set, "CPU_ONLY", "0", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(apply({Kind::set, "EMPTY", "x", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(text, "GPU=1\nCPU_ONLY := 0\nEMPTY := x\n");
}

// A key that is not in the file goes after its commented form, else after the last key of
// its group (its first word), in that key's form; else at the end.
TEST(PatchOps, SetPutsAMissingKeyWhereAPersonWould) {
  std::string text = "# USE_CUDNN := 1\nOPENCV_VERSION := 3\nOPENCV_DIR=/usr\nBLAS := atlas\n";
  EXPECT_EQ(apply({Kind::set, "USE_CUDNN", "1", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(apply({Kind::set, "OPENCV_LIBS", "core", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(apply({Kind::set, "PYTHON_LIB", "/usr/lib", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(text,
            "USE_CUDNN := 1\nOPENCV_VERSION := 3\nOPENCV_DIR=/usr\nOPENCV_LIBS=core\n"
            "BLAS := atlas\nPYTHON_LIB := /usr/lib\n");
}

TEST(PatchOps, SetUpdatesUncommentsOrAppends) {
  std::string text = "# OPENCV_VERSION := 3\nBLAS := atlas\nCUDA_ARCH = -gencode a\n";
  EXPECT_EQ(apply({Kind::set, "OPENCV_VERSION", "4", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(apply({Kind::set, "BLAS", "open", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(apply({Kind::set, "CUDA_ARCH", "-gencode b", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(apply({Kind::set, "USE_CUDNN", "1", {}}, text).status, OpStatus::applied);
  EXPECT_EQ(text, "OPENCV_VERSION := 4\nBLAS := open\nCUDA_ARCH = -gencode b\nUSE_CUDNN := 1\n");
  EXPECT_EQ(apply({Kind::set, "BLAS", "open", {}}, text).status, OpStatus::already_applied);
}

TEST(PatchOps, AppendLineAndInsertAfterOnlyWhenAbsent) {
  std::string header = "#define A 1\n/* #undef _GLIBCXX_USE_C99_MATH */\n#define B 2";
  PatchOp insert{Kind::insert_after,
                 "/* #undef _GLIBCXX_USE_C99_MATH */",
                 "#define _GLIBCXX_USE_C99_MATH 1",
                 {}};
  EXPECT_EQ(apply(insert, header).status, OpStatus::applied);
  EXPECT_EQ(header,
            "#define A 1\n/* #undef _GLIBCXX_USE_C99_MATH */\n#define _GLIBCXX_USE_C99_MATH 1\n"
            "#define B 2");
  EXPECT_EQ(apply(insert, header).status, OpStatus::already_applied);
  PatchOp append{Kind::append_line, "#define C 3", "", {}};
  EXPECT_EQ(apply(append, header).status, OpStatus::applied);
  EXPECT_EQ(header.substr(header.size() - 24), "#define B 2\n#define C 3\n");
  EXPECT_EQ(apply(append, header).status, OpStatus::already_applied);
  std::string other = "unrelated\n";
  EXPECT_EQ(apply(insert, other).status, OpStatus::no_match);
}

TEST(PatchOps, DiffThroughGnuPatchRecognisesItsResult) {
  std::string text = "one\ntwo\nthree\n";
  PatchOp op{Kind::diff, "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n", "", {}};
  auto result = apply(op, text);
  ASSERT_EQ(result.status, OpStatus::applied) << result.detail;
  EXPECT_EQ(text, "one\nTWO\nthree\n");
  EXPECT_EQ(apply(op, text).status, OpStatus::already_applied);
  std::string changed = "one\n2\nthree\n";
  auto conflict = apply(op, changed);
  EXPECT_EQ(conflict.status, OpStatus::no_match);
  EXPECT_EQ(changed, "one\n2\nthree\n");
}

TEST(PatchOps, ClosestLinesShowWhatChangedUpstream) {
  auto lines = closest_lines("a\nCUDA_DIR ?= /opt/cuda\nzzz\n", "CUDA_DIR := /usr/local/cuda", 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "2: CUDA_DIR ?= /opt/cuda");
}

// A Makefile.config.example, a Makefile and a header in the style of SSD-Caffe's.
const char* kConfig = R"(## Refer to http://caffe.berkeleyvision.org/installation.html
# CPU_ONLY := 1
# OPENCV_VERSION := 3
CUDA_DIR := /usr/local/cuda
# CUDA_DIR := /usr
CUDA_ARCH := -gencode arch=compute_20,code=sm_20 \
             -gencode arch=compute_61,code=sm_61
BLAS := atlas
# WITH_PYTHON_LAYER := 1
INCLUDE_DIRS := $(PYTHON_INCLUDE) /usr/local/include
)";
const char* kMakefile =
    "COMMON_FLAGS += $(foreach includedir,$(INCLUDE_DIRS),-isystem $(includedir))\n"
    "CXXFLAGS += -isystem /opt\n";
const char* kSource = "img = cv::imread(f, CV_LOAD_IMAGE_COLOR);\n";

const char* kRecipe = R"yaml(name: patching
vars:
  opencv: "4"
stages:
  - name: configure
    steps:
      - name: config
        patch:
          file: caffe/Makefile.config
          ops:
            - comment: CUDA_DIR := /usr/local/cuda
            - uncomment: CUDA_DIR := /usr
            - uncomment: WITH_PYTHON_LAYER := 1
            - set: {key: OPENCV_VERSION, value: "${opencv}"}
            - set: {key: BLAS, value: open}
            - append_line: LIBRARY_DIRS += /usr/lib/x86_64-linux-gnu/hdf5/serial
            - set: {key: CUDA_ARCH, value: "-gencode arch=compute_90,code=sm_90"}
            - replace: {old: "/usr/local/include", new: "/usr/local/include /usr/include/opencv4"}
      - name: isystem
        patch:
          file: caffe/Makefile
          ops:
            - replace: {old: "-isystem", new: "-I", count: 2}
      - name: sources
        patch:
          files: ["caffe/src/**/*.cpp"]
          ops:
            - regex: {pattern: 'CV_LOAD_IMAGE_(\w+)', replace: 'cv::IMREAD_$1', count: 2}
      - name: header
        patch:
          file: caffe/c++config.h
          ops:
            - insert_after: {match: "/* #undef _GLIBCXX_USE_C99_MATH */", text: "#define _GLIBCXX_USE_C99_MATH 1"}
            - diff: |
                --- a/c++config.h
                +++ b/c++config.h
                @@ -1,3 +1,3 @@
                 #define A 1
                -#define B 2
                +#define B 22
                 /* #undef _GLIBCXX_USE_C99_MATH */
)yaml";

void make_tree(const TempDir& dir) {
  write_text(dir / "recipe.yaml", kRecipe);
  write_text(dir / "caffe/Makefile.config", kConfig);
  write_text(dir / "caffe/Makefile", kMakefile);
  write_text(dir / "caffe/src/caffe/util/io.cpp", kSource);
  write_text(dir / "caffe/src/caffe/layers/window_data_layer.cpp", kSource);
  write_text(dir / "caffe/src/.hidden/skip.cpp", kSource);
  write_text(dir / "caffe/c++config.h",
             "#define A 1\n#define B 2\n/* #undef _GLIBCXX_USE_C99_MATH */\n");
  ::chmod((dir / "caffe/Makefile.config").c_str(), 0600);
}

std::string snapshot(const TempDir& dir) {
  std::string all;
  for (const char* file : {"caffe/Makefile.config", "caffe/Makefile", "caffe/src/caffe/util/io.cpp",
                           "caffe/src/caffe/layers/window_data_layer.cpp",
                           "caffe/src/.hidden/skip.cpp", "caffe/c++config.h"}) {
    all += std::string("== ") + file + "\n" + read_text(dir / file);
  }
  return all;
}

const std::vector<std::string> kRun = {"run", "recipe.yaml", "--state-dir", "state"};

TEST(PatchAction, AppliesEveryOpOnRealisticFilesAndKeepsTheMode) {
  TempDir dir;
  make_tree(dir);
  auto result = run_ssdbuild(kRun, dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir / "caffe/Makefile.config"),
            "## Refer to http://caffe.berkeleyvision.org/installation.html\n# CPU_ONLY := 1\n"
            "OPENCV_VERSION := 4\n# CUDA_DIR := /usr/local/cuda\nCUDA_DIR := /usr\n"
            "CUDA_ARCH := -gencode arch=compute_90,code=sm_90\n"
            "BLAS := open\nWITH_PYTHON_LAYER := 1\n"
            "INCLUDE_DIRS := $(PYTHON_INCLUDE) /usr/local/include /usr/include/opencv4\n"
            "LIBRARY_DIRS += /usr/lib/x86_64-linux-gnu/hdf5/serial\n");
  EXPECT_EQ(read_text(dir / "caffe/Makefile"),
            "COMMON_FLAGS += $(foreach includedir,$(INCLUDE_DIRS),-I $(includedir))\n"
            "CXXFLAGS += -I /opt\n");
  EXPECT_EQ(read_text(dir / "caffe/src/caffe/util/io.cpp"),
            "img = cv::imread(f, cv::IMREAD_COLOR);\n");
  EXPECT_EQ(read_text(dir / "caffe/src/.hidden/skip.cpp"), kSource);
  EXPECT_EQ(read_text(dir / "caffe/c++config.h"),
            "#define A 1\n#define B 22\n/* #undef _GLIBCXX_USE_C99_MATH */\n"
            "#define _GLIBCXX_USE_C99_MATH 1\n");
  struct stat info {};
  ::stat((dir / "caffe/Makefile.config").c_str(), &info);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_THAT(result.output,
              HasSubstr("op 1 (replace `-isystem` with `-I`): applied (2 place(s))"));
}

TEST(PatchAction, ReapplyingIsANoOpThatSaysSo) {
  TempDir dir;
  make_tree(dir);
  ASSERT_EQ(run_ssdbuild(kRun, dir.path()).exit_code, 0);
  std::string after = snapshot(dir);
  auto again = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state", "--force", "configure"},
                            dir.path());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(snapshot(dir), after);
  EXPECT_THAT(again.output, HasSubstr("already applied"));
  EXPECT_THAT(again.output, Not(HasSubstr(": applied")));
}

TEST(PatchAction, ConflictLeavesEveryFileByteIdenticalAndShowsTheClosestLines) {
  TempDir dir;
  make_tree(dir);
  std::string changed = kConfig;
  changed.replace(changed.find("CUDA_DIR := /usr/local/cuda"), 27, "CUDA_DIR ?= /opt/cuda");
  write_text(dir / "caffe/Makefile.config", changed);
  auto result = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state", "--only", "configure"},
                             dir.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(read_text(dir / "caffe/Makefile.config"), changed);
  EXPECT_THAT(result.output,
              HasSubstr("op 1 (comment `CUDA_DIR := /usr/local/cuda`): no match; the "
                        "closest lines are:"));
  EXPECT_THAT(result.output, HasSubstr("4: CUDA_DIR ?= /opt/cuda"));
  EXPECT_THAT(result.output, HasSubstr("No file was changed."));
}

TEST(PatchAction, WrongCountTouchesNothing) {
  TempDir dir;
  make_tree(dir);
  write_text(dir / "caffe/Makefile", "CXXFLAGS += -isystem /opt\n");
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("expected 2 match(es), found 1"));
  EXPECT_EQ(read_text(dir / "caffe/Makefile"), "CXXFLAGS += -isystem /opt\n");
}

TEST(PatchAction, PlanShowsEachOpAndItsScriptDoesTheSame) {
  TempDir by_plan, by_run;
  make_tree(by_plan);
  make_tree(by_run);
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, by_plan.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("#     op 4 (set OPENCV_VERSION := 4): will apply"));
  // One line per op, through the binary's own patch code.
  EXPECT_THAT(plan.output, HasSubstr("\n  set OPENCV_VERSION 4 \\\n"));
  EXPECT_THAT(plan.output, HasSubstr("/caffe/Makefile -- replace -isystem -I count 2\n"));
  write_text(by_plan / "plan.sh", plan.output);
  auto script = run_shell("bash plan.sh", by_plan.path());
  ASSERT_EQ(script.exit_code, 0) << script.output;
  ASSERT_EQ(run_ssdbuild(kRun, by_run.path()).exit_code, 0);
  EXPECT_EQ(snapshot(by_plan), snapshot(by_run));
  // A second pass of the script changes nothing, and the plan now sees every op applied.
  auto again = run_shell("bash plan.sh", by_plan.path());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("already applied"));
  EXPECT_EQ(snapshot(by_plan), snapshot(by_run));
  auto replanned = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, by_plan.path());
  EXPECT_THAT(replanned.output, HasSubstr("#     op 4 (set OPENCV_VERSION := 4): already applied"));
}

TEST(PatchAction, ScriptRefusesAConflictAndTouchesNothing) {
  TempDir dir;
  make_tree(dir);
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  write_text(dir / "plan.sh", plan.output);
  write_text(dir / "caffe/Makefile", "CXXFLAGS += -isystem /opt\n");
  std::string before = snapshot(dir);
  auto script = run_shell("bash plan.sh", dir.path());
  EXPECT_NE(script.exit_code, 0);
  EXPECT_THAT(script.output, HasSubstr("expected 2 match(es), found 1"));
  // The first step (config) ran before the conflicting one; the Makefile is untouched.
  EXPECT_EQ(read_text(dir / "caffe/Makefile"), "CXXFLAGS += -isystem /opt\n");
  EXPECT_NE(snapshot(dir), before);  // config was patched by the step before
}

// Where the file exists when the plan is made, the plan shows the exact change.
TEST(PatchAction, PlanShowsTheUnifiedDiffOfAFileThatExists) {
  TempDir dir;
  make_tree(dir);
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  std::string file = (dir / "caffe/Makefile").relative_path().string();
  EXPECT_THAT(plan.output, HasSubstr("#     --- a/" + file + "\n#     +++ b/" + file + "\n"));
  EXPECT_THAT(plan.output, HasSubstr("#     -CXXFLAGS += -isystem /opt\n"));
  EXPECT_THAT(plan.output, HasSubstr("#     +CXXFLAGS += -I /opt\n"));
}

// A done patch step whose file was reverted (a fresh checkout) runs again by itself.
TEST(PatchAction, ADoneStepWhoseFileWasRevertedRunsAgain) {
  TempDir dir;
  make_tree(dir);
  ASSERT_EQ(run_ssdbuild(kRun, dir.path()).exit_code, 0);
  auto status = run_ssdbuild({"status", "recipe.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_THAT(status.output, Not(HasSubstr("no longer applied")));
  write_text(dir / "caffe/Makefile", kMakefile);
  auto again = run_ssdbuild(kRun, dir.path());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("configure/isystem  (run: patch op 1 is no longer applied)"));
  EXPECT_THAT(read_text(dir / "caffe/Makefile"), HasSubstr("-I /opt"));
  EXPECT_THAT(again.output, HasSubstr("skip: done"));  // the other patch steps
}

// `ssdbuild patch`, what a plan runs: ops as words, which may look like options.
TEST(PatchAction, PatchCommandTakesOpsAsWordsAfterTheFiles) {
  TempDir dir;
  write_text(dir / "Makefile", "CXXFLAGS += -isystem /opt\nGPU=0\n");
  auto result =
      run_shell(shell_quote(ssdbuild_binary()) + " patch --file " + (dir / "Makefile").string() +
                    " -- replace -isystem -I count 1 set GPU 1",
                dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir / "Makefile"), "CXXFLAGS += -I /opt\nGPU=1\n");
  auto unknown = run_shell(shell_quote(ssdbuild_binary()) + " patch --file " +
                               (dir / "Makefile").string() + " -- replce a b",
                           dir.path());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("unknown op `replce` (did you mean `replace`?)"));
  auto conflict = run_shell(shell_quote(ssdbuild_binary()) + " patch --file " +
                                (dir / "Makefile").string() + " -- replace absent x",
                            dir.path());
  EXPECT_EQ(conflict.exit_code, 1);
  EXPECT_THAT(conflict.output, HasSubstr("no match"));
}

TEST(PatchOpArguments, EveryKindRoundTripsThroughTheCommandLine) {
  std::vector<PatchOp> ops = {{Kind::replace, "-isystem", "-I", 2},
                              {Kind::regex, "a(b)", "$1", std::nullopt},
                              {Kind::comment, "X := 1", "", std::nullopt},
                              {Kind::uncomment, "Y := 2", "", std::nullopt},
                              {Kind::set, "GPU", "1", std::nullopt},
                              {Kind::append_line, "Z += 3", "", std::nullopt},
                              {Kind::insert_after, "A", "B\nC", std::nullopt},
                              {Kind::diff, "--- a/f\n+++ b/f\n", "", std::nullopt}};
  std::vector<std::string> words;
  for (const auto& op : ops) {
    auto more = patch_op_arguments(op);
    words.insert(words.end(), more.begin(), more.end());
  }
  auto back = parse_patch_arguments(words);
  ASSERT_EQ(back.size(), ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(back[i].kind, ops[i].kind) << i;
    EXPECT_EQ(back[i].match, ops[i].match) << i;
    EXPECT_EQ(back[i].text, ops[i].text) << i;
    EXPECT_EQ(back[i].count, ops[i].count) << i;
  }
}

TEST(PatchAction, RecipeErrorsPointAtTheOp) {
  TempDir dir;
  write_text(dir / "recipe.yaml", R"(name: r
stages:
  - name: s
    steps:
      - patch:
          file: f
          ops:
            - replce: {old: a, new: b}
            - regex: {pattern: "(", replace: x}
)");
  auto result = run_ssdbuild({"validate", "recipe.yaml"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output,
              HasSubstr("recipe.yaml:8:15: error: unknown patch op `replce` (did you mean "
                        "`replace`?)"));
}

}  // namespace
}  // namespace ssdbuild::testing
