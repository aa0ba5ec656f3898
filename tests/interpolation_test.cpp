// ${name} in recipe strings, and the scope that resolves names to values.
#include "ssdbuild/recipe/interpolation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <optional>

#include "ssdbuild/recipe/variables.hpp"
#include "test_support.hpp"

namespace ssdbuild {

using ::testing::HasSubstr;

namespace {

using testing::TempDir;
using testing::write_text;

// A lookup over a fixed table that remembers which names it was asked for.
struct TableLookup {
  std::map<std::string, std::string> table;
  std::vector<std::string> asked;

  VariableLookup function() {
    return [this](std::string_view name) {
      asked.emplace_back(name);
      auto found = table.find(std::string(name));
      if (found == table.end()) throw InterpolationError("no " + std::string(name));
      return found->second;
    };
  }
};

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InterpolationError& error) {
    return error.what();
  }
  return "(no InterpolationError)";
}

TEST(Interpolate, ReplacesEachReference) {
  TableLookup lookup{{{"prefix", "/opt"}, {"version", "12.2"}}, {}};
  EXPECT_EQ(interpolate("${prefix}/cuda-${version}/bin", lookup.function()), "/opt/cuda-12.2/bin");
  EXPECT_EQ(interpolate("${prefix}${version}", lookup.function()), "/opt12.2");
}

// A list var becomes one flag per word (spaces or commas between words).
TEST(Interpolate, ATemplateAfterABarIsRepeatedForEachWord) {
  TableLookup lookup{{{"arches", "61 75,86"}, {"none", ""}}, {}};
  EXPECT_EQ(interpolate("${arches|-gencode arch=compute_%,code=sm_%}", lookup.function()),
            "-gencode arch=compute_61,code=sm_61 -gencode arch=compute_75,code=sm_75 "
            "-gencode arch=compute_86,code=sm_86");
  EXPECT_EQ(interpolate("[${none|-x %}]", lookup.function()), "[]");
  EXPECT_EQ(referenced_variables("${arches|-I%}"), std::vector<std::string>{"arches"});
  EXPECT_THAT(error_of([&] { interpolate("${arches|no placeholder}", lookup.function()); }),
              HasSubstr("a template with `%` for each word"));
}

TEST(Interpolate, LeavesTextWithoutReferencesAlone) {
  TableLookup lookup;
  EXPECT_EQ(interpolate("", lookup.function()), "");
  EXPECT_EQ(interpolate("make -j8 all", lookup.function()), "make -j8 all");
  EXPECT_TRUE(lookup.asked.empty());
}

TEST(Interpolate, ResolvesDottedAndDashedNames) {
  TableLookup lookup{{{"facts.os.id", "ubuntu"}, {"my-var_2", "x"}, {"env.HOME", "/root"}}, {}};
  EXPECT_EQ(interpolate("${facts.os.id} ${my-var_2} ${env.HOME}", lookup.function()),
            "ubuntu x /root");
  EXPECT_EQ(lookup.asked, (std::vector<std::string>{"facts.os.id", "my-var_2", "env.HOME"}));
}

TEST(Interpolate, DoubleDollarBraceWritesALiteralDollarBrace) {
  TableLookup lookup;
  EXPECT_EQ(interpolate("echo $${HOME}", lookup.function()), "echo ${HOME}");
  EXPECT_EQ(interpolate("$${a}$${b}", lookup.function()), "${a}${b}");
  EXPECT_TRUE(lookup.asked.empty());
}

TEST(Interpolate, LeavesALoneDollarUntouched) {
  TableLookup lookup{{{"x", "1"}}, {}};
  EXPECT_EQ(interpolate("cost $5, $HOME, $(pwd), $$ and a trailing $", lookup.function()),
            "cost $5, $HOME, $(pwd), $$ and a trailing $");
  EXPECT_EQ(interpolate("$HOME/${x}$", lookup.function()), "$HOME/1$");
}

TEST(Interpolate, RejectsAnUnclosedReference) {
  TableLookup lookup;
  std::string message = error_of([&] { interpolate("echo ${HOME", lookup.function()); });
  EXPECT_THAT(message, HasSubstr("unclosed `${` at offset 5"));
  EXPECT_THAT(message, HasSubstr("$${"));  // says how to write a literal
}

TEST(Interpolate, RejectsNamesThatAreNotNames) {
  TableLookup lookup;
  for (const char* text : {"${}", "${1abc}", "${a b}", "${a/b}", "${-x}", "${x:-default}"}) {
    std::string message = error_of([&] { interpolate(text, lookup.function()); });
    EXPECT_THAT(message, HasSubstr("is not a variable reference")) << text << ": " << message;
  }
  EXPECT_TRUE(lookup.asked.empty());
}

