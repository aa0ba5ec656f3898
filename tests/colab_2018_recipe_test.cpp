// The built-in colab-2018 recipe: the 2018 blog post's procedure as written (see
// PROCEDURE.md). It targets Ubuntu 17.10 with CUDA 8/9 and is not run here; the tests check
// that it is built in and valid, that its plan (which needs neither root nor the network)
// holds the post's commands in the post's order, and that its file edits do what the post
// did to copies of the files it edits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ssdbuild/recipe/builtin_recipes.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// Where each of `wanted` is found in `text`, each after the one before it; "" when all are
// found, else what is missing and after which.
std::string find_in_order(const std::string& text, const std::vector<std::string>& wanted) {
  size_t position = 0;
  std::string previous = "(start)";
  for (const auto& piece : wanted) {
    size_t found = text.find(piece, position);
    if (found == std::string::npos) {
      bool anywhere = text.find(piece) != std::string::npos;
      return "`" + piece + "` " + (anywhere ? "is there, but not after `" : "is not after `") +
             previous + "`" + (anywhere ? "" : " (nor anywhere)");
    }
    position = found + piece.size();
    previous = piece;
  }
  return "";
}

TEST(Colab2018Recipe, IsBuiltInAndValid) {
  TempDir dir;
  auto validate = run_ssdbuild({"validate", "colab-2018"}, dir.path());
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
  EXPECT_THAT(validate.output, HasSubstr("ok: recipe colab-2018"));

  auto recipes = run_ssdbuild({"recipes"}, dir.path());
  ASSERT_EQ(recipes.exit_code, 0) << recipes.output;
  EXPECT_THAT(recipes.output, HasSubstr("colab-2018"));
  // ssd-caffe stays first, and the default.
  EXPECT_EQ(recipes.output.rfind("ssd-caffe", 0), 0u) << recipes.output;
  EXPECT_LT(recipes.output.find("(default)"), recipes.output.find("colab-2018"));

  auto show = run_ssdbuild({"show", "colab-2018"}, dir.path());
  ASSERT_EQ(show.exit_code, 0) << show.output;
  EXPECT_EQ(show.output.rfind("name: colab-2018\n", 0), 0u) << show.output;
  EXPECT_THAT(show.output, HasSubstr("not expected to run on today's machines"));
  EXPECT_THAT(show.output, HasSubstr("Stage 6: MobileNet-SSD timing on CPU and GPU"));
}

