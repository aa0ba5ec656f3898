// docs/colab.ipynb run for real: its cells executed through a Jupyter kernel (Debian's
// python3-nbclient and python3-ipykernel) by tests/fixtures/notebook/run_notebook.py, against
// tests/fixtures/notebook/recipe.yaml, with Google Drive stood in by a folder
// (tests/fixtures/notebook/google/colab/drive.py) and ssdbuild installed from a bundle archive
// of this build on that "Drive". Only the Settings cell differs from the real notebook. The
// pycaffe cell (tagged needs-caffe) is not executed: no Caffe is built here; the driver
// prints why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

namespace fs = std::filesystem;

const std::string kNotebook = std::string(SSDBUILD_TEST_DIR) + "/../docs/colab.ipynb";
const std::string kFixture = std::string(SSDBUILD_TEST_DIR) + "/fixtures/notebook";
// What one cell may print: the fixture's flood step alone is 5000 lines (175 KB) in its log.
constexpr size_t kMaxCellOutput = 16 * 1024;

// The text of a code cell's source, which nbformat stores as a string or a list of lines.
std::string source_of(const nlohmann::json& cell) {
  if (cell["source"].is_string()) return cell["source"];
  std::string text;
  for (const auto& line : cell["source"]) text += line.get<std::string>();
  return text;
}

// Every `ssdbuild ...` command in the notebook's code cells: the `!` lines (also `x = !...`),
// split at &&, ||, ; and |.
std::vector<std::string> notebook_commands(const nlohmann::json& notebook) {
  std::vector<std::string> commands;
  static const std::regex shell_line(R"(^\s*(?:[A-Za-z_]\w*\s*=\s*)?!(.*)$)");
  static const std::regex separator(R"(\s*(?:&&|\|\||;|\|)\s*)");
  for (const auto& cell : notebook["cells"]) {
    if (cell["cell_type"] != "code") continue;
    for (const auto& line : split_lines(source_of(cell))) {
      std::smatch match;
      if (!std::regex_match(line, match, shell_line)) continue;
      std::string command = match[1];
      for (std::sregex_token_iterator part(command.begin(), command.end(), separator, -1), end;
           part != end; ++part) {
        std::string segment(trim(part->str()));
        if (segment == "ssdbuild" || starts_with(segment, "ssdbuild ")) commands.push_back(segment);
      }
    }
  }
  return commands;
}

