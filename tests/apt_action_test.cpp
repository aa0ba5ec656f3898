// The apt action: source lists of both formats edited on copies, and a real install of a
// small Debian package (as root, with Debian's archive reachable, as in CI).
#include "ssdbuild/actions/apt_action.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <cstdlib>
#include <map>

#include "ssdbuild/actions/shell_helpers.hpp"
#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* kSourcesList =
    "deb http://deb.example/debian bookworm main\n"
    "# deb-src http://deb.example/debian bookworm main\n"
    "#deb-src http://deb.example/debian bookworm-updates main\n"
    "# a comment about deb-src lines\n";
const char* kDeb822 =
    "Types: deb\nURIs: http://deb.example/debian\nSuites: bookworm\nComponents: main\n\n"
    "Types: deb deb-src\nURIs: http://deb.example/security\nSuites: bookworm-security\n";

// A stand-in `apt-cache policy NAME...`: every package has a candidate.
const char* kAptCachePolicy =
    "#!/bin/sh\nshift\nfor p in \"$@\"; do echo \"$p:\"; echo '  Candidate: 1.0'; done\n";

void make_apt_dir(const TempDir& dir) {
  write_text(dir / "apt/sources.list", kSourcesList);
  write_text(dir / "apt/sources.list.d/debian.sources", kDeb822);
  write_text(dir / "apt/sources.list.d/other.list", "# deb-src http://x.example/ y main\n");
}

TEST(AptSources, BothFormatsAreTurnedOnOnceAndOnlyWhereOff) {
  TempDir dir;
  make_apt_dir(dir);
  auto changed = enable_source_packages(dir / "apt", true);
  EXPECT_EQ(changed.size(), 3u);
  EXPECT_EQ(read_text(dir / "apt/sources.list"),
            "deb http://deb.example/debian bookworm main\n"
            "deb-src http://deb.example/debian bookworm main\n"
            "deb-src http://deb.example/debian bookworm-updates main\n"
            "# a comment about deb-src lines\n");
  EXPECT_EQ(read_text(dir / "apt/sources.list.d/debian.sources"),
            "Types: deb deb-src\nURIs: http://deb.example/debian\nSuites: bookworm\nComponents: "
            "main\n\nTypes: deb deb-src\nURIs: http://deb.example/security\nSuites: "
            "bookworm-security\n");
  EXPECT_TRUE(enable_source_packages(dir / "apt", true).empty());
}

// The first line of `lines` from `from` on that holds both `call` and `argument`, or
// lines.size().
size_t line_with(const std::vector<std::string>& lines, size_t from, const std::string& call,
                 const std::string& argument) {
  while (from < lines.size() && (lines[from].find(call) == std::string::npos ||
                                 lines[from].find(argument) == std::string::npos)) {
    ++from;
  }
  return from;
}

// Each list is written as ssdbuild writes its own files: the new copy fsynced before it
// is renamed into place, then the folder fsynced. strace watches the real system calls.
TEST(AptSources, EachListIsFsyncedThenRenamedThenItsFolderFsynced) {
  if (run_shell("strace -o /dev/null true", "/").exit_code != 0) {
    GTEST_SKIP() << "strace cannot trace here (scripts/setup.sh installs it)";
  }
  TempDir dir;
  make_apt_dir(dir);
  write_text(dir / "enable.sh", shell_helper_definitions({"apt.sh", "apt_sources.sh"}) +
                                    "ssdbuild_apt_enable_sources \"$1\"\n");
  auto traced = run_shell(
      "strace -f -y -qq -e trace=fsync,rename,renameat,renameat2 -o "
      "trace.txt bash enable.sh " +
          shell_quote((dir / "apt").string()),
      dir.path());
  ASSERT_EQ(traced.exit_code, 0) << traced.output;
  std::string trace = read_text(dir / "trace.txt");
  auto lines = split_lines(trace);
  for (const char* name : {"sources.list", "sources.list.d/debian.sources"}) {
    std::string copy = (dir / "apt" / name).string() + ".ssdbuild-tmp";
    std::string folder = (dir / "apt" / name).parent_path().string();
    size_t synced = line_with(lines, 0, "fsync(", "<" + copy + ">)");
    size_t renamed = line_with(lines, synced, "rename", "\"" + copy + "\"");
    size_t folder_synced = line_with(lines, renamed, "fsync(", "<" + folder + ">)");
    EXPECT_LT(synced, lines.size()) << "no fsync of " << copy << " in\n" << trace;
    EXPECT_LT(renamed, lines.size()) << "no rename of " << copy << " after its fsync in\n" << trace;
    EXPECT_LT(folder_synced, lines.size()) << "no fsync of " << folder << " after the rename in\n"
                                           << trace;
  }
  EXPECT_THAT(read_text(dir / "apt/sources.list"), HasSubstr("\ndeb-src "));
}