TEST(Colab2018Recipe, PlanHasTheProceduresCommandsInItsOrder) {
  TempDir dir;
  auto plan = run_ssdbuild({"plan", "colab-2018", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  const std::string caffe = dir.path().string() + "/caffe";
  EXPECT_THAT(
      plan.output,
      HasSubstr(std::to_string(steps_in(std::string(find_builtin_recipe("colab-2018")->text))) +
                " step(s) to run, 0 to skip"));
  std::string problem = find_in_order(
      plan.output,
      {
          // Stage 1: deb-src lines on, apt update, build-dep.
          "# ===== stage deps =====",
          "# --- deps/sources",
          "ssdbuild_apt --sources",
          "# --- deps/build-dep",
          "ssdbuild_apt --update --recommends",
          "--build-dep caffe-cuda",
          // Stage 2: g++-5 as the default compiler.
          "# ===== stage toolchain =====",
          "--install g++-5",
          "update-alternatives --install /usr/bin/gcc gcc /usr/bin/gcc-5 20",
          "update-alternatives --install /usr/bin/g++ g++ /usr/bin/g++-5 20",
          // Stage 3: Boost 1.67.0 from Boost's own address, checked, built, installed.
          "# ===== stage boost =====",
          "ssdbuild_fetch ",
          "2684c972994ee57fc5632e03bf044746f6eb45d4920c343937a465fd67a5adba",
          "https://archives.boost.io/release/1.67.0/source/boost_1_67_0.tar.bz2",
          "ssdbuild_extract ",
          dir.path().string() + "/boost_1_67_0 1\n",
          "cd " + dir.path().string() + "/boost_1_67_0\n",
          "./bootstrap.sh --exec-prefix=/usr/local "
          "--with-libraries=system,filesystem,regex,thread,python --with-python-version=2.7 "
          "--with-python-root=/usr\n",
          "./b2 install\n",
          // Stage 4: the clone at the pinned commit of the ssd branch, Makefile.config.
          "# ===== stage source =====",
          "ssdbuild_git --url https://github.com/weiliu89/caffe.git --dest " + caffe +
              " --ref ssd --commit 4817bf8b4200b35ada8ed0dc378dceaf38c539e4\n",
          "ssdbuild_copy " + caffe + "/Makefile.config.example " + caffe + "/Makefile.config\n",
          "\"$ssdbuild\" patch --file " + caffe + "/Makefile.config -- \\\n",
          "comment 'CUDA_DIR := /usr/local/cuda'",
          "comment 'BLAS := open'",
          "uncomment 'CUDA_DIR := /usr'",
          "uncomment 'BLAS := atlas'",
          "uncomment 'OPENCV_VERSION := 3'",
          "uncomment 'WITH_PYTHON_LAYER := 1'",
          "set INCLUDE_DIRS '$(PYTHON_INCLUDE) /usr/local/include /usr/include/hdf5/serial'",
          "set LIBRARY_DIRS '$(PYTHON_LIB) /usr/local/lib /usr/lib ",
          "--file " + caffe + "/Makefile -- replace -isystem -I",
          // Stage 5: gcc 5's header fixed, then the build in the post's order.
          "# ===== stage build =====",
          "--file /usr/include/x86_64-linux-gnu/c++/5/bits/c++config.h -- insert_after "
          "'/* #undef _GLIBCXX_USE_C99_MATH */' '#define _GLIBCXX_USE_C99_MATH 1'",
          "cd " + caffe + "\n(\nmake -j8\n",
          "\nmake pycaffe\n",
          "\nmake test -j8\n",
          "\nmake distribute\n",
          "cat > /etc/ld.so.conf.d/ssdbuild-colab-2018-build-ldconfig.conf",
          "\n/usr/local/lib\n",
          caffe + "/distribute/lib\n",
          "\nldconfig\n",
          "export PYTHONPATH=" + caffe + "/python",
          // Stage 6: MobileNet-SSD, its weights, the harness built with g++-5, timed on both.
          "# ===== stage bench =====",
          "ssdbuild_git --url https://github.com/chuanqi305/MobileNet-SSD.git",
          "--commit bb17b6c3eef36d80be441ae8e5339be66e8e3b7a",
          "MobileNet-SSD/raw/master/mobilenet_iter_73000.caffemodel",
          "optional step bench/weights failed",
          "ssdbuild_copy --overwrite --builtin mobilenet_ssd_bench.cpp ",
          "g++ -O2 -std=c++11 -I \"" + caffe + "/distribute/include\"",
          "--device cpu --device-id 0 --warmup 5 --iterations 50",
          "--device gpu --device-id 0 --warmup 5 --iterations 50",
          "\"$ssdbuild\" record-bench --results " + dir.path().string() + "/state/results",
      });
  EXPECT_EQ(problem, "") << plan.output;
  // The post's dead download host is not used.
  EXPECT_THAT(plan.output, Not(HasSubstr("bintray")));
}

// The start of weiliu89/caffe's Makefile.config.example at the pinned commit, with every
// line that the post edits.
const char* kConfigExample = R"(# Uncomment if you're using OpenCV 3
# OPENCV_VERSION := 3

# CUDA directory contains bin/ and lib/ directories that we need.
CUDA_DIR := /usr/local/cuda
# On Ubuntu 14.04, if cuda tools are installed via
# "sudo apt-get install nvidia-cuda-toolkit" then use this instead:
# CUDA_DIR := /usr

# BLAS choice:
# atlas for ATLAS (default)
# mkl for MKL
# open for OpenBlas
# BLAS := atlas
BLAS := open

# Uncomment to support layers written in Python (will link against Python libs)
# WITH_PYTHON_LAYER := 1

# Whatever else you find you need goes here.
INCLUDE_DIRS := $(PYTHON_INCLUDE) /usr/local/include
LIBRARY_DIRS := $(PYTHON_LIB) /usr/local/lib /usr/lib
)";

const char* kConfigEdited = R"(# Uncomment if you're using OpenCV 3
OPENCV_VERSION := 3

# CUDA directory contains bin/ and lib/ directories that we need.
# CUDA_DIR := /usr/local/cuda
# On Ubuntu 14.04, if cuda tools are installed via
# "sudo apt-get install nvidia-cuda-toolkit" then use this instead:
CUDA_DIR := /usr

# BLAS choice:
# atlas for ATLAS (default)
# mkl for MKL
# open for OpenBlas
BLAS := atlas
# BLAS := open

# Uncomment to support layers written in Python (will link against Python libs)
WITH_PYTHON_LAYER := 1

# Whatever else you find you need goes here.
INCLUDE_DIRS := $(PYTHON_INCLUDE) /usr/local/include /usr/include/hdf5/serial
LIBRARY_DIRS := $(PYTHON_LIB) /usr/local/lib /usr/lib /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/hdf5/serial
)";

