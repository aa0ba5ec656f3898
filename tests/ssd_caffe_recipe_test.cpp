// The built-in ssd-caffe recipe's own logic, without building Caffe: which configuration
// a machine gets, the host compiler chosen from NVIDIA's table, and the CUDA architectures
// kept. Real scripts of the recipe run against stand-in nvcc and g++ programs on PATH.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iterator>
#include <sstream>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class SsdCaffeRecipeTest : public ::testing::Test {
 protected:
  // A program that prints `output` whatever it is asked.
  void program(const std::string& name, const std::string& script) {
    write_text(dir_ / "bin" / name, "#!/bin/sh\n" + script);
    std::filesystem::permissions(dir_ / "bin" / name, std::filesystem::perms::owner_all);
  }
  // nvcc of CUDA `release`, which can build for `arches` (compute_NN lines).
  void nvcc(const std::string& release, const std::string& arches) {
    std::filesystem::create_directories(dir_ / "cuda/bin");
    write_text(dir_ / "cuda/bin/nvcc",
               "#!/bin/sh\ncase \"$1\" in\n  --version) echo 'Cuda compilation tools, release " +
                   release + ", V" + release + ".1';;\n  --list-gpu-arch) for a in " + arches +
                   "; do echo compute_$a; done;;\nesac\n");
    std::filesystem::permissions(dir_ / "cuda/bin/nvcc", std::filesystem::perms::owner_all);
  }
  CommandResult ssdbuild(std::vector<std::string> arguments) {
    arguments.insert(arguments.end(),
                     {"--state-dir", "state", "--set", "cuda_dir=" + (dir_ / "cuda").string(),
                      "--set", "toolchain_mk=" + (dir_ / "toolchain.mk").string(), "--set",
                      "caffe_dir=" + (dir_ / "caffe").string()});
    const char* path = std::getenv("PATH");
    return run_ssdbuild(arguments, dir_.path(),
                        {{"PATH", (dir_ / "bin").string() + ":" + (path ? path : "")}});
  }
  CommandResult run_step(const std::string& step, const std::vector<std::string>& sets) {
    std::vector<std::string> arguments = {"run", "ssd-caffe", "--from", step, "--to", step};
    for (const auto& set : sets) arguments.insert(arguments.end(), {"--set", set});
    return ssdbuild(arguments);
  }
  TempDir dir_;
};