TEST(AptSources, PlanScriptMakesTheSameEdits) {
  TempDir by_plan, by_run;
  make_apt_dir(by_plan);
  make_apt_dir(by_run);
  std::string recipe =
      "name: apt\nstages:\n  - name: s\n    steps:\n"
      "      - apt: {enable_sources: true, apt_dir: apt}\n";
  write_text(by_plan / "recipe.yaml", recipe);
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, by_plan.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("apt: will turn source packages on in 3 file(s)"));
  // The plan's `apt-get update` needs the network: a stand-in apt-get records its calls.
  write_text(by_plan / "plan.sh", plan.output);
  write_text(by_plan / "bin/apt-get", "#!/bin/sh\necho \"$*\" >> \"$CALLS\"\n");
  std::filesystem::permissions(by_plan / "bin/apt-get", std::filesystem::perms::owner_all);
  const char* path = std::getenv("PATH");
  std::vector<std::pair<std::string, std::string>> env = {
      {"PATH", (by_plan / "bin").string() + ":" + (path ? path : "")},
      {"CALLS", (by_plan / "calls.txt").string()}};
  auto ran = run_shell("bash plan.sh", by_plan.path(), env);
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  enable_source_packages(by_run / "apt", true);
  for (const char* file :
       {"apt/sources.list", "apt/sources.list.d/debian.sources", "apt/sources.list.d/other.list"}) {
    EXPECT_EQ(read_text(by_plan / file), read_text(by_run / file)) << file;
  }
  // As in a run: the lists are updated because the sources changed, and only then.
  EXPECT_EQ(read_text(by_plan / "calls.txt"), "-y -q -o DPkg::Lock::Timeout=300 -o Dir::Etc=" +
                                                  (by_plan / "apt").string() + " update\n");
  ASSERT_EQ(run_shell("bash plan.sh", by_plan.path(), env).exit_code, 0);
  EXPECT_EQ(read_text(by_plan / "calls.txt"), "-y -q -o DPkg::Lock::Timeout=300 -o Dir::Etc=" +
                                                  (by_plan / "apt").string() + " update\n");
}

TEST(AptInstall, MissingPackagesAreFoundWithDpkg) {
  EXPECT_TRUE(missing_packages({"bash", "coreutils"}).empty());
  EXPECT_EQ(missing_packages({"bash=0.0-not-this", "no-such-package-ssdbuild"}),
            (std::vector<std::string>{"bash=0.0-not-this", "no-such-package-ssdbuild"}));
  // A stage cache manifest names packages with their architecture, as dpkg-query -S does;
  // one query answers for all of them, the unknown one among them.
  std::string arch(trim(run_shell("dpkg --print-architecture", "/").output));
  std::string installed_version(trim(run_shell("dpkg-query -W -f='${Version}' bash", "/").output));
  EXPECT_EQ(missing_packages({"libc6:" + arch, "no-such-package-ssdbuild:" + arch,
                              "bash=" + installed_version, "coreutils"}),
            std::vector<std::string>{"no-such-package-ssdbuild:" + arch});
}

