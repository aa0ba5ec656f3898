// The extract action on real archives made here by tar, zip tools and Python's tarfile,
// malicious ones included.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

const std::vector<std::string> kRun = {"run", "recipe.yaml", "--state-dir", "state"};

void write_recipe(const TempDir& dir, const std::string& archive, int strip,
                  const std::string& extra = "") {
  write_text(dir / "recipe.yaml",
             "name: unpack\nstages:\n  - name: s\n    steps:\n"
             "      - name: unpack\n        extract: {archive: " +
                 archive + ", dest: out/boost, strip_components: " + std::to_string(strip) + extra +
                 "}\n");
}

// A source tree like a release tarball: one top folder, nested files, an executable, a link.
void make_tree(const TempDir& dir) {
  write_text(dir / "src/boost_1_67_0/bootstrap.sh", "#!/bin/sh\necho bootstrap\n");
  write_text(dir / "src/boost_1_67_0/boost/version.hpp", "#define BOOST_VERSION 106700\n");
  run_shell(
      "chmod +x src/boost_1_67_0/bootstrap.sh && ln -s boost/version.hpp "
      "src/boost_1_67_0/version-link.hpp",
      dir.path());
}

class ExtractFormats : public ::testing::TestWithParam<std::string> {};

TEST_P(ExtractFormats, ExtractsStripsAndRecognisesItsWork) {
  TempDir dir;
  make_tree(dir);
  std::string name = "boost." + GetParam();
  std::string make = GetParam() == "zip" ? "cd src && zip -qry ../" + name + " boost_1_67_0"
                                         : "tar -caf " + name + " -C src boost_1_67_0";
  ASSERT_EQ(run_shell(make, dir.path()).exit_code, 0);
  write_recipe(dir, name, 1);
  auto result = run_ssdbuild(kRun, dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir / "out/boost/boost/version.hpp"), "#define BOOST_VERSION 106700\n");
  EXPECT_EQ(run_shell("out/boost/bootstrap.sh", dir.path()).output, "bootstrap\n");
  EXPECT_EQ(read_text(dir / "out/boost/version-link.hpp"), "#define BOOST_VERSION 106700\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out/boost.ssdbuild-tmp"));
  auto again =
      run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state", "--force", "s"}, dir.path());
  EXPECT_THAT(again.output, HasSubstr("already holds this archive"));
}

INSTANTIATE_TEST_SUITE_P(Extract, ExtractFormats,
                         ::testing::Values("tar.gz", "tar.bz2", "tar.xz", "tar.zst", "zip"));

// Python's tarfile writes entries no tar command would.
void make_malicious(const TempDir& dir, const std::string& kind) {
  write_text(dir / "make.py",
             "import io, tarfile, sys\n"
             "kind = sys.argv[1]\n"
             "with tarfile.open('bad.tar.gz', 'w:gz') as t:\n"
             "    def add(name, data=b'x', **kw):\n"
             "        info = tarfile.TarInfo(name)\n"
             "        for k, v in kw.items(): setattr(info, k, v)\n"
             "        info.size = len(data) if info.type == tarfile.REGTYPE else 0\n"
             "        t.addfile(info, io.BytesIO(data) if info.size else None)\n"
             "    add('top/fine.txt')\n"
             "    if kind == 'dotdot': add('top/../../evil.txt')\n"
             "    if kind == 'absolute': add('/tmp/ssdbuild-evil-absolute.txt')\n"
             "    if kind == 'symlink':\n"
             "        add('top/escape', type=tarfile.SYMTYPE, linkname='../../..')\n"
             "        add('top/escape/evil.txt')\n"
             "    if kind == 'hardlink': add('top/hard', type=tarfile.LNKTYPE, "
             "linkname='../etc/passwd')\n"
             "    if kind == 'chain':\n"  // each link alone stays inside; together they lead out
             "        add('a', type=tarfile.SYMTYPE, linkname='.')\n"
             "        add('a/b', type=tarfile.SYMTYPE, linkname='..')\n"
             "        add('b/evil.txt')\n");
  ASSERT_EQ(run_shell("python3 make.py " + kind, dir.path()).exit_code, 0);
}

