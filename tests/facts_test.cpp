// Facts about the machine, read from files that tests make and from tool output.
#include "ssdbuild/facts/facts.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <set>
#include <stdexcept>

#include "test_support.hpp"

namespace ssdbuild {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_text;

TEST(ParseNvidiaSmi, NoLinesIsNoGpus) {
  EXPECT_EQ(parse_nvidia_smi(""), nlohmann::json::array());
  EXPECT_EQ(parse_nvidia_smi("\n\n"), nlohmann::json::array());
}

TEST(ParseNvidiaSmi, OneLineIsOneGpu) {
  nlohmann::json gpus = parse_nvidia_smi("Tesla T4, 7.5, 15360, 535.104.05\n");
  ASSERT_EQ(gpus.size(), 1u);
  EXPECT_EQ(gpus[0]["name"], "Tesla T4");
  EXPECT_EQ(gpus[0]["compute_capability"], "7.5");
  EXPECT_EQ(gpus[0]["memory_mb"], "15360");
  EXPECT_EQ(gpus[0]["driver"], "535.104.05");
}

TEST(ParseNvidiaSmi, TwoLinesAreTwoGpusInOrder) {
  nlohmann::json gpus = parse_nvidia_smi(
      "NVIDIA A100-SXM4-40GB, 8.0, 40960, 550.54.15\n"
      "NVIDIA L4, 8.9, 23034, 550.54.15");
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_EQ(gpus[0]["name"], "NVIDIA A100-SXM4-40GB");
  EXPECT_EQ(gpus[1]["name"], "NVIDIA L4");
  EXPECT_EQ(gpus[1]["compute_capability"], "8.9");
  EXPECT_EQ(gpus[1]["memory_mb"], "23034");
}

TEST(ParseNvidiaSmi, SkipsLinesWithTooFewFields) {
  nlohmann::json gpus =
      parse_nvidia_smi("No devices were found\nTesla T4, 7.5, 15360, 535.104.05\nbroken, 1\n");
  ASSERT_EQ(gpus.size(), 1u);
  EXPECT_EQ(gpus[0]["name"], "Tesla T4");
}

TEST(ParseNvccVersion, ReadsTheReleaseFromNvccVersionOutput) {
  EXPECT_EQ(parse_nvcc_version("nvcc: NVIDIA (R) Cuda compiler driver\n"
                               "Copyright (c) 2005-2023 NVIDIA Corporation\n"
                               "Built on Tue_Aug_15_22:02:13_PDT_2023\n"
                               "Cuda compilation tools, release 12.2, V12.2.140\n"
                               "Build cuda_12.2.r12.2/compiler.33191640_0\n"),
            "12.2");
  EXPECT_EQ(parse_nvcc_version("Cuda compilation tools, release 13.0, V13.0.48\n"), "13.0");
  EXPECT_EQ(parse_nvcc_version("Cuda compilation tools, release 11.10, V11.10.1\n"), "11.10");
}

TEST(ParseNvccVersion, IsEmptyWithoutARelease) {
  EXPECT_EQ(parse_nvcc_version(""), "");
  EXPECT_EQ(parse_nvcc_version("bash: nvcc: command not found\n"), "");
}

TEST(ParseCudnnVersion, ReadsMajorMinorAndPatchLevelFromCudnnVersionH) {
  EXPECT_EQ(parse_cudnn_version(
                "#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 19\n"
                "#define CUDNN_PATCHLEVEL 0\n#define CUDNN_VERSION (CUDNN_MAJOR * 10000)\n"),
            "9.19.0");
  EXPECT_EQ(parse_cudnn_version("#define CUDNN_MAJOR  8\n#define CUDNN_MINOR 9\n"), "8.9");
  EXPECT_EQ(parse_cudnn_version("/* no defines */"), "");
}

TEST(FactNames, AreKnownAndListedOnce) {
  const auto& names = Facts::names();
  EXPECT_EQ(names.front(), "os.id");
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  for (const char* name :
       {"os.id", "os.version_id", "os.codename", "os.pretty_name", "arch", "cpu.count",
        "memory.total_mb", "gcc.version", "nvcc.version", "gpu.count", "gpu.compute_capability",
        "python3.version", "glibc.version", "colab", "drive.mounted", "drive.path", "boot_id"}) {
    EXPECT_TRUE(Facts::is_known(name)) << name;
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

TEST(FactNames, UnknownNamesAreNotKnown) {
  EXPECT_FALSE(Facts::is_known(""));
  EXPECT_FALSE(Facts::is_known("os"));
  EXPECT_FALSE(Facts::is_known("facts.os.id"));
  EXPECT_FALSE(Facts::is_known("gpu.cuont"));
}

class FactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sources_.os_release = (dir_ / "os-release").string();
    sources_.meminfo = (dir_ / "meminfo").string();
    sources_.cpuinfo = (dir_ / "cpuinfo").string();
    sources_.boot_id = (dir_ / "boot_id").string();
    sources_.drive_mount = (dir_ / "drive/MyDrive").string();
    const char* boot = std::getenv("SSDBUILD_BOOT_ID");
    saved_boot_id_ = boot ? std::optional<std::string>(boot) : std::nullopt;
  }
  void TearDown() override {
    if (saved_boot_id_) {
      ::setenv("SSDBUILD_BOOT_ID", saved_boot_id_->c_str(), 1);
    } else {
      ::unsetenv("SSDBUILD_BOOT_ID");
    }
  }

  TempDir dir_;
  FactSources sources_;
  std::optional<std::string> saved_boot_id_;
};

TEST_F(FactsTest, CudnnIsItsHeadersVersionAndTheLibraryFolderBesideIt) {
  fs::create_directories(dir_ / "cudnn/include");
  fs::create_directories(dir_ / "cudnn/lib");
  write_text(dir_ / "cudnn/include/cudnn_version.h",
             "#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 19\n#define CUDNN_PATCHLEVEL 0\n");
  sources_.cudnn_include_dirs = {(dir_ / "nothing-here").string(),
                                 (dir_ / "cudnn/include").string()};
  write_text(dir_ / "cudnn/lib/libcudnn.so.9", "");
  Facts facts(sources_);
  EXPECT_EQ(facts.get("cudnn.version"), "9.19.0");
  EXPECT_EQ(facts.get("cudnn.include_dir"), (dir_ / "cudnn/include").string());
  EXPECT_EQ(facts.get("cudnn.lib_dir"), (dir_ / "cudnn/lib").string());
}

TEST_F(FactsTest, ReadsTheOsFromOsReleaseWithoutQuotes) {
  write_text(dir_ / "os-release",
             "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\n"
             "VERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n# comment\n");
  Facts facts(sources_);
  EXPECT_EQ(facts.get("os.id"), "ubuntu");
  EXPECT_EQ(facts.get("os.version_id"), "22.04");
  EXPECT_EQ(facts.get("os.codename"), "jammy");
  EXPECT_EQ(facts.get("os.pretty_name"), "Ubuntu 22.04.4 LTS");
}

TEST_F(FactsTest, AMissingOsReleaseGivesEmptyValues) {
  Facts facts(sources_);
  EXPECT_EQ(facts.get("os.id"), "");
  EXPECT_EQ(facts.get("os.version_id"), "");
}

TEST_F(FactsTest, AGroupIsProbedOnceThenRemembered) {
  write_text(dir_ / "os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\n");
  Facts facts(sources_);
  EXPECT_EQ(facts.get("os.id"), "ubuntu");
  write_text(dir_ / "os-release", "ID=debian\nVERSION_ID=\"12\"\n");
  EXPECT_EQ(facts.get("os.id"), "ubuntu");
  EXPECT_EQ(facts.get("os.version_id"), "22.04");  // same group: read with os.id
  EXPECT_EQ(Facts(sources_).get("os.id"), "debian");
}

TEST_F(FactsTest, ReadsTotalMemoryInMegabytes) {
  write_text(dir_ / "meminfo",
             "MemTotal:       16384000 kB\nMemFree:         1024000 kB\nMemAvailable: 2 kB\n");
  EXPECT_EQ(Facts(sources_).get("memory.total_mb"), "16000");
}

TEST_F(FactsTest, FindsMemTotalOnAnyLine) {
  write_text(dir_ / "meminfo",
             "MemFree:  1024 kB\nHugePages_Total:       0\nMemTotal: 2048000 kB\n");
  EXPECT_EQ(Facts(sources_).get("memory.total_mb"), "2000");
}

TEST_F(FactsTest, BootIdComesFromItsFileTrimmed) {
  ::unsetenv("SSDBUILD_BOOT_ID");
  write_text(dir_ / "boot_id", "0f1e2d3c-aaaa-bbbb-cccc-123456789abc\n");
  EXPECT_EQ(Facts(sources_).get("boot_id"), "0f1e2d3c-aaaa-bbbb-cccc-123456789abc");
}

TEST_F(FactsTest, SsdbuildBootIdOverridesTheBootIdFile) {
  write_text(dir_ / "boot_id", "real-boot\n");
  ::setenv("SSDBUILD_BOOT_ID", "simulated-reset-2", 1);
  EXPECT_EQ(Facts(sources_).get("boot_id"), "simulated-reset-2");
  ::setenv("SSDBUILD_BOOT_ID", "", 1);  // empty: not set
  EXPECT_EQ(Facts(sources_).get("boot_id"), "real-boot");
}

TEST_F(FactsTest, DriveIsMountedWhenItsFolderExists) {
  Facts before(sources_);
  EXPECT_EQ(before.get("drive.mounted"), "false");
  EXPECT_EQ(before.get("drive.path"), "");
  std::filesystem::create_directories(dir_ / "drive/MyDrive");
  Facts after(sources_);
  EXPECT_EQ(after.get("drive.mounted"), "true");
  EXPECT_EQ(after.get("drive.path"), sources_.drive_mount);
}

TEST_F(FactsTest, AFileIsNotAMountedDrive) {
  write_text(dir_ / "drive/MyDrive", "not a folder");
  EXPECT_EQ(Facts(sources_).get("drive.mounted"), "false");
}

TEST_F(FactsTest, MachineFactsAreFilledIn) {
  Facts facts(sources_);
  EXPECT_FALSE(facts.get("arch").empty());
  EXPECT_GE(std::stoi(facts.get("cpu.count")), 1);
  EXPECT_FALSE(facts.get("glibc.version").empty());
}

// A real program named nvcc, first on PATH: its release and the CUDA_DIR above its bin/.
TEST_F(FactsTest, NvccOnPathGivesItsVersionAndCudaDir) {
  write_text(dir_ / "cuda/bin/nvcc",
             "#!/bin/sh\necho 'Cuda compilation tools, release 12.8, V12.8.93'\n");
  std::filesystem::permissions(dir_ / "cuda/bin/nvcc", std::filesystem::perms::owner_all);
  const char* old_path = std::getenv("PATH");
  std::string saved = old_path ? old_path : "";
  ::setenv("PATH", ((dir_ / "cuda/bin").string() + ":" + saved).c_str(), 1);
  Facts facts(sources_);
  EXPECT_EQ(facts.get("nvcc.path"), (dir_ / "cuda/bin/nvcc").string());
  EXPECT_EQ(facts.get("nvcc.version"), "12.8");
  EXPECT_EQ(facts.get("nvcc.cuda_dir"), (dir_ / "cuda").string());
  ::setenv("PATH", saved.c_str(), 1);
}

// Stand-in gcc, g++, g++-N and python3 first on PATH: the facts are what they print. The
// other g++-N are looked for in /usr/bin, so only the default's version is checked here.
TEST_F(FactsTest, CompilerAndPythonFactsComeFromThePrograms) {
  write_text(dir_ / "bin/gcc", "#!/bin/sh\necho 11.4.0\n");
  write_text(dir_ / "bin/g++", "#!/bin/sh\necho 11.4.0\n");
  write_text(dir_ / "bin/python3", "#!/bin/sh\necho 3.10.12\n");
  for (const char* name : {"gcc", "g++", "python3"})
    std::filesystem::permissions(dir_ / "bin" / name, std::filesystem::perms::owner_all);
  const char* old_path = std::getenv("PATH");
  std::string saved = old_path ? old_path : "";
  ::setenv("PATH", ((dir_ / "bin").string() + ":" + saved).c_str(), 1);
  Facts facts(sources_);
  EXPECT_EQ(facts.get("gcc.version"), "11.4.0");
  EXPECT_EQ(facts.get("gcc.major"), "11");
  EXPECT_EQ(facts.get("gxx.version"), "11.4.0");
  EXPECT_EQ(facts.get("python3.version"), "3.10.12");
  ::setenv("PATH", saved.c_str(), 1);
}

TEST_F(FactsTest, CpuModelIsTheFirstModelNameOfCpuinfo) {
  write_text(dir_ / "cpuinfo",
             "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\n"
             "processor\t: 1\nmodel name\t: AMD EPYC 7B13\n");
  EXPECT_EQ(Facts(sources_).get("cpu.model"), "AMD EPYC 7B13");
  std::filesystem::remove(dir_ / "cpuinfo");
  EXPECT_EQ(Facts(sources_).get("cpu.model"), "");
}

TEST_F(FactsTest, AnUnknownFactThrows) {
  Facts facts(sources_);
  EXPECT_THROW(facts.get("no.such.fact"), std::out_of_range);
  EXPECT_THROW(facts.get("facts.os.id"), std::out_of_range);
}

}  // namespace
}  // namespace ssdbuild