TEST(AptInstall, RecipeErrorForAMalformedPackageName) {
  TempDir dir;
  write_text(dir / "recipe.yaml",
             "name: apt\nstages:\n  - name: s\n    steps:\n"
             "      - apt: {install: [Bad Name]}\n");
  auto result = run_ssdbuild({"validate", "recipe.yaml"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output, HasSubstr("`Bad Name` is not a Debian package name"));
}

// ctest runs tests side by side: those that run the apt helper take turns on dpkg, since an
// install that one leaves interrupted on purpose would be finished by another's step.
class DpkgTurn {
 public:
  DpkgTurn() : fd_(::open("/tmp/ssdbuild-tests-dpkg.lock", O_CREAT | O_RDWR, 0666)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~DpkgTurn() {
    if (fd_ >= 0) ::close(fd_);
  }
  DpkgTurn(const DpkgTurn&) = delete;
  DpkgTurn& operator=(const DpkgTurn&) = delete;

 private:
  int fd_;
};

// Whether `package` can be installed for real here: root, absent, and in the sources (after
// an apt-get update if need be). Each test that installs takes a package of its own, since
// ctest runs them side by side.
std::string why_not_installable(const std::string& package) {
  if (::geteuid() != 0) return "apt-get install needs root";
  if (missing_packages({package}).empty()) return package + " is installed already";
  std::string has_candidate = "apt-cache policy " + package + " | grep -q 'Candidate: [0-9]'";
  if (run_shell(has_candidate, "/").exit_code != 0 &&
      run_shell("apt-get update -q >/dev/null 2>&1 && " + has_candidate, "/").exit_code != 0) {
    return package + " is not in this system's sources (Debian's archive not reachable?)";
  }
  return "";
}

// Installs Debian's `hello` for real, then removes it again; the state folder's path has a
// space, as Drive's older mount point ("My Drive") has.
TEST(AptInstall, InstallsARealPackageAndSkipsItOnTheNextRun) {
  if (::geteuid() != 0) GTEST_SKIP() << "apt-get install needs root";
  if (!missing_packages({"hello"}).empty() &&
      run_shell("apt-cache policy hello | grep -q 'Candidate: [0-9]'", "/").exit_code != 0 &&
      run_shell("apt-get update -q >/dev/null 2>&1 && apt-cache policy hello | grep -q "
                "'Candidate: [0-9]'",
                "/")
              .exit_code != 0) {
    GTEST_SKIP() << "Debian's archive is not reachable";
  }
  DpkgTurn turn;
  bool had_it = missing_packages({"hello"}).empty();
  TempDir dir;
  write_text(dir / "recipe.yaml",
             "name: apt\nstages:\n  - name: s\n    steps:\n"
             "      - name: hello\n        apt: {install: [hello], keep_debs: true}\n"
             "      - name: nonsense\n        apt: {install: [no-such-package-ssdbuild]}\n");
  auto first = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "My Drive/state"}, dir.path());
  EXPECT_EQ(first.exit_code, 1);  // the second step fails
  EXPECT_TRUE(missing_packages({"hello"}).empty()) << first.output;
  EXPECT_THAT(first.output, HasSubstr("apt: no package `no-such-package-ssdbuild`"));
  EXPECT_THAT(first.output, HasSubstr("apt-cache search no-such-package-ssdbuild"));
  if (!had_it) {
    EXPECT_FALSE(
        run_shell("ls 'My Drive'/state/apt-archives/hello_*.deb", dir.path()).output.empty());
  }
  auto again = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "My Drive/state", "--force",
                             "s/hello", "--to", "s/hello"},
                            dir.path());
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("every package is installed already"));
  EXPECT_THAT(again.output, Not(HasSubstr("apt-get")));
  if (!had_it) {
    // A VM reset wipes the package, not the state folder: the reinstall takes the kept
    // .deb and downloads nothing, even with the network gone.
    run_shell(
        "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 remove -y -q hello",
        "/");
    ASSERT_FALSE(missing_packages({"hello"}).empty());
    std::string offline = run_shell("unshare -n true", "/").exit_code == 0 ? "unshare -n " : "";
    auto reset = run_shell(offline + shell_quote(ssdbuild_binary()) +
                               " run recipe.yaml --state-dir 'My Drive/state' --to s/hello",
                           dir.path(), {{"SSDBUILD_BOOT_ID", "after-reset"}});
    EXPECT_EQ(reset.exit_code, 0) << reset.output;
    EXPECT_TRUE(missing_packages({"hello"}).empty()) << reset.output;
    EXPECT_THAT(reset.output, Not(HasSubstr("Get:")));
    // From the kept files' own index, written by the first run: the system's lists are not
    // updated (no network here), so apt prints none of its Hit/Err/Ign lines.
    EXPECT_THAT(read_text(dir / "My Drive/state/apt-archives/Packages"),
                HasSubstr("Package: hello\n"));
    EXPECT_THAT(reset.output, HasSubstr("apt: installing from the .deb files kept in the state "
                                        "folder (no apt-get update, nothing downloaded)"));
    EXPECT_THAT(reset.output, Not(HasSubstr("Err:")));
    EXPECT_THAT(reset.output, Not(HasSubstr("Hit:")));
    run_shell(
        "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 remove -y -q hello",
        "/");
  }
}

// A real Python package (Debian's python3-termcolor, one module), installed with and then
// without deferred byte-compiling: dpkg compiles it only in the second install; with it
// deferred, the first import compiles it, removing the package removes the .pyc (its prerm's
// py3clean), and dpkg's database is sound (`dpkg --audit` says nothing).
TEST(AptInstall, DeferredByteCompilingLeavesItToTheFirstImportAndDpkgSound) {
  if (::geteuid() != 0) GTEST_SKIP() << "apt-get install needs root";
  const std::string package = "python3-termcolor";
  if (missing_packages({package}).empty()) GTEST_SKIP() << package << " is installed already";
  if (run_shell("apt-cache policy " + package + " | grep -q 'Candidate: [0-9]'", "/").exit_code !=
      0) {
    GTEST_SKIP() << package << " is not in this system's sources";
  }
  DpkgTurn turn;
  // termcolor is a module in Debian 12 (__pycache__/termcolor.*.pyc) and a package in
  // Debian 13 (termcolor/__pycache__/*.pyc): any .pyc of it counts.
  const std::string compiled =
      "find /usr/lib/python3/dist-packages -path '*termcolor*' -name '*.pyc' | grep -q .";
  const std::string remove =
      "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 remove -y -q " + package;
  TempDir dir;
  for (std::string defer : {"true", "false"}) {
    write_text(dir / "recipe.yaml",
               "name: apt\nstages:\n  - name: s\n    steps:\n"
               "      - name: termcolor\n        apt: {install: [" +
                   package + "], unsafe_io: true, defer_byte_compile: " + defer + "}\n");
    auto result = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state-" + defer}, dir.path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(missing_packages({package}).empty()) << result.output;
    EXPECT_EQ(run_shell(compiled, "/").exit_code == 0, defer == "false") << result.output;
    if (defer == "true") {
      EXPECT_EQ(
          run_shell("env -u PYTHONDONTWRITEBYTECODE /usr/bin/python3 -c 'import termcolor'", "/")
              .exit_code,
          0);
      EXPECT_EQ(run_shell(compiled, "/").exit_code, 0);
    }
    EXPECT_EQ(run_shell(remove, "/").exit_code, 0);
    EXPECT_NE(run_shell(compiled, "/").exit_code, 0);
    auto audit = run_shell("dpkg --audit", "/");
    EXPECT_EQ(audit.exit_code, 0);
    EXPECT_EQ(trim(audit.output), "") << audit.output;
  }
}