TEST(Interpolate, PassesTheLookupsErrorOn) {
  TableLookup lookup;
  EXPECT_EQ(error_of([&] { interpolate("${missing}", lookup.function()); }), "no missing");
}

TEST(ReferencedVariables, ListsNamesInOrderIncludingRepeats) {
  EXPECT_EQ(referenced_variables("${a} $${b} ${c.d} $e ${a}"),
            (std::vector<std::string>{"a", "c.d", "a"}));
  EXPECT_TRUE(referenced_variables("no references, $HOME").empty());
}

TEST(ReferencedVariables, RejectsBadSyntaxLikeInterpolate) {
  EXPECT_THROW(referenced_variables("${unclosed"), InterpolationError);
  EXPECT_THROW(referenced_variables("${a b}"), InterpolationError);
}

// VariableScope

class VariableScopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_ / "os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\n");
    sources_.os_release = (dir_ / "os-release").string();
    sources_.meminfo = (dir_ / "meminfo").string();
    sources_.boot_id = (dir_ / "boot_id").string();
    sources_.drive_mount = (dir_ / "no-drive").string();
    recipe_.name = "demo";
    recipe_.vars = {{"prefix", "/opt"},
                    {"cuda", "${prefix}/cuda"},
                    {"bin", "${cuda}/bin"},
                    {"os", "${facts.os.id}-${facts.os.version_id}"}};
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_env_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  void set_env(const std::string& name, const char* value) {
    const char* old = std::getenv(name.c_str());
    saved_env_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value) {
      ::setenv(name.c_str(), value, 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }

  TempDir dir_;
  FactSources sources_;
  Recipe recipe_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_env_;
};

TEST_F(VariableScopeTest, ResolvesVarsThatReferToOtherVars) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_EQ(scope.value("prefix"), "/opt");
  EXPECT_EQ(scope.value("bin"), "/opt/cuda/bin");
  EXPECT_EQ(scope.interpolate("PATH=${bin}:$PATH $${HOME}"), "PATH=/opt/cuda/bin:$PATH ${HOME}");
}

TEST_F(VariableScopeTest, ReportsVarsThatReferToEachOtherInACycle) {
  recipe_.vars = {{"a", "${b}"}, {"b", "x${a}"}, {"c", "fine"}};
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  std::string message = error_of([&] { scope.value("a"); });
  EXPECT_THAT(message, HasSubstr("variables refer to each other in a cycle: a -> b -> a"));
  // The failed resolution leaves nothing behind: the scope still works, and the same cycle
  // is reported the same way.
  EXPECT_EQ(scope.value("c"), "fine");
  EXPECT_EQ(error_of([&] { scope.value("a"); }), message);
  EXPECT_THAT(error_of([&] { scope.value("b"); }), HasSubstr("cycle: b -> a -> b"));
}

TEST_F(VariableScopeTest, ReportsAVarReferringToItself) {
  recipe_.vars = {{"loop", "again ${loop}"}};
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_THAT(error_of([&] { scope.value("loop"); }), HasSubstr("cycle: loop -> loop"));
}

TEST_F(VariableScopeTest, SetOverridesReplaceVarsAndAreSeenByVarsThatUseThem) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {{"prefix", "/usr/local"}, {"extra", "new"}}, facts, "/start");
  EXPECT_EQ(scope.value("prefix"), "/usr/local");
  EXPECT_EQ(scope.value("bin"), "/usr/local/cuda/bin");
  EXPECT_EQ(scope.value("extra"), "new");
  EXPECT_EQ(scope.var_names(), (std::vector<std::string>{"prefix", "cuda", "bin", "os",
                                                         "recipe_dir", "workdir", "extra"}));
}

TEST_F(VariableScopeTest, RecipeDirIsTheRecipeFilesFolder) {
  recipe_.file = "recipes/mine.yaml";
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_EQ(scope.value("recipe_dir"), "/start/recipes");
  recipe_.file = "builtin:ssd-caffe";
  VariableScope builtin(recipe_, {}, facts, "/start");
  EXPECT_EQ(builtin.value("recipe_dir"), "/start");
}

TEST_F(VariableScopeTest, AnOverrideCanItselfReferToVars) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {{"cuda", "${prefix}/cuda-12"}}, facts, "/start");
  EXPECT_EQ(scope.value("bin"), "/opt/cuda-12/bin");
}

