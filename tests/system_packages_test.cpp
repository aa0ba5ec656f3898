// The system packages a cached stage's programs load: the parsers on ldd's and dpkg's own
// output, and the whole search on real programs built here, with the real ldd and dpkg.
#include "ssdbuild/cache/system_packages.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.hpp"

namespace ssdbuild {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

namespace fs = std::filesystem;
using testing::run_shell;
using testing::TempDir;
using testing::write_text;

bool has_prefix(const std::vector<std::string>& list, const std::string& prefix) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& item) { return item.rfind(prefix, 0) == 0; });
}

TEST(ParseLddOutput, KeepsResolvedPathsAndMissingNames) {
  LoadedLibraries loaded = parse_ldd_output(
      "/home/u/tree/bin/tool:\n"
      "\tlinux-vdso.so.1 (0x00007ffd5b1f2000)\n"
      "\tlibcaffe.so.1.0.0-rc3 => /home/u/tree/lib/../lib/libcaffe.so.1.0.0-rc3 (0x00007f...)\n"
      "\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f2a)\n"
      "\tlibcudnn.so.9 => not found\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f2b)\n"
      "/home/u/tree/lib/static.a:\n"
      "\tnot a dynamic executable\n");
  EXPECT_EQ(loaded.paths, (std::set<std::string>{"/lib/x86_64-linux-gnu/libz.so.1",
                                                 "/home/u/tree/lib/../lib/libcaffe.so.1.0.0-rc3"}));
  EXPECT_EQ(loaded.not_found, (std::set<std::string>{"libcudnn.so.9"}));
}

TEST(ParseDpkgSearch, MapsPathsToTheirPackagesAndSkipsDiversions) {
  auto owners = parse_dpkg_search(
      "zlib1g:amd64: /usr/lib/x86_64-linux-gnu/libz.so.1\n"
      "diversion by dash from: /bin/sh\n"
      "libfoo1:amd64, libfoo1-extra:amd64: /usr/lib/libfoo.so.1\n");
  ASSERT_EQ(owners.size(), 2u);
  EXPECT_EQ(owners["/usr/lib/x86_64-linux-gnu/libz.so.1"],
            std::vector<std::string>{"zlib1g:amd64"});
  EXPECT_EQ(owners["/usr/lib/libfoo.so.1"],
            (std::vector<std::string>{"libfoo1:amd64", "libfoo1-extra:amd64"}));
}

TEST(OwnerQueryPaths, AddTheTwinAcrossTheMergedUsr) {
  EXPECT_EQ(
      owner_query_paths("/lib/no-such-dir/libx.so.1"),
      (std::vector<std::string>{"/lib/no-such-dir/libx.so.1", "/usr/lib/no-such-dir/libx.so.1"}));
  EXPECT_EQ(
      owner_query_paths("/usr/lib/no-such-dir/libx.so.1"),
      (std::vector<std::string>{"/usr/lib/no-such-dir/libx.so.1", "/lib/no-such-dir/libx.so.1"}));
  EXPECT_EQ(owner_query_paths("/opt/no-such/libx.so"),
            std::vector<std::string>{"/opt/no-such/libx.so"});
}

TEST(OwnerQueryPaths, FollowTheLinkToTheFileAPackageShipped) {
  TempDir dir;
  write_text(dir / "real.so.1", "x");
  fs::create_symlink(dir / "real.so.1", dir / "link.so.1");
  EXPECT_EQ(owner_query_paths((dir / "link.so.1").string()),
            (std::vector<std::string>{(dir / "link.so.1").string(),
                                      fs::canonical(dir / "real.so.1").string()}));
}

// A program, a shared library it loads from inside the tree, an object file and a script,
// compiled here; the program also loads libarchive and the C++ runtime from the system.
class SystemPackagesOfATree : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_ / "src/inner.cpp", "int inner() { return 41; }\n");
    write_text(dir_ / "src/main.cpp",
               "#include <archive.h>\n#include <string>\nint inner();\n"
               "int main() { return archive_version_number() > 0 && "
               "std::to_string(inner()).size() == 2 ? 0 : 1; }\n");
    write_text(dir_ / "tree/bin/run.sh", "#!/bin/sh\n");
    auto built = run_shell(
        "mkdir -p tree/lib tree/bin tree/obj && "
        "g++ -shared -fPIC src/inner.cpp -o tree/lib/libinner.so && "
        "g++ -c src/inner.cpp -o tree/obj/inner.o && "
        "g++ src/main.cpp -Ltree/lib -linner -larchive -Wl,-rpath,'$ORIGIN/../lib' "
        "-o tree/bin/program && tree/bin/program",
        dir_.path());
    ASSERT_EQ(built.exit_code, 0) << built.output;
  }
  TempDir dir_;
};

TEST_F(SystemPackagesOfATree, LoadableElfFilesAreProgramsAndSharedLibrariesOnly) {
  EXPECT_EQ(loadable_elf_files({dir_ / "tree"}),
            (std::vector<fs::path>{dir_ / "tree/bin/program", dir_ / "tree/lib/libinner.so"}));
  EXPECT_FALSE(is_loadable_elf(dir_ / "tree/obj/inner.o"));
  EXPECT_FALSE(is_loadable_elf(dir_ / "tree/bin/run.sh"));
  EXPECT_FALSE(is_loadable_elf(dir_ / "no-such-file"));
}

TEST_F(SystemPackagesOfATree, AreThePackagesOwningTheLibrariesFromOutsideTheTree) {
  CaptureCommand capture = [](const std::vector<std::string>& argv) {
    return capture_output(argv, std::chrono::minutes(1));
  };
  SystemPackages found = find_system_packages({dir_ / "tree"}, capture);
  ASSERT_TRUE(found.known) << found.problem;
  std::string all;
  for (const auto& package : found.packages) all += package + " ";
  // libc and the C++ runtime on every Debian and Ubuntu; libarchive13 (libarchive13t64 on
  // newer releases) for the library the program names.
  EXPECT_TRUE(has_prefix(found.packages, "libc6")) << all;
  EXPECT_TRUE(has_prefix(found.packages, "libstdc++6")) << all;
  EXPECT_TRUE(has_prefix(found.packages, "libarchive13")) << all;
  EXPECT_TRUE(std::is_sorted(found.packages.begin(), found.packages.end())) << all;
  // libinner.so is in the tree: the archive brings it back, no package does.
  for (const auto& library : found.unowned) {
    EXPECT_THAT(library, Not(HasSubstr("libinner")));
  }
  EXPECT_TRUE(found.not_found.empty());
}

TEST_F(SystemPackagesOfATree, AreUnknownWithoutDpkg) {
  CaptureCommand no_dpkg = [](const std::vector<std::string>& argv) {
    if (argv.front() == "dpkg-query") return CapturedOutput{};  // did not start
    return capture_output(argv, std::chrono::minutes(1));
  };
  SystemPackages found = find_system_packages({dir_ / "tree"}, no_dpkg);
  EXPECT_FALSE(found.known);
  EXPECT_THAT(found.problem, HasSubstr("dpkg-query did not start"));
}

TEST_F(SystemPackagesOfATree, NameALibraryLddCannotFind) {
  fs::remove(dir_ / "tree/lib/libinner.so");
  CaptureCommand capture = [](const std::vector<std::string>& argv) {
    return capture_output(argv, std::chrono::minutes(1));
  };
  SystemPackages found = find_system_packages({dir_ / "tree"}, capture);
  ASSERT_TRUE(found.known) << found.problem;
  EXPECT_EQ(found.not_found, std::vector<std::string>{"libinner.so"});
}

}  // namespace
}  // namespace ssdbuild