// The fsync-family system calls that dpkg made, from `strace -f` output of execve and those
// calls: each process is known by the program it last executed.
int dpkg_flushes(const std::string& trace) {
  std::map<std::string, std::string> program_of;
  int flushes = 0;
  for (const auto& line : split_lines(trace)) {
    std::string pid = line.substr(0, line.find(' '));
    size_t exec = line.find(" execve(\"");
    if (exec != std::string::npos && line.find(" = 0") != std::string::npos) {
      std::string path = line.substr(exec + 9, line.find('"', exec + 9) - exec - 9);
      program_of[pid] = path.substr(path.rfind('/') + 1);
    } else if (line.find("sync") != std::string::npos && program_of[pid] == "dpkg") {
      ++flushes;
    }
  }
  return flushes;
}

// `unsafe_io` on a real install (Debian's figlet, then removed): dpkg flushes nothing, where
// the same install without it flushes its database and the unpacked files. strace watches
// the system calls, so what the preloaded library stops never reaches the kernel.
TEST(AptInstall, UnsafeIoLeavesDpkgNoFsyncAtAll) {
  if (auto why = why_not_installable("figlet"); !why.empty()) GTEST_SKIP() << why;
  if (run_shell("strace -o /dev/null true", "/").exit_code != 0) {
    GTEST_SKIP() << "strace cannot trace here (scripts/setup.sh installs it)";
  }
  DpkgTurn turn;
  TempDir dir;
  std::map<std::string, int> flushes;
  for (std::string unsafe : {"true", "false"}) {
    write_text(dir / "recipe.yaml",
               "name: apt\nstages:\n  - name: s\n    steps:\n"
               "      - name: figlet\n        apt: {install: [figlet], "
               "keep_debs: true, unsafe_io: " +
                   unsafe + "}\n");
    // LeakSanitizer (the sanitized build) cannot run under ptrace: leaks are not looked for.
    auto traced = run_shell(
        "ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=execve,fsync,fdatasync,sync_file_range,"
        "syncfs,msync -o trace-" +
            unsafe + " " + shell_quote(ssdbuild_binary()) + " run recipe.yaml --state-dir state-" +
            unsafe,
        dir.path());
    EXPECT_EQ(traced.exit_code, 0) << traced.output;
    EXPECT_TRUE(missing_packages({"figlet"}).empty()) << traced.output;
    flushes[unsafe] = dpkg_flushes(read_text(dir / ("trace-" + unsafe)));
    EXPECT_EQ(
        run_shell(
            "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 remove -y -q figlet",
            "/")
            .exit_code,
        0);
  }
  EXPECT_EQ(flushes["true"], 0);
  EXPECT_GT(flushes["false"], 0);
  EXPECT_EQ(trim(run_shell("dpkg --audit", "/").output), "");
}

// An apt-get killed mid-install leaves dpkg's work half done, and apt-get then refuses to go
// on ("dpkg was interrupted"). Left so for real here: Debian's toilet unpacked, its
// dependencies (libcaca0, toilet-fonts) not even unpacked, as apt's kill can leave them:
// dpkg --configure -a cannot finish it, apt-get --fix-broken install does.
TEST(AptInstall, AnInterruptedInstallIsFinishedFirst) {
  if (auto why = why_not_installable("toilet"); !why.empty()) GTEST_SKIP() << why;
  DpkgTurn turn;
  auto dependencies = missing_packages({"libcaca0", "toilet-fonts"});
  TempDir dir;
  ASSERT_EQ(
      run_shell("apt-get download -q toilet && dpkg --unpack toilet_*.deb", dir.path()).exit_code,
      0);
  ASSERT_THAT(run_shell("dpkg --audit", "/").output, HasSubstr("toilet"));
  write_text(dir / "recipe.yaml",
             "name: apt\nstages:\n  - name: s\n    steps:\n"
             "      - name: toilet\n        apt: {install: [toilet]}\n");
  auto result = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("apt: an earlier install was interrupted; finishing it "
                        "first (dpkg --configure -a, apt-get --fix-broken install)"));
  EXPECT_TRUE(missing_packages({"toilet"}).empty()) << result.output;
  EXPECT_EQ(trim(run_shell("dpkg --audit", "/").output), "");
  EXPECT_EQ(run_shell("DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 remove "
                      "-y -q toilet " +
                          shell_words(dependencies),
                      "/")
                .exit_code,
            0);
}