std::vector<std::string> words_of(const std::string& line) {
  std::istringstream in(line);
  return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

// The steps whose `when` is false in a plan's stage STAGE: its header line names them.
std::vector<std::string> when_false_in(const std::string& plan, const std::string& stage) {
  std::string header = "# ===== stage " + stage + " (`when` is false, skipped:";
  for (const auto& line : split_lines(plan)) {
    if (starts_with(line, header)) {
      auto names = words_of(line.substr(header.size()));
      names.pop_back();         // "====="
      names.back().pop_back();  // ")"
      return names;
    }
  }
  return {};
}

TEST_F(SsdCaffeRecipeTest, WithoutAGpuTheDefaultIsACpuOnlyBuild) {
  nvcc("13.0", "75 90");
  auto plan = ssdbuild({"plan", "ssd-caffe"});
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  if (!::testing::Value(when_false_in(plan.output, "configure"), Contains("cuda"))) {
    GTEST_SKIP() << "this machine has a GPU";
  }
  EXPECT_THAT(plan.output, HasSubstr("# --- configure/cpu-only: run"));
  EXPECT_THAT(when_false_in(plan.output, "toolchain"), Contains("host-compiler"));
  auto forced = ssdbuild({"plan", "ssd-caffe", "--set", "cuda=on"});
  EXPECT_THAT(forced.output, HasSubstr("# --- configure/cuda: run"));
  EXPECT_THAT(when_false_in(forced.output, "configure"), Contains("cpu-only"));
  EXPECT_THAT(forced.output, HasSubstr("# --- toolchain/host-compiler: run"));
}

// The target: the default recipe's plan on a fresh state folder, every step of it
// to run, reads in under 500 lines, with a header line for each step that runs.
TEST_F(SsdCaffeRecipeTest, TheDefaultPlanIsUnder500LinesWithEveryStepToRunShown) {
  auto plan = ssdbuild({"plan", "ssd-caffe"});
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_LT(split_lines(plan.output).size(), 500u) << plan.output;
  size_t to_run = 0, shown = 0;
  for (const auto& line : split_lines(plan.output)) {
    if (starts_with(line, "# ")) {
      auto words = words_of(line);
      if (words.size() > 3 && words[2] == "step(s)" && words[3] == "to")
        to_run = std::stoul(words[1]);
    }
    shown += starts_with(line, "# --- ") && line.find(": run: ") != std::string::npos;
  }
  EXPECT_GT(to_run, 0u) << plan.output;
  EXPECT_EQ(shown, to_run) << plan.output;
}

// A Colab VM is thrown away whole at each reset: there (facts.colab, from its COLAB_*
// variables) both apt steps write without fsync and leave byte-compiling to the first
// import; elsewhere neither. The plan shows it on each step's apt line.
TEST_F(SsdCaffeRecipeTest, OnColabTheAptStepsUnpackWithoutFsyncAndDeferByteCompiling) {
  // The step's apt line, or "" when the plan has none.
  auto apt_line = [](const std::string& plan, const std::string& step) {
    auto at = plan.find("# --- " + step + ":");
    if (at != std::string::npos) at = plan.find("\nssdbuild_apt ", at);
    if (at == std::string::npos) return std::string();
    return plan.substr(at + 1, plan.find('\n', at + 1) - at - 1);
  };
  for (bool colab : {true, false}) {
    std::vector<std::pair<std::string, std::string>> env;
    if (colab) env.emplace_back("COLAB_RELEASE_TAG", "release-colab-test");
    auto plan = run_ssdbuild({"plan", "ssd-caffe", "--state-dir", "state"}, dir_.path(), env);
    ASSERT_EQ(plan.exit_code, 0) << plan.output;
    for (const std::string step : {"deps/python", "deps/packages"}) {
      std::string line = apt_line(plan.output, step);
      ASSERT_THAT(line, HasSubstr("--install ")) << step << ":\n" << plan.output;
      if (colab) {
        // ssdbuild-no-fsync.so lies beside the binary in the build folder, as in a bundle.
        EXPECT_THAT(line, HasSubstr("--unsafe-io --no-fsync ")) << step;
        EXPECT_THAT(line, HasSubstr("ssdbuild-no-fsync.so --defer-byte-compile")) << step;
      } else {
        EXPECT_THAT(line, Not(HasSubstr("--unsafe"))) << step;
        EXPECT_THAT(line, Not(HasSubstr("--defer-byte-compile"))) << step;
      }
    }
  }
}

// CUDA 12.4 takes gcc up to 13: a default g++ 14 is passed over for the installed g++-13.
TEST_F(SsdCaffeRecipeTest, HostCompilerIsTheNewestThatNvccAccepts) {
  nvcc("12.4", "75 90");
  program("g++", "echo 14.2.0\n");
  program("g++-13", "echo 13.3.0\n");
  program("g++-11", "echo 11.4.0\n");
  auto run = run_step("toolchain/host-compiler", {"cuda=on"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_text(dir_ / "toolchain.mk"), "CUDA_HOST_CXX := g++-13\n");
  EXPECT_THAT(run.output,
              HasSubstr("CUDA 12.4 accepts gcc up to 13; nvcc's host compiler: g++-13 (13.3.0)"));
}

// CUDA 13.0 takes gcc up to 15: the default g++ 12 is allowed and kept.
TEST_F(SsdCaffeRecipeTest, TheDefaultCompilerIsKeptWhenAllowed) {
  nvcc("13.0", "75 90");
  program("g++", "echo 12\n");
  auto run = run_step("toolchain/host-compiler", {"cuda=on"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_text(dir_ / "toolchain.mk"), "CUDA_HOST_CXX := g++\n");
}

// CUDA 11.2 (Debian 11's nvidia-cuda-toolkit) takes gcc up to 10, Debian 11's default.
TEST_F(SsdCaffeRecipeTest, Cuda112TakesGcc10) {
  nvcc("11.2", "35 50 75 80 86");
  program("g++", "echo 10\n");
  auto run = run_step("toolchain/host-compiler", {"cuda=on"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_text(dir_ / "toolchain.mk"), "CUDA_HOST_CXX := g++\n");
  EXPECT_THAT(run.output, HasSubstr("CUDA 11.2 accepts gcc up to 10"));
}

TEST_F(SsdCaffeRecipeTest, ACudaOutsideTheTableIsAClearError) {
  nvcc("10.2", "75");
  program("g++", "echo 12\n");
  auto run = run_step("toolchain/host-compiler", {"cuda=on"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("CUDA 10.2 is not in host_gcc_by_cuda"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "toolchain.mk"));
}

// sm_120 needs CUDA >= 12.8: an nvcc that does not list it builds the others.
TEST_F(SsdCaffeRecipeTest, ArchitecturesTheNvccRejectsAreLeftOut) {
  nvcc("12.4", "50 52 75 80 86 89 90");
  std::filesystem::create_directories(dir_ / "caffe");
  auto run = run_step("configure/cuda-arch", {"cuda=on", "cuda_arches=75 80 120"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_text(dir_ / "caffe/cuda-arch.txt"),
            " -gencode arch=compute_75,code=sm_75 -gencode arch=compute_80,code=sm_80\n");
  EXPECT_THAT(run.output, HasSubstr("cannot build for sm_120: left out"));

  std::filesystem::remove(dir_ / "caffe/cuda-arch.txt");
  auto none = run_step("configure/cuda-arch", {"cuda=on", "cuda_arches=120"});
  EXPECT_EQ(none.exit_code, 1) << none.output;
  EXPECT_THAT(none.output, HasSubstr("no wanted architecture is supported by this nvcc"));
}

// weiliu89/caffe's object rules (their first lines verbatim) do not name the generated
// caffe.pb.h that every source includes: `make` of one object never writes it, and under
// `make -j` a compile can start before protoc has. After configure/proto-header-first,
// making the two objects alone writes the header first. The compiles are g++ (no nvcc
// needed): what is tested is the order, which is the Makefile's.
TEST_F(SsdCaffeRecipeTest, ObjectsWaitForTheGeneratedProtoHeader) {
  const std::filesystem::path caffe = dir_ / "caffe";
  write_text(caffe / "Makefile",
             "BUILD_DIR := build\n"
             "ALL_BUILD_DIRS := build/src build/cuda/src\n"
             "PROTO_GEN_HEADER := build/src/caffe/proto/caffe.pb.h\n"
             "$(ALL_BUILD_DIRS):\n\tmkdir -p $@\n"
             "$(PROTO_GEN_HEADER):\n\tmkdir -p $(@D) && echo 'int generated();' > $@\n"
             "$(BUILD_DIR)/%.o: %.cpp | $(ALL_BUILD_DIRS)\n"
             "\t$(CXX) -Ibuild/src -c $< -o $@\n"
             "$(BUILD_DIR)/cuda/%.o: %.cu | $(ALL_BUILD_DIRS)\n"
             "\t$(CXX) -x c++ -Ibuild/src -c $< -o $@\n");
  const std::string source = "#include \"caffe/proto/caffe.pb.h\"\nint layer() { return 0; }\n";
  write_text(caffe / "src/layer.cpp", source);
  write_text(caffe / "src/layer.cu", source);
  const std::string make_objects = "make -j2 build/src/layer.o build/cuda/src/layer.o";

  auto unpatched = run_shell(make_objects, caffe);
  EXPECT_NE(unpatched.exit_code, 0) << unpatched.output;
  EXPECT_THAT(unpatched.output, HasSubstr("caffe.pb.h: No such file"));

  auto patch = run_step("configure/proto-header-first", {});
  ASSERT_EQ(patch.exit_code, 0) << patch.output;
  auto patched = run_shell(make_objects, caffe);
  ASSERT_EQ(patched.exit_code, 0) << patched.output;
  EXPECT_TRUE(std::filesystem::exists(caffe / "build/src/caffe/proto/caffe.pb.h"));
  EXPECT_TRUE(std::filesystem::exists(caffe / "build/cuda/src/layer.o"));

  // A Makefile whose rules changed upstream is an error that names the op, not a no-op.
  write_text(caffe / "Makefile", "$(BUILD_DIR)/%.o: %.cpp $(HEADERS) | $(ALL_BUILD_DIRS)\n");
  auto changed =
      ssdbuild({"run", "ssd-caffe", "--from", "configure/proto-header-first", "--to",
                "configure/proto-header-first", "--force", "configure/proto-header-first"});
  EXPECT_NE(changed.exit_code, 0) << changed.output;
  EXPECT_THAT(changed.output, HasSubstr("Makefile: op 1 (replace"));
  EXPECT_THAT(changed.output, HasSubstr("): no match"));
}

}  // namespace
}  // namespace ssdbuild::testing