int count_lines_starting(const std::string& text, const std::string& prefix) {
  int count = 0;
  for (const auto& line : split_lines(text)) count += starts_with(line, prefix);
  return count;
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// `text` with each {NAME} replaced by values[NAME], as IPython expands a `!` line.
std::string expand(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string expanded;
  static const std::regex name(R"(\{(\w+)\})");
  auto rest = text.cbegin();
  for (std::sregex_iterator match(text.begin(), text.end(), name), end; match != end; ++match) {
    expanded.append(rest, (*match)[0].first);
    auto value = values.find((*match)[1]);
    EXPECT_NE(value, values.end()) << "the notebook's `" << text << "` uses {" << (*match)[1]
                                   << "}, which the Settings cell does not set";
    if (value != values.end()) expanded += value->second;
    rest = (*match)[0].second;
  }
  expanded.append(rest, text.cend());
  return expanded;
}

class ColabNotebook : public ::testing::Test {
 protected:
  void SetUp() override {
    values_ = {{"RECIPE", kFixture + "/recipe.yaml"},
               {"DRIVE", (dir_ / "drive").string()},
               {"STATE", state().string()},
               {"BUNDLE", (dir_ / "drive/MyDrive/ssdbuild/ssdbuild-bundle.tar.gz").string()},
               {"BUNDLE_DIR", (content() / "ssdbuild-bundle").string()},
               {"BIN_DIR", (dir_ / "bin").string()},
               {"SOURCE", (content() / "ssdbuild").string()},
               {"SOURCE_URL", ""}};
    // The bundle that `scripts/setup.sh bundle` would put on Drive, from this build: the
    // binary and its I/O module (the libraries are the system's here).
    fs::path binary = ssdbuild_binary();
    auto bundled = run_shell(
        "mkdir -p bin content drive/MyDrive/ssdbuild b/bin b/lib/ssdbuild jupyter && cp " +
            shell_quote(binary.string()) + " b/bin/ && cp " +
            shell_quote((binary.parent_path() / "ssdbuild-io.so").string()) +
            " b/lib/ssdbuild/ && tar -czf " + shell_quote(values_["BUNDLE"]) + " -C b bin lib",
        dir_.path());
    ASSERT_EQ(bundled.exit_code, 0) << bundled.output;
  }

  // Whether Debian's Jupyter kernel is there; in CI it must be.
  static bool jupyter_installed() {
    auto jupyter = run_shell("/usr/bin/python3 -c 'import nbclient, ipykernel'", "/");
    EXPECT_TRUE(jupyter.exit_code == 0 || std::getenv("CI") == nullptr) << jupyter.output;
    return jupyter.exit_code == 0;
  }

  fs::path content() const { return dir_ / "content"; }
  fs::path state() const { return dir_ / "drive/MyDrive/ssdbuild/notebook-fixture"; }

  // Runs the notebook (both kernels) and returns the driver's record of every cell.
  nlohmann::json run_notebook() {
    nlohmann::json settings = {
        {"values", values_},
        {"workdir", content().string()},
        {"interrupt_when", (content() / "work/slow.pid").string()},
        {"probe_after_env", "import notebook_probe; print(notebook_probe.MESSAGE)"},
        {"fresh_boot_id", "notebook-test-boot-2"}};
    write_text(dir_ / "settings.json", settings.dump());
    auto result = run_shell("/usr/bin/python3 " + shell_quote(kFixture + "/run_notebook.py") + " " +
                                shell_quote(kNotebook) + " settings.json result.json",
                            dir_.path(),
                            {{"PATH", (dir_ / "bin").string() + ":" + std::getenv("PATH")},
                             {"PYTHONPATH", kFixture},  // the stand-in google.colab
                             {"SSDBUILD_BOOT_ID", "notebook-test-boot-1"},
                             {"JUPYTER_RUNTIME_DIR", (dir_ / "jupyter").string()},
                             {"IPYTHONDIR", (dir_ / "jupyter/ipython").string()},
                             {"PYDEVD_DISABLE_FILE_VALIDATION", "1"}},
                            std::chrono::minutes(5));
    driver_output_ = result.output;
    EXPECT_EQ(result.exit_code, 0) << result.output;
    if (!fs::exists(dir_ / "result.json")) return nlohmann::json::object();
    return nlohmann::json::parse(read_text(dir_ / "result.json"));
  }

  // The text that the cell tagged `tag` showed, in `phase` ("first" or "fresh"), execution N.
  static std::string shown(const nlohmann::json& record, const std::string& phase,
                           const std::string& tag, int execution = 1) {
    std::string text;
    bool found = false;
    for (const auto& cell : record["cells"]) {
      auto tags = cell["tags"].get<std::vector<std::string>>();
      if (cell["phase"] != phase || cell["execution"] != execution ||
          std::find(tags.begin(), tags.end(), tag) == tags.end()) {
        continue;
      }
      found = true;
      for (const auto& output : cell["outputs"]) text += output["text"].get<std::string>();
    }
    EXPECT_TRUE(found) << "no cell tagged " << tag << " ran in phase " << phase;
    return text;
  }

  TempDir dir_;
  std::map<std::string, std::string> values_;
  std::string driver_output_;
};

TEST_F(ColabNotebook, RunsThroughAKernelStopsCleanlyResumesAndComesBackOnAFreshVm) {
  if (!jupyter_installed()) {
    GTEST_SKIP() << "python3-nbclient and python3-ipykernel are not installed "
                    "(scripts/setup.sh test installs them)";
  }
  nlohmann::json record = run_notebook();
  ASSERT_TRUE(record.contains("cells")) << driver_output_;

  // ssdbuild comes from the bundle on "Drive".
  EXPECT_THAT(shown(record, "first", "install"),
              HasSubstr(trim(run_ssdbuild({"--version"}, "/").output)));

  // The stop button mid-step: ssdbuild stops the step, records it, and leaves no process.
  EXPECT_TRUE(record["interrupted"].get<bool>()) << driver_output_;
  EXPECT_EQ(record["survivors"], nlohmann::json::array()) << record["survivors"].dump(1);
  // Jupyter's `!` sends ^C on the command's pty and SIGKILLs it half a second later, so
  // ssdbuild records the step only if it gets there in time; on a slow disk it may not,
  // and the next run says so instead. Either way nothing survives and the cell resumes.
  // (IPython drops what it had read but not yet shown when the interrupt came; the fixture's
  // step waits a second before it asks for the stop, so that the lines before it are shown.)
  // The step lines carry counters (`==> [3/7] build/slow`): the checks read them without.
  std::string stopped = without_counters(shown(record, "first", "run", 1));
  EXPECT_THAT(stopped, HasSubstr("ssdbuild: recipe notebook-fixture, state in"));
  EXPECT_THAT(stopped, HasSubstr("==> build/slow  (run: never ran)"));
  bool recorded = stopped.find("FAILED: build/slow (interrupted by SIGINT)") != std::string::npos;
  if (recorded) {
    // Its summary, after the ^C, says what the stopped run did.
    EXPECT_TRUE(std::regex_search(
        stopped,
        std::regex(
            R"(\nsummary of this run:\r?\n(?:  [^\n]*\n)*?  \[2/7\] build/flood +ran [^\n]*\n)"
            R"((?:  [^\n]*\n)*?  \[3/7\] build/slow +interrupted [^\n]*\n)"
            R"((?:  [^\n]*\n)*?  total +2 ran, 1 interrupted [^\n]*\(exit 130\))")))
        << stopped;
  }

  // The same cell again resumes: what was done is skipped, the stopped step runs again.
  std::string resumed = without_counters(shown(record, "first", "run", 2));
  EXPECT_THAT(resumed, HasSubstr("--- build/flood  (skip: "));
  EXPECT_THAT(resumed,
              HasSubstr(recorded ? "==> build/slow  (run: interrupted last time)"
                                 : "==> build/slow  (run: the run that started it stopped"));
  // The run ends with its summary table: as many steps ran as started, and it succeeded.
  std::smatch summary;
  ASSERT_TRUE(std::regex_search(
      resumed, summary,
      std::regex(
          R"(\nsummary of this run:\r?\n(?:  [^\n]*\n)*?  total +(\d+) ran[^\n]*\(exit 0\))")))
      << resumed;
  EXPECT_EQ(std::stoi(summary[1]), count_lines_starting(resumed, "==> ")) << resumed;
  EXPECT_TRUE(std::regex_search(resumed, std::regex(R"(\n  \[3/7\] build/slow +ran )"))) << resumed;

  // The flood is condensed on the console and whole in the log.
  std::string first_run = stopped + resumed;
  EXPECT_THAT(first_run, HasSubstr("more lines in the log; latest: compiling unit 5000 of 5000"));
  auto log = run_ssdbuild(
      {"log", "build/flood", "-r", values_["RECIPE"], "--state-dir", state().string()}, content());
  EXPECT_EQ(count_lines_starting(log.output, "compiling unit "), 5000);

  // status names every step, done.
  std::string status = shown(record, "first", "status");
  auto steps = nlohmann::json::parse(
      run_ssdbuild({"status", values_["RECIPE"], "--state-dir", state().string(), "--json"},
                   content())
          .output)["steps"];
  ASSERT_FALSE(steps.empty());
  for (const auto& step : steps) {
    EXPECT_TRUE(std::regex_search(status, std::regex(step["id"].get<std::string>() + " +done")))
        << step["id"] << " in\n"
        << status;
  }

  // The chart as SVG, and the results JSON as a table.
  std::string chart = shown(record, "first", "chart");
  EXPECT_THAT(chart, HasSubstr("<svg"));
  EXPECT_THAT(chart, HasSubstr("GPU speed-up"));
  std::string table = shown(record, "first", "results-table");
  EXPECT_THAT(table, HasSubstr("<td>cpu</td><td>ok</td>"));
  EXPECT_THAT(table, HasSubstr("<td>gpu</td><td>ok</td>"));

  // The last run's timeline: the text chart, the SVG written to the state folder on "Drive"
  // and shown in the cell, with a bar for each step of the resumed run.
  std::string timeline = shown(record, "first", "timeline");
  EXPECT_THAT(timeline, HasSubstr("notebook-fixture: the run of "));
  EXPECT_THAT(timeline, HasSubstr(", exit 0, 7 of 7 steps reached"));
  EXPECT_THAT(timeline, HasSubstr("chart: " + (state() / "timeline.svg").string()));
  ASSERT_TRUE(fs::exists(state() / "timeline.svg"));
  std::string timeline_svg = read_text(state() / "timeline.svg");
  for (const char* step : {"build/flood", "build/slow", "bench/run"}) {
    EXPECT_THAT(timeline_svg, HasSubstr(step));
  }
  // IPython's SVG() shows the file's <svg> element: the same bars (7 steps, 1 cache pack).
  EXPECT_THAT(timeline, HasSubstr("<svg"));
  EXPECT_EQ(occurrences(timeline, "<rect class=\"bar "), 8) << timeline;
  EXPECT_EQ(occurrences(timeline_svg, "<rect class=\"bar "), 8) << timeline_svg;

  // `ssdbuild env --format python` applied in the kernel: the env step's module imports.
  EXPECT_THAT(shown(record, "first", "env"),
              HasSubstr("PYTHONPATH = " + (content() / "work/pylib").string()));
  EXPECT_THAT(shown(record, "first", "probe"), HasSubstr("notebook_probe imported"));
  EXPECT_THAT(driver_output_, HasSubstr("SKIPPED cell"));

  // After a disconnect: a fresh VM (another boot, the work folder and the bundle gone)
  // resumes from Drive: the system step runs again, the build comes back from its archive.
  std::string fresh = without_counters(shown(record, "fresh", "after-disconnect"));
  EXPECT_THAT(fresh, HasSubstr("Mounted at"));
  EXPECT_THAT(fresh, HasSubstr("==> tools/packages  (run: machine was reset (system scope))"));
  EXPECT_THAT(fresh, HasSubstr("cache: stage build restored"));
  EXPECT_THAT(fresh, HasSubstr("--- build/flood  (skip: "));
  EXPECT_THAT(fresh, Not(HasSubstr("==> build/")));
  EXPECT_TRUE(std::regex_search(fresh, std::regex(R"(\n  cache: restore build +restored )")))
      << fresh;

  // Every cell: no errors, nothing that moves the cursor, and a bounded size.
  for (const auto& cell : record["cells"]) {
    std::string text;
    for (const auto& output : cell["outputs"]) {
      EXPECT_NE(output["type"], "error") << output["text"];
      text += output["text"].get<std::string>();
    }
    std::string where = cell["phase"].get<std::string>() + " cell " + cell["index"].dump();
    EXPECT_LE(text.size(), kMaxCellOutput) << where;
    EXPECT_THAT(text, Not(HasSubstr("\x1b"))) << where << ": an escape sequence";
    for (size_t at = text.find('\r'); at != std::string::npos; at = text.find('\r', at + 1)) {
      // "\r\n" is the pty's line end (IPython's `!` runs commands on a pty); a lone \r
      // rewrites the line, which a notebook's output shows garbled or not at all.
      EXPECT_EQ(text.substr(at, 2), "\r\n") << where << ": a carriage return mid-line";
    }
  }
}

// Every `ssdbuild ...` line in the notebook, with the Settings cell's values, is a command
// line that the CLI accepts (exit 0, after the notebook has run).
TEST_F(ColabNotebook, EveryCommandInTheNotebookIsOneTheCliRuns) {
  auto notebook = nlohmann::json::parse(read_text(kNotebook));
  EXPECT_EQ(notebook["nbformat"], 4);
  auto commands = notebook_commands(notebook);
  std::set<std::string> used;
  // The slow step waits for a stop only on its first attempt: not this time.
  write_text(content() / "work/slow-started", "");
  ASSERT_EQ(run_ssdbuild({"run", values_["RECIPE"], "--state-dir", state().string()}, content())
                .exit_code,
            0);
  for (const auto& command : commands) {
    std::string line = expand(command, values_);
    std::istringstream words(line);
    std::string program_name, command_name;
    words >> program_name >> command_name;
    used.insert(command_name);
    std::string program = shell_quote(ssdbuild_binary());
    auto result = run_shell(program + line.substr(std::string("ssdbuild").size()), content(),
                            {{"SSDBUILD_BOOT_ID", "test-boot-1"}});
    EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.output;
  }
  // Once `report` draws the run's timeline, the notebook shows it too.
  if (run_ssdbuild({"report", "--help"}, "/").output.find("--timeline") != std::string::npos) {
    EXPECT_TRUE(std::any_of(commands.begin(), commands.end(), [](const std::string& command) {
      return command.find("--timeline") != std::string::npos;
    })) << "`ssdbuild report --timeline` exists: show it in a cell of docs/colab.ipynb";
  }
  // The cells that matter are there (an extraction that found nothing would pass above).
  for (const char* command : {"run", "status", "report", "env", "--version"}) {
    EXPECT_TRUE(used.count(command)) << "no `ssdbuild " << command << "` in the notebook";
  }
}

}  // namespace
}  // namespace ssdbuild::testing