// The plan's install check is the run's: name=version wants that version. Stand-in
// dpkg-query and apt-get on PATH say what is installed and record what the script asks.
TEST(AptPlan, AVersionedPackageAtAnotherVersionIsMissing) {
  DpkgTurn turn;  // the helper asks the real dpkg whether an install was interrupted
  TempDir dir;
  write_text(dir / "recipe.yaml",
             "name: packages\nstages:\n  - name: deps\n    steps:\n      - name: install\n"
             "        apt: {install: [tool, tool=5.2, tool=9.9, absent]}\n");
  // One query for every package: only `tool` is known, at 5.2.
  write_text(dir / "bin/dpkg-query",
             "#!/bin/sh\nprintf 'tool\\tamd64\\tinstall ok installed 5.2\\n'\nexit 1\n");
  write_text(dir / "bin/apt-cache", kAptCachePolicy);
  write_text(dir / "bin/apt-get", "#!/bin/sh\necho \"$*\" >> \"$APT_LOG\"\n");
  ASSERT_EQ(run_shell("chmod +x bin/dpkg-query bin/apt-cache bin/apt-get", dir.path()).exit_code,
            0);
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(dir / "plan.sh", plan.output);
  if (::geteuid() != 0) GTEST_SKIP() << "the script calls apt-get through sudo when not root";
  auto by_hand = run_shell("bash plan.sh", dir.path(),
                           {{"PATH", (dir / "bin").string() + ":" + std::getenv("PATH")},
                            {"APT_LOG", (dir / "apt.log").string()}});
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.output;
  EXPECT_EQ(read_text(dir / "apt.log"),
            "-y -q -o DPkg::Lock::Timeout=300 update\n-y -q -o DPkg::Lock::Timeout=300 "
            "--no-install-recommends install tool=9.9 absent\n");
}

