// The table of environment variables ssdbuild reads: every one is documented in the
// README, an empty value counts as unset, and PATH lookups go through it.
#include "ssdbuild/util/environment_settings.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssdbuild/util/paths.hpp"
#include "test_support.hpp"

namespace ssdbuild {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

using testing::read_text;
using testing::TempDir;
using testing::write_text;

// Sets a variable for the life of the object, then puts the old value back.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~ScopedVariable() {
    if (had_) {
      ::setenv(name_.c_str(), old_.c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

TEST(EnvironmentSettingsTest, EveryVariableIsInTheReadmesTable) {
  std::string readme = read_text(std::string(SSDBUILD_TEST_DIR) + "/../README.md");
  size_t table = readme.find("## Environment variables");
  ASSERT_NE(table, std::string::npos);
  std::set<std::string> names;
  for (const auto& entry : environment_settings()) {
    EXPECT_TRUE(names.insert(entry.name).second) << entry.name << " twice";
    EXPECT_EQ(setting_name(entry.setting), std::string(entry.name));
    EXPECT_NE(readme.find("`" + std::string(entry.name) + "`", table), std::string::npos)
        << entry.name << " is not in the README's table";
  }
}

// One place reads ssdbuild's own variables: getenv appears only where the environment is
// the subject (the table, a step's env changes, a recipe's ${env.NAME}).
TEST(EnvironmentSettingsTest, NoOtherSourceCallsGetenv) {
  const std::set<std::string> allowed = {"util/environment_settings.cpp", "exec/environment.cpp",
                                         "recipe/variables.cpp"};
  std::filesystem::path src = std::filesystem::path(SSDBUILD_TEST_DIR) / ".." / "src";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(src)) {
    if (entry.path().extension() != ".cpp") continue;
    std::string relative = entry.path().lexically_relative(src).string();
    if (allowed.count(relative)) continue;
    EXPECT_THAT(read_text(entry.path()), Not(HasSubstr("getenv(")))
        << relative << " reads the environment; add the variable to the table instead";
  }
}

TEST(EnvironmentSettingsTest, AnEmptyValueIsUnset) {
  {
    ScopedVariable set("SSDBUILD_CCACHE_DIR", "/fast/ccache");
    EXPECT_EQ(setting_value(EnvironmentSetting::ccache_dir), "/fast/ccache");
  }
  {
    ScopedVariable empty("SSDBUILD_CCACHE_DIR", "");
    EXPECT_FALSE(setting_value(EnvironmentSetting::ccache_dir));
  }
  ScopedVariable unset("SSDBUILD_CCACHE_DIR", nullptr);
  EXPECT_FALSE(setting_value(EnvironmentSetting::ccache_dir));
}

TEST(FindOnPathTest, FirstExecutableInPathOrderNeitherFoldersNorPlainFiles) {
  TempDir dir;
  write_text(dir / "a" / "tool", "not executable");
  std::filesystem::create_directories(dir / "b" / "tool");
  write_text(dir / "c" / "tool", "#!/bin/sh\n");
  ::chmod((dir / "c" / "tool").c_str(), 0755);
  write_text(dir / "d" / "tool", "#!/bin/sh\n");
  ::chmod((dir / "d" / "tool").c_str(), 0755);
  std::string path = (dir / "a").string() + ":" + (dir / "b").string() +
                     "::" + (dir / "c").string() + ":" + (dir / "d").string();
  ScopedVariable scoped("PATH", path.c_str());
  EXPECT_EQ(find_on_path("tool"), (dir / "c" / "tool").string());
  EXPECT_EQ(find_on_path("no-such-tool"), "");
  auto folders = search_path_folders();
  ASSERT_EQ(folders.size(), 5u);
  EXPECT_EQ(folders[2], ".");  // an empty entry is the current folder, as for execvp
}

}  // namespace
}  // namespace ssdbuild
