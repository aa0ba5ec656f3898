// docs/cli.md against the CLI's own help: the same commands, the same options for each (the
// global ones included), their positional arguments, and the same exit codes. A new option
// without its line in docs/cli.md, or a line for one that is gone, fails here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::HasSubstr;

const std::string kReference = std::string(SSDBUILD_TEST_DIR) + "/../docs/cli.md";

using Names = std::set<std::string>;

std::string help_of(const std::string& command) {
  std::vector<std::string> arguments;
  std::istringstream words(command);
  for (std::string word; words >> word;) arguments.push_back(word);
  arguments.push_back("--help");
  auto result = run_ssdbuild(arguments, "/");
  EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.output;
  return result.output;
}

// The lines of CLI11's help section `title` ("Options:", "Positionals:", "Subcommands:").
std::vector<std::string> help_section(const std::string& help, const std::string& title) {
  std::vector<std::string> lines;
  bool inside = false;
  for (const auto& line : split_lines(help)) {
    if (line == title) {
      inside = true;
    } else if (inside && !starts_with(line, "  ")) {
      inside = false;
    } else if (inside && line.size() > 2 && line[2] != ' ') {
      lines.push_back(line.substr(2));
    }
  }
  return lines;
}

// The option names of a help text (-v and --verbose for `-v,--verbose`), without --help.
Names help_options(const std::string& help) {
  Names names;
  for (const auto& line : help_section(help, "Options:")) {
    std::string spelling = line.substr(0, line.find(' '));
    std::istringstream parts(spelling);
    for (std::string name; std::getline(parts, name, ',');) {
      if (name != "-h" && name != "--help") names.insert(name);
    }
  }
  return names;
}

Names first_words(const std::vector<std::string>& lines) {
  Names words;
  for (const auto& line : lines) words.insert(line.substr(0, line.find(' ')));
  return words;
}

// docs/cli.md's sections: "### `ssdbuild NAME ...`" by NAME, "## Title" by title.
std::map<std::string, std::string> reference_sections() {
  std::map<std::string, std::string> sections;
  std::string current;
  static const std::regex command_heading(R"(^### `ssdbuild ([a-z-]+).*`$)");
  for (const auto& line : split_lines(read_text(kReference))) {
    std::smatch match;
    if (std::regex_match(line, match, command_heading)) {
      current = match[1];
    } else if (starts_with(line, "## ") || starts_with(line, "### ")) {
      current = line;
    }
    sections[current] += line + "\n";
  }
  return sections;
}

// The options in the first column of a section's tables (`-v, --verbose`, `--set NAME=VALUE`).
Names documented_options(const std::string& section) {
  Names names;
  static const std::regex option(R"((?:^|[ ,`])(--?[a-z][a-z-]*))");
  for (const auto& line : split_lines(section)) {
    if (!starts_with(line, "| `")) continue;
    std::string first = line.substr(2, line.find(" |", 2) - 2);
    for (std::sregex_iterator match(first.begin(), first.end(), option), end; match != end;
         ++match) {
      names.insert((*match)[1]);
    }
  }
  return names;
}

// The ARGUMENT names that a command's heading must show for its positionals.
std::string argument_name(const std::string& positional) {
  static const std::map<std::string, std::string> renamed = {{"steps", "STEP..."},
                                                             {"outputs", "DEVICE=FILE..."}};
  auto found = renamed.find(positional);
  if (found != renamed.end()) return found->second;
  std::string upper = positional;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

TEST(CliReference, EveryCommandAndOptionOfTheHelpIsDocumentedAndNoOther) {
  auto sections = reference_sections();
  std::string main_help = help_of("");
  EXPECT_EQ(documented_options(sections["## Global options"]), help_options(main_help));

  Names commands = first_words(help_section(main_help, "Subcommands:"));
  ASSERT_GE(commands.size(), 10u) << main_help;
  Names documented;
  for (const auto& [name, text] : sections) {
    if (!name.empty() && !starts_with(name, "#")) documented.insert(name);
  }
  EXPECT_EQ(documented, commands);

  for (const auto& command : commands) {
    std::string help = help_of(command);
    const std::string& section = sections[command];
    std::string heading = split_lines(section).empty() ? "" : split_lines(section)[0];
    Names options = help_options(help);
    Names subcommands = first_words(help_section(help, "Subcommands:"));
    for (const auto& subcommand : subcommands) {  // cache list|prune|...: one section
      EXPECT_THAT(heading, HasSubstr(subcommand)) << heading;
      std::string sub_help = help_of(command + " " + subcommand);
      for (const auto& name : help_options(sub_help)) options.insert(name);
      for (const auto& positional : first_words(help_section(sub_help, "Positionals:"))) {
        EXPECT_THAT(heading, HasSubstr(argument_name(positional)))
            << heading << " lacks " << argument_name(positional);
      }
    }
    if (command == "patch") {  // its own usage line, not CLI11's
      static const std::regex option(R"((--[a-z-]+))");
      for (std::sregex_iterator match(help.begin(), help.end(), option), end; match != end;
           ++match) {
        options.insert((*match)[1]);
      }
    }
    EXPECT_EQ(documented_options(section), options) << "ssdbuild " << command;
    for (const auto& positional : first_words(help_section(help, "Positionals:"))) {
      EXPECT_THAT(heading, HasSubstr(argument_name(positional)))
          << heading << " lacks " << argument_name(positional);
    }
  }
}

TEST(CliReference, ExitCodesAreTheOnesTheHelpLists) {
  std::string help = help_of("");
  std::smatch footer;
  ASSERT_TRUE(std::regex_search(help, footer, std::regex("Exit codes: (.*)"))) << help;
  std::string listed = footer[1];
  Names from_help;
  static const std::regex code(R"((?:^|, )(\d+) )");
  for (std::sregex_iterator match(listed.begin(), listed.end(), code), end; match != end; ++match) {
    from_help.insert((*match)[1]);
  }
  Names documented;
  static const std::regex row(R"(^\| (\d+) \|)");
  for (const auto& line : split_lines(reference_sections()["## Exit codes"])) {
    std::smatch match;
    if (std::regex_search(line, match, row)) documented.insert(match[1]);
  }
  EXPECT_GE(from_help.size(), 5u) << listed;
  EXPECT_EQ(documented, from_help);
}

}  // namespace
}  // namespace ssdbuild::testing