class ExtractMalicious : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(ExtractMalicious, IsRefusedByEntryNameAndLeavesNothing) {
  TempDir dir;
  make_malicious(dir, GetParam().first);
  write_recipe(dir, "bad.tar.gz", 0);
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr(GetParam().second));
  EXPECT_THAT(result.output, HasSubstr("nothing was extracted"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out/boost"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out/boost.ssdbuild-tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir / "evil.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out/evil.txt"));
  EXPECT_FALSE(std::filesystem::exists("/tmp/ssdbuild-evil-absolute.txt"));
}

INSTANTIATE_TEST_SUITE_P(
    Extract, ExtractMalicious,
    ::testing::Values(std::make_pair("dotdot", "archive entry `top/../../evil.txt` climbs out"),
                      std::make_pair("absolute",
                                     "archive entry `/tmp/ssdbuild-evil-absolute.txt` has an "
                                     "absolute path"),
                      std::make_pair("symlink",
                                     "archive entry `top/escape` is a link to `../../..`"),
                      std::make_pair("hardlink", "archive entry `top/hard` climbs out"),
                      std::make_pair("chain", "archive entry `a/b` goes through `a`, a link")));

TEST(Extract, ExistingFolderIsKeptUnlessOverwriteAndAChangedArchiveReplacesOurs) {
  TempDir dir;
  make_tree(dir);
  ASSERT_EQ(run_shell("tar -czf boost.tar.gz -C src boost_1_67_0", dir.path()).exit_code, 0);
  write_text(dir / "out/boost/mine.txt", "precious\n");
  write_recipe(dir, "boost.tar.gz", 1);
  auto refused = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("was not extracted by ssdbuild"));
  EXPECT_EQ(read_text(dir / "out/boost/mine.txt"), "precious\n");
  write_recipe(dir, "boost.tar.gz", 1, ", overwrite: true");
  ASSERT_EQ(run_ssdbuild(kRun, dir.path()).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "out/boost/mine.txt"));
  // A new archive at the same path is extracted again on a forced run.
  write_text(dir / "src/boost_1_67_0/boost/version.hpp", "#define BOOST_VERSION 106800\n");
  ASSERT_EQ(run_shell("tar -czf boost.tar.gz -C src boost_1_67_0", dir.path()).exit_code, 0);
  auto again =
      run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state", "--force", "s"}, dir.path());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_text(dir / "out/boost/boost/version.hpp"), "#define BOOST_VERSION 106800\n");
}

TEST(Extract, TruncatedArchiveFailsCleanly) {
  TempDir dir;
  make_tree(dir);
  ASSERT_EQ(run_shell("head -c 200000 /dev/urandom > src/boost_1_67_0/big.bin && tar -cJf "
                      "full.tar.xz -C src boost_1_67_0 && head -c 3000 full.tar.xz > "
                      "cut.tar.xz",
                      dir.path())
                .exit_code,
            0);
  write_recipe(dir, "cut.tar.xz", 1);
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("FAILED: s/unpack"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out/boost"));
}

TEST(Extract, PlanScriptGivesTheSameTreeForTarAndZip) {
  for (const std::string format : {"tar.gz", "zip"}) {
    TempDir by_plan, by_run;
    // One archive, copied: two tar runs a second apart differ in their timestamps.
    make_tree(by_plan);
    std::string make = format == "zip" ? "cd src && zip -qry ../boost.zip boost_1_67_0"
                                       : "tar -czf boost.tar.gz -C src boost_1_67_0";
    ASSERT_EQ(run_shell(make, by_plan.path()).exit_code, 0);
    std::filesystem::copy_file(by_plan / ("boost." + format), by_run / ("boost." + format));
    write_recipe(by_plan, "boost." + format, 1);
    write_recipe(by_run, "boost." + format, 1);
    auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, by_plan.path());
    write_text(by_plan / "plan.sh", plan.output);
    auto script = run_shell("bash plan.sh && bash plan.sh", by_plan.path());
    ASSERT_EQ(script.exit_code, 0) << script.output << plan.output;
    ASSERT_EQ(run_ssdbuild(kRun, by_run.path()).exit_code, 0);
    auto listing = [](const TempDir& dir) {
      return run_shell(
                 "cd out/boost && find . -printf '%p %y %m\\n' | sort && cat "
                 ".ssdbuild-extracted boost/version.hpp",
                 dir.path())
          .output;
    };
    EXPECT_EQ(listing(by_plan), listing(by_run)) << format;
  }
}

}  // namespace
}  // namespace ssdbuild::testing