TEST(AptInstall, RecipeErrorForARecommendsThatIsNotABoolean) {
  TempDir dir;
  write_text(dir / "recipe.yaml",
             "name: apt\nstages:\n  - name: s\n    steps:\n"
             "      - apt: {install: [hello], recommends: maybe}\n");
  auto result = run_ssdbuild({"validate", "recipe.yaml"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output,
              HasSubstr("recipe.yaml:5:45: error: `recommends` must be true or false, not "
                        "`maybe`"));
}

// Recommended packages are left out unless a step asks for them, by a run and by its plan
// alike: stand-in apt tools on PATH record the apt-get command lines of both.
TEST(AptRun, RecommendsAreLeftOutUnlessAskedForInTheRunAndThePlan) {
  DpkgTurn turn;  // the helper asks the real dpkg whether an install was interrupted
  TempDir dir;
  if (::geteuid() != 0) GTEST_SKIP() << "a run calls apt-get through sudo when not root";
  write_text(dir / "recipe.yaml",
             "name: packages\nstages:\n  - name: deps\n    steps:\n"
             "      - name: lean\n        apt: {install: [absent-one], build_dep: [src-one]}\n"
             "      - name: full\n"
             "        apt: {install: [absent-two], build_dep: [src-two], recommends: true}\n");
  write_text(dir / "bin/dpkg-query", "#!/bin/sh\nexit 1\n");
  write_text(dir / "bin/apt-cache", kAptCachePolicy);
  write_text(dir / "bin/apt-get", "#!/bin/sh\necho \"$*\" >> \"$APT_LOG\"\n");
  ASSERT_EQ(run_shell("chmod +x bin/dpkg-query bin/apt-cache bin/apt-get", dir.path()).exit_code,
            0);
  auto env_for = [&](const std::string& log) {
    return std::vector<std::pair<std::string, std::string>>{
        {"PATH", (dir / "bin").string() + ":" + std::getenv("PATH")},
        {"APT_LOG", (dir / log).string()}};
  };
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(dir / "plan.sh", plan.output);
  auto by_hand = run_shell("bash plan.sh", dir.path(), env_for("plan.log"));
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.output;
  auto run =
      run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir.path(), env_for("run.log"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_text(dir / "run.log"),
            "-y -q -o DPkg::Lock::Timeout=300 update\n"
            "-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends install absent-one\n"
            "-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends build-dep src-one\n"
            "-y -q -o DPkg::Lock::Timeout=300 install absent-two\n"
            "-y -q -o DPkg::Lock::Timeout=300 build-dep src-two\n");
  EXPECT_EQ(read_text(dir / "plan.log"), read_text(dir / "run.log"));
}

// On a machine thrown away whole, dpkg unpacks without fsync and Python packages are
// byte-compiled at first import, by a run and by its plan alike. The stand-in apt-get
// records its arguments, and asks dpkg's PATH (DPkg::Path) what py3compile is and does,
// as a maintainer script would; the no-op's folder is gone after the step.
TEST(AptRun, UnsafeIoAndDeferredByteCompilingReachDpkgInTheRunAndThePlan) {
  DpkgTurn turn;  // the helper asks the real dpkg whether an install was interrupted
  TempDir dir;
  if (::geteuid() != 0) GTEST_SKIP() << "a run calls apt-get through sudo when not root";
  write_text(dir / "recipe.yaml",
             "name: packages\nstages:\n  - name: deps\n    steps:\n"
             "      - name: quick\n        apt: {install: [absent-one], unsafe_io: true,"
             " defer_byte_compile: true}\n"
             "      - name: plain\n        apt: {install: [absent-two]}\n");
  write_text(dir / "bin/dpkg-query", "#!/bin/sh\nexit 1\n");
  write_text(dir / "bin/apt-cache", kAptCachePolicy);
  write_text(dir / "bin/py3compile", "#!/bin/sh\necho the real py3compile\n");
  write_text(
      dir / "bin/apt-get",
      "#!/bin/sh\ncase \" $* \" in *' update '*) exit 0 ;; esac\n"
      "echo \"${LD_PRELOAD:-none}\" | sed 's|.*/||' >> \"$APT_LOG.preload\"\n"
      "dpkg_path=\nfor a in \"$@\"; do case $a in DPkg::Path=*) dpkg_path=${a#*=} ;; esac; "
      "done\n"
      "echo \"$*\" | sed 's|DPkg::Path=[^ ]*/ssdbuild-no-py3compile[^:]*:|DPkg::Path=NO-OP:|'"
      " >> \"$APT_LOG\"\n"
      "[ -z \"$dpkg_path\" ] && exit 0\n"
      "echo \"$dpkg_path\" >> \"$APT_LOG.dirs\"\n"
      "PATH=$dpkg_path; export PATH; py3compile -p absent-one >> \"$APT_LOG\"; "
      "echo \"py3compile: $?\" >> \"$APT_LOG\"\n");
  ASSERT_EQ(run_shell("chmod +x bin/*", dir.path()).exit_code, 0);
  auto env_for = [&](const std::string& log) {
    return std::vector<std::pair<std::string, std::string>>{
        {"PATH", (dir / "bin").string() + ":" + std::getenv("PATH")},
        {"APT_LOG", (dir / log).string()}};
  };
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  // The build folder holds ssdbuild-no-fsync.so beside the binary, as a bundle holds it.
  EXPECT_THAT(plan.output, HasSubstr("ssdbuild_apt --unsafe-io --no-fsync "));
  EXPECT_THAT(plan.output, HasSubstr("ssdbuild-no-fsync.so --defer-byte-compile"));
  EXPECT_THAT(plan.output, HasSubstr("#     apt: apt-get and dpkg write without fsync"));
  EXPECT_THAT(plan.output,
              HasSubstr("#     apt: Python packages are byte-compiled at their first"));
  write_text(dir / "plan.sh", plan.output);
  auto by_hand = run_shell("bash plan.sh", dir.path(), env_for("plan.log"));
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.output;
  auto run =
      run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir.path(), env_for("run.log"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_text(dir / "run.log"),
            "-y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-unsafe-io -o "
            "DPkg::Path=NO-OP:/usr/sbin:/usr/bin:/sbin:/bin --no-install-recommends install "
            "absent-one\npy3compile: 0\n"
            "-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends install absent-two\n");
  EXPECT_EQ(read_text(dir / "plan.log"), read_text(dir / "run.log"));
  EXPECT_EQ(read_text(dir / "run.log.preload"), "ssdbuild-no-fsync.so\nnone\n");
  EXPECT_EQ(read_text(dir / "plan.log.preload"), read_text(dir / "run.log.preload"));
  for (const auto& log : {"run.log.dirs", "plan.log.dirs"}) {
    auto dirs = split_lines(read_text(dir / log));
    ASSERT_EQ(dirs.size(), 1u) << log;
    std::string no_op = dirs[0].substr(0, dirs[0].find(':'));
    EXPECT_THAT(no_op, HasSubstr("ssdbuild-no-py3compile."));
    EXPECT_FALSE(std::filesystem::exists(no_op)) << no_op;
  }
}

// A no-op py3compile that cannot run (TMPDIR on a noexec mount) would fail every Python
// package's postinst: then dpkg keeps its usual PATH and byte-compiles as before. The mount
// lives in a mount namespace of its own, gone with the shell.
TEST(AptRun, ANoexecTempFolderLeavesByteCompilingToDpkg) {
  DpkgTurn turn;  // the helper asks the real dpkg whether an install was interrupted
  TempDir dir;
  if (::geteuid() != 0 || run_shell("unshare -m true", "/").exit_code != 0) {
    GTEST_SKIP() << "needs root and mount namespaces";
  }
  write_text(dir / "bin/dpkg-query", "#!/bin/sh\nexit 1\n");
  write_text(dir / "bin/apt-cache", kAptCachePolicy);
  write_text(dir / "bin/apt-get",
             "#!/bin/sh\ncase \" $* \" in *' update '*) exit 0 ;; esac\necho \"$*\" >> apt.log\n");
  ASSERT_EQ(run_shell("chmod +x bin/* && mkdir noexec", dir.path()).exit_code, 0);
  write_text(dir / "apt.sh", shell_helper_definitions({"apt.sh"}));
  auto result = run_shell(
      "unshare -m sh -c 'mount -t tmpfs -o noexec ssdbuild-test noexec && TMPDIR=$PWD/noexec "
      "bash -euo pipefail -c \". ./apt.sh; ssdbuild_apt --defer-byte-compile --install one\" && "
      "ls -A noexec'",
      dir.path(), {{"PATH", (dir / "bin").string() + ":" + std::getenv("PATH")}});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir / "apt.log"),
            "-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends install one\n");
  EXPECT_THAT(result.output, Not(HasSubstr("ssdbuild-no-py3compile")));
}

