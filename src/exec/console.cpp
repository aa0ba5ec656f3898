#include "ssdbuild/exec/console.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/environment_settings.hpp"

extern char** environ;

namespace ssdbuild {
namespace {

bool in_notebook() {
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "COLAB_", 6) == 0 || std::strncmp(*entry, "JPY_", 4) == 0 ||
        std::strncmp(*entry, "KAGGLE_", 7) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

ConsoleOptions detect_console(const std::string& progress_flag, ColorMode color, bool quiet,
                              bool follow, std::FILE* out) {
  ConsoleOptions options;
  options.out = out;
  bool terminal = ::isatty(::fileno(out)) != 0;
  auto term = setting_value(EnvironmentSetting::term);
  bool dumb = !term || *term == "dumb";
  if (progress_flag == "fancy") {
    options.style = ProgressStyle::fancy;
  } else if (progress_flag == "plain") {
    options.style = ProgressStyle::plain;
  } else {
    options.style =
        terminal && !dumb && !in_notebook() ? ProgressStyle::fancy : ProgressStyle::plain;
  }
  if (setting_value(EnvironmentSetting::no_color)) {
    options.color = false;
  } else if (color == ColorMode::always) {
    options.color = true;
  } else if (color == ColorMode::never) {
    options.color = false;
  } else {
    // Colour goes with the fancy style: a real terminal, or --progress=fancy.
    options.color = options.style == ProgressStyle::fancy;
  }
  options.quiet = quiet;
  options.follow = follow;
  if (auto heartbeat = setting_value(EnvironmentSetting::heartbeat_seconds)) {
    auto parsed = parse_duration(*heartbeat);
    if (parsed && parsed->count() > 0) options.heartbeat = *parsed;
  }
  return options;
}

std::string Console::paint(std::string_view text, const char* code) const {
  if (!options_.color) return std::string(text);
  return std::string("\033[") + code + "m" + std::string(text) + "\033[0m";
}

void Console::write(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), options_.out);
  std::fputc('\n', options_.out);
  std::fflush(options_.out);
}

void Console::step_line(std::string_view step_id, std::string_view text) {
  write(paint("[" + std::string(step_id) + "]", "2") + " " + std::string(text));
}

void Console::step_started(std::string_view label, std::string_view reason, std::string_view note) {
  write(paint("==> " + std::string(label), "1;34") + "  (" + std::string(reason) + ")" +
        (note.empty() ? "" : "  " + std::string(note)));
}

void Console::step_skipped(std::string_view label, std::string_view reason) {
  if (options_.quiet) return;
  write(paint("--- " + std::string(label), "2") + "  (" + std::string(reason) + ")");
}

void Console::step_succeeded(std::string_view label, std::chrono::duration<double> duration) {
  write(paint("ok  " + std::string(label), "32") + "  " + format_duration(duration));
}

void Console::step_failed(std::string_view step_id, std::string_view what) {
  write(paint("FAILED: " + std::string(step_id), "1;31") + " (" + std::string(what) + ")");
}

void Console::info(std::string_view text) {
  write(std::string(text));
}

void Console::warning(std::string_view text) {
  write(paint("warning: ", "33") + std::string(text));
}

void Console::error(std::string_view text) {
  write(paint("error: ", "1;31") + std::string(text));
}

void Console::raw(std::string_view text) {
  write(std::string(text));
}

}  // namespace ssdbuild