TEST_F(VariableScopeTest, UnknownVariableSaysWhatIsCloseAndHowToDefineIt) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_EQ(error_of([&] { scope.value("prefx"); }),
            "unknown variable `prefx` (did you mean `prefix`?); define it under `vars:`, pass "
            "--set prefx=VALUE, or write $${prefx} for a shell variable");
}

TEST_F(VariableScopeTest, UnknownVariableInsideAVarIsReported) {
  recipe_.vars = {{"a", "${nothing_like_it}"}};
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_THAT(error_of([&] { scope.value("a"); }), HasSubstr("unknown variable `nothing_like_it`"));
}

TEST_F(VariableScopeTest, UnknownFactSuggestsAFactAndNotAShellVariable) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_EQ(error_of([&] { scope.value("facts.os.idd"); }),
            "unknown variable `facts.os.idd` (did you mean `facts.os.id`?)");
}

TEST(UnknownVariableMessage, OffersVarsAndFactsAsCandidates) {
  EXPECT_THAT(unknown_variable_message("jbos", {"jobs"}), HasSubstr("(did you mean `jobs`?)"));
  EXPECT_THAT(unknown_variable_message("facts.gpu.cuont", {}), HasSubstr("`facts.gpu.count`"));
}

TEST_F(VariableScopeTest, FactReadsAreRecordedForTheFingerprint) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_EQ(scope.value("facts.os.id"), "ubuntu");
  EXPECT_EQ(scope.take_reads(), (KeyValueList{{"facts.os.id", "ubuntu"}}));
  EXPECT_TRUE(scope.take_reads().empty());  // taking them clears them
}

TEST_F(VariableScopeTest, FactsReadThroughAVarAreRecordedToo) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_EQ(scope.value("os"), "ubuntu-22.04");
  EXPECT_EQ(scope.take_reads(),
            (KeyValueList{{"facts.os.id", "ubuntu"}, {"facts.os.version_id", "22.04"}}));
}

TEST_F(VariableScopeTest, PlainVarReadsAreNotRecorded) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  scope.value("bin");
  EXPECT_TRUE(scope.take_reads().empty());
}

TEST_F(VariableScopeTest, EnvironmentReadsGiveTheValueAndAreRecorded) {
  set_env("SSDBUILD_UNIT_TEST_SET", "hello world");
  set_env("SSDBUILD_UNIT_TEST_UNSET", nullptr);
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_EQ(scope.value("env.SSDBUILD_UNIT_TEST_SET"), "hello world");
  EXPECT_EQ(scope.value("env.SSDBUILD_UNIT_TEST_UNSET"), "");
  EXPECT_EQ(scope.take_reads(), (KeyValueList{{"env.SSDBUILD_UNIT_TEST_SET", "hello world"},
                                              {"env.SSDBUILD_UNIT_TEST_UNSET", ""}}));
}

TEST_F(VariableScopeTest, WorkdirIsTheStartFolderUnlessTheRecipeOrSetSaysOtherwise) {
  Facts facts(sources_);
  EXPECT_EQ(VariableScope(recipe_, {}, facts, "/start").value("workdir"), "/start");
  EXPECT_EQ(VariableScope(recipe_, {{"workdir", "/cli"}}, facts, "/start").value("workdir"),
            "/cli");
  recipe_.vars.emplace_back("workdir", "${prefix}/work");
  EXPECT_EQ(VariableScope(recipe_, {}, facts, "/start").value("workdir"), "/opt/work");
}

TEST_F(VariableScopeTest, KnowsWhichNamesItCanResolveWithoutProbing) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_TRUE(scope.is_known("prefix"));
  EXPECT_TRUE(scope.is_known("workdir"));
  EXPECT_TRUE(scope.is_known("facts.gpu.count"));
  EXPECT_TRUE(scope.is_known("env.ANYTHING"));
  EXPECT_FALSE(scope.is_known("prefx"));
  EXPECT_FALSE(scope.is_known("facts.bogus"));
  EXPECT_FALSE(scope.is_known("env."));
  EXPECT_FALSE(scope.is_known("steps.fetch.path"));
  EXPECT_TRUE(scope.take_reads().empty());
}

TEST_F(VariableScopeTest, StepOutputsBecomeKnownOnceSet) {
  Facts facts(sources_);
  VariableScope scope(recipe_, {}, facts, "/start");
  EXPECT_THAT(error_of([&] { scope.value("steps.get.path"); }), HasSubstr("is not known here"));
  scope.set_step_output("get", "path", "/state/downloads/x.tar");
  EXPECT_TRUE(scope.is_known("steps.get.path"));
  EXPECT_EQ(scope.interpolate("tar xf ${steps.get.path}"), "tar xf /state/downloads/x.tar");
}

}  // namespace
}  // namespace ssdbuild