// The candidates of every missing package come from one `apt-cache policy` (the real one),
// which names a package of this machine's architecture without it: `bash:ARCH`, as a stage
// cache's manifest names it, and `coreutils=VERSION` are found, the unknown package is
// named. The helper runs as a step's script does, with a stand-in dpkg-query (nothing is
// installed) and apt-get (it records what would be installed).
TEST(AptRun, OneAptCacheCallFindsEveryCandidateAndNamesTheUnknownOne) {
  DpkgTurn turn;  // the helper asks the real dpkg whether an install was interrupted
  TempDir dir;
  if (::geteuid() != 0) GTEST_SKIP() << "the helper calls apt-get through sudo when not root";
  if (run_shell("apt-cache policy bash | grep -q 'Candidate: [0-9]'", "/").exit_code != 0) {
    GTEST_SKIP() << "no package lists here";
  }
  std::string arch(trim(run_shell("dpkg --print-architecture", "/").output));
  std::string version(trim(run_shell("dpkg-query -W -f='${Version}' coreutils", "/").output));
  write_text(dir / "bin/dpkg-query", "#!/bin/sh\nexit 1\n");
  write_text(dir / "bin/apt-get",
             "#!/bin/sh\ncase \" $* \" in *' update '*) exit 0 ;; esac\necho \"$*\" >> apt.log\n");
  ASSERT_EQ(run_shell("chmod +x bin/*", dir.path()).exit_code, 0);
  write_text(dir / "apt.sh", shell_helper_definitions({"apt.sh"}));
  std::vector<std::pair<std::string, std::string>> env = {
      {"PATH", (dir / "bin").string() + ":" + std::getenv("PATH")}};
  std::string wanted = "bash:" + arch + " coreutils=" + version;
  auto found = run_shell(
      "bash -euo pipefail -c '. ./apt.sh; ssdbuild_apt --install " + wanted + "'", dir.path(), env);
  ASSERT_EQ(found.exit_code, 0) << found.output;
  EXPECT_EQ(read_text(dir / "apt.log"),
            "-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends install " + wanted + "\n");
  auto unknown = run_shell(
      "bash -euo pipefail -c '. ./apt.sh; ssdbuild_apt --install " + wanted + " no-such-ssdbuild'",
      dir.path(), env);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("apt: no package `no-such-ssdbuild`"));
  EXPECT_THAT(unknown.output, Not(HasSubstr("no package `bash")));
  EXPECT_THAT(unknown.output, Not(HasSubstr("no package `coreutils")));
}

// One `apt-get update` per run, however many apt steps ask for it; the next run updates
// again. Stand-in apt-get and dpkg-query on PATH record what a run asks of them.
TEST(AptRun, UpdatesOncePerRun) {
  DpkgTurn turn;  // the helper asks the real dpkg whether an install was interrupted
  TempDir dir;
  if (::geteuid() != 0) GTEST_SKIP() << "a run calls apt-get through sudo when not root";
  write_text(dir / "recipe.yaml",
             "name: packages\nvars: {round: '1'}\nstages:\n  - name: deps\n    steps:\n"
             "      - name: first\n        apt: {update: true, install: [absent-one]}\n"
             "      - name: second\n        apt: {update: true, install: [absent-two]}\n"
             "      - name: marker\n        run: echo ${round}\n");
  write_text(dir / "bin/dpkg-query", "#!/bin/sh\nexit 1\n");
  write_text(dir / "bin/apt-cache", kAptCachePolicy);
  write_text(dir / "bin/apt-get", "#!/bin/sh\necho \"$*\" >> \"$APT_LOG\"\n");
  ASSERT_EQ(run_shell("chmod +x bin/dpkg-query bin/apt-cache bin/apt-get", dir.path()).exit_code,
            0);
  std::vector<std::pair<std::string, std::string>> env = {
      {"PATH", (dir / "bin").string() + ":" + std::getenv("PATH")},
      {"APT_LOG", (dir / "apt.log").string()}};
  auto count_updates = [&] {
    int updates = 0;
    for (const auto& line : split_lines(read_text(dir / "apt.log")))
      updates += line.find(" update") != std::string::npos;
    return updates;
  };
  auto first = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir.path(), env);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(count_updates(), 1) << read_text(dir / "apt.log");
  EXPECT_THAT(read_text(dir / "apt.log"), HasSubstr("install absent-one"));
  EXPECT_THAT(read_text(dir / "apt.log"), HasSubstr("install absent-two"));
  auto second = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state", "--force", "deps"},
                             dir.path(), env);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(count_updates(), 2) << read_text(dir / "apt.log");
  // A plan script run by hand is a run of its own: one update too, also when its state
  // folder does not exist yet (the script makes it first, as a run does).
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "fresh-state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  ASSERT_FALSE(std::filesystem::exists(dir / "fresh-state"));
  write_text(dir / "plan.sh", plan.output);
  auto by_hand = run_shell("bash plan.sh", dir.path(), env);
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.output;
  EXPECT_EQ(count_updates(), 3) << read_text(dir / "apt.log");
}