// The post's edits, run on copies: Makefile.config from the example, -isystem in the
// Makefile, and gcc 5's c++config.h (a stand-in file through the gcc5_cxxconfig var).
TEST(Colab2018Recipe, FileEditsDoWhatThePostDid) {
  TempDir dir;
  write_text(dir / "caffe/Makefile.config.example", kConfigExample);
  write_text(dir / "caffe/Makefile",
             "COMMON_FLAGS += $(foreach includedir,$(INCLUDE_DIRS),-isystem $(includedir))\n");
  write_text(dir / "c++config.h",
             "#define _GLIBCXX_USE_C99 1\n/* #undef _GLIBCXX_USE_C99_MATH */\n"
             "#define _GLIBCXX_USE_C99_MATH_TR1 1\n");
  const std::vector<std::string> options = {"--state-dir", "state", "--set",
                                            "gcc5_cxxconfig=" + (dir / "c++config.h").string()};
  auto run = [&](const std::string& from, const std::string& to) {
    std::vector<std::string> arguments = {"run", "colab-2018", "--from", from, "--to", to};
    arguments.insert(arguments.end(), options.begin(), options.end());
    return run_ssdbuild(arguments, dir.path());
  };

  auto edits = run("source/config", "source/isystem");
  ASSERT_EQ(edits.exit_code, 0) << edits.output;
  EXPECT_EQ(read_text(dir / "caffe/Makefile.config"), kConfigEdited);
  EXPECT_EQ(read_text(dir / "caffe/Makefile.config.example"), kConfigExample);
  EXPECT_EQ(read_text(dir / "caffe/Makefile"),
            "COMMON_FLAGS += $(foreach includedir,$(INCLUDE_DIRS),-I $(includedir))\n");

  auto header = run("build/cxxconfig", "build/cxxconfig");
  ASSERT_EQ(header.exit_code, 0) << header.output;
  const std::string fixed_header =
      "#define _GLIBCXX_USE_C99 1\n/* #undef _GLIBCXX_USE_C99_MATH */\n"
      "#define _GLIBCXX_USE_C99_MATH 1\n#define _GLIBCXX_USE_C99_MATH_TR1 1\n";
  EXPECT_EQ(read_text(dir / "c++config.h"), fixed_header);

  // Forced again, every edit finds itself already applied and changes nothing.
  std::vector<std::string> again = {"run",     "colab-2018",      "--from",  "source/config",
                                    "--to",    "build/cxxconfig", "--only",  "source",
                                    "--only",  "build",           "--force", "source",
                                    "--force", "build/cxxconfig"};
  again.insert(again.end(), options.begin(), options.end());
  auto rerun = run_ssdbuild(again, dir.path());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_EQ(read_text(dir / "caffe/Makefile.config"), kConfigEdited);
  EXPECT_THAT(rerun.output, HasSubstr("already applied"));
  EXPECT_EQ(read_text(dir / "c++config.h"), fixed_header);
}

}  // namespace
}  // namespace ssdbuild::testing