// Not root, with root's apt folder: the sources edit and apt-get go through `sudo -n`. The
// run is made as `nobody`, with a stand-in sudo that records what it is asked to do.
TEST(AptRun, NotRootTheSourcesEditAndAptGetGoThroughSudo) {
  DpkgTurn turn;  // the helper asks the real dpkg whether an install was interrupted
  TempDir dir;
  if (::geteuid() != 0 || run_shell("command -v runuser", "/").exit_code != 0) {
    GTEST_SKIP() << "needs root to run a step as another user";
  }
  make_apt_dir(dir);
  write_text(dir / "work/recipe.yaml",
             "name: packages\nstages:\n  - name: deps\n    steps:\n      - name: sources\n"
             "        apt: {enable_sources: true, apt_dir: " +
                 (dir / "apt").string() + "}\n");
  write_text(dir / "bin/sudo", "#!/bin/sh\necho \"$*\" >> \"$SUDO_LOG\"\n");
  ASSERT_EQ(run_shell("chmod 755 . bin bin/sudo && chmod 777 work", dir.path()).exit_code, 0);
  std::string sources_before = read_text(dir / "apt/sources.list");
  auto result = run_shell("runuser -u nobody -- env PATH=" + (dir / "bin").string() +
                              ":/usr/bin:/bin SUDO_LOG=" + (dir / "work/sudo.log").string() +
                              " NO_COLOR=1 SSDBUILD_BOOT_ID=b " + shell_quote(ssdbuild_binary()) +
                              " run recipe.yaml --state-dir state",
                          dir / "work");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::string log = read_text(dir / "work/sudo.log");
  EXPECT_THAT(log, HasSubstr("-n sh -c cat >\"$1.ssdbuild-tmp\""));
  EXPECT_THAT(log, HasSubstr((dir / "apt").string()));
  EXPECT_THAT(log, HasSubstr("-n env DEBIAN_FRONTEND=noninteractive apt-get"));
  // The stand-in changed nothing, and ssdbuild did not write root's files itself.
  EXPECT_EQ(read_text(dir / "apt/sources.list"), sources_before);
}

}  // namespace
}  // namespace ssdbuild::testing

namespace ssdbuild::testing {
namespace {

// After a VM reset whose stages come back from the stage cache, a step `needed_by` them
// installs what their programs load instead of its list, keeping its own apt options.
TEST(AptForRestored, InstallsTheLoadedPackagesInsteadOfTheList) {
  AptAction::Settings settings;
  settings.update = true;
  settings.keep_debs = true;
  settings.archives = "/state/apt-archives";
  settings.install = {"build-essential", "libprotobuf-dev"};
  auto light = AptAction(settings).for_restored({"libprotobuf32:amd64", "zlib1g:amd64"});
  ASSERT_NE(light, nullptr);
  std::string commands = light->shell_commands();
  EXPECT_THAT(commands, HasSubstr("--install libprotobuf32:amd64 zlib1g:amd64\n"));
  EXPECT_THAT(commands, Not(HasSubstr("build-essential")));
  EXPECT_THAT(commands, HasSubstr("--keep-debs /state/apt-archives"));
}

// How dpkg writes is kept too; it is no part of the fingerprint, since it changes nothing
// that is installed.
TEST(AptForRestored, KeepsHowDpkgWritesWhichIsNoPartOfTheFingerprint) {
  AptAction::Settings settings;
  settings.install = {"python3-scipy"};
  std::string plain = AptAction(settings).fingerprint_text();
  settings.unsafe_io = true;
  settings.defer_byte_compile = true;
  EXPECT_EQ(AptAction(settings).fingerprint_text(), plain);
  auto light = AptAction(settings).for_restored({"libgfortran5:amd64"});
  ASSERT_NE(light, nullptr);
  EXPECT_THAT(light->shell_commands(), HasSubstr("ssdbuild_apt --unsafe-io --defer-byte-compile"));
  EXPECT_EQ(install_mode_notes(settings).size(), 2u);
  EXPECT_THAT(install_mode_notes(settings)[0], HasSubstr("ssdbuild-no-fsync.so, which would"));
  settings.no_fsync_library = "/opt/ssdbuild/lib/ssdbuild/ssdbuild-no-fsync.so";
  EXPECT_EQ(AptAction(settings).fingerprint_text(), plain);
  EXPECT_THAT(AptAction(settings).for_restored({"libgfortran5:amd64"})->shell_commands(),
              HasSubstr("--unsafe-io --no-fsync /opt/ssdbuild/lib/ssdbuild/ssdbuild-no-fsync.so"));
  EXPECT_THAT(install_mode_notes(settings)[0], HasSubstr("apt-get and dpkg write without fsync"));
  EXPECT_TRUE(install_mode_notes(AptAction::Settings{}).empty());
}

TEST(AptForRestored, IsNothingForAStepThatInstallsNothingOrWhenNothingIsLoaded) {
  AptAction::Settings sources;
  sources.enable_sources = true;
  EXPECT_EQ(AptAction(sources).for_restored({"zlib1g:amd64"}), nullptr);
  AptAction::Settings build_dep;
  build_dep.build_dep = {"caffe"};
  EXPECT_NE(AptAction(build_dep).for_restored({"zlib1g:amd64"}), nullptr);
  EXPECT_EQ(AptAction(build_dep).for_restored({}), nullptr);
}

}  // namespace
}  // namespace ssdbuild::testing
