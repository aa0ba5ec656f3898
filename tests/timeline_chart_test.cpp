// The timeline's SVG, read back by a real XML parser (python3's ElementTree).
#include "ssdbuild/results/timeline_chart.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild {
namespace {

using ::testing::HasSubstr;

using nlohmann::json;
using testing::run_shell;
using testing::TempDir;
using testing::write_text;

// Prints one "WHAT VALUE" line per thing the tests check; fails on malformed XML.
constexpr const char* kCheckScript = R"(import sys
import xml.etree.ElementTree as ET
sys.stdout.reconfigure(encoding='utf-8')
SVG = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
def classes(e):
    return e.get('class', '').split()
print('root', root.tag)
for e in root.iter(SVG + 'rect'):
    if 'bar' in classes(e):
        print('bar', classes(e)[1], e.get('x'), e.get('width'),
              'dashed' if e.get('stroke-dasharray') else 'solid', e.find(SVG + 'title').text)
for e in root.iter(SVG + 'text'):
    if 'label' in classes(e): print('label', e.text)
    if 'title' in classes(e): print('title', e.text)
axis = [e for e in root.iter(SVG + 'g') if 'axis' in classes(e)][0]
print('ticks', ' '.join(t.text for t in axis.iter(SVG + 'text') if not t.get('class')))
)";

std::vector<std::string> check_chart(const std::string& svg) {
  TempDir dir;
  write_text(dir / "timeline.svg", svg);
  write_text(dir / "check.py", kCheckScript);
  auto checked = run_shell("python3 check.py timeline.svg", dir.path());
  EXPECT_EQ(checked.exit_code, 0) << checked.output << "\n" << svg;
  return split_lines(checked.output);
}

Timeline killed_run() {
  std::vector<json> events = {{{"event", "run_start"},
                               {"recipe", "r<&>"},
                               {"time", "2026-12-01T10:00:00Z"},
                               {"elapsed_s", 0},
                               {"total", 3}},
                              {{"event", "step_skip"},
                               {"step", "a/one"},
                               {"index", 1},
                               {"elapsed_s", 0},
                               {"reason", "skip: done"}},
                              {{"event", "step_start"},
                               {"step", "a/two"},
                               {"index", 2},
                               {"elapsed_s", 0},
                               {"reason", "run: never ran"}},
                              {{"event", "step_end"},
                               {"step", "a/two"},
                               {"index", 2},
                               {"elapsed_s", 100},
                               {"status", "done"},
                               {"duration_s", 100.0}},
                              {{"event", "step_start"},
                               {"step", "b/three"},
                               {"index", 3},
                               {"elapsed_s", 100},
                               {"reason", "run: never ran"}},
                              {{"event", "cache_pack"},
                               {"stage", "a"},
                               {"ok", true},
                               {"duration_s", 20.0},
                               {"elapsed_s", 120},
                               {"message", "1 MiB"}}};
  return timeline_of(events);
}

TEST(TimelineChart, OneBarPerStepAndCacheOperationColouredByOutcomeOnATimeAxis) {
  std::vector<std::string> lines = check_chart(render_timeline_svg(killed_run()));
  auto has = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  EXPECT_TRUE(has("root {http://www.w3.org/2000/svg}svg"));
  EXPECT_TRUE(has("title r<&>: where the time went"));
  EXPECT_TRUE(has("label [1/3] a/one"));
  EXPECT_TRUE(has("label [2/3] a/two"));
  EXPECT_TRUE(has("label [3/3] b/three"));
  EXPECT_TRUE(has("label cache: pack a"));
  EXPECT_TRUE(has("ticks 0 30s 1m 1m30s 2m"));
  std::vector<std::string> bars;
  for (const auto& line : lines) {
    if (line.rfind("bar ", 0) == 0) bars.push_back(line);
  }
  ASSERT_EQ(bars.size(), 4u);
  EXPECT_EQ(bars[0].rfind("bar skipped ", 0), 0u) << bars[0];
  EXPECT_EQ(bars[1].rfind("bar ran ", 0), 0u) << bars[1];
  EXPECT_THAT(bars[1], HasSubstr("solid [2/3] a/two: ran, 1m40s (run: never ran)"));
  // The killed step: open-ended, dashed, up to the last event.
  EXPECT_EQ(bars[2].rfind("bar interrupted ", 0), 0u) << bars[2];
  EXPECT_THAT(bars[2], HasSubstr(" dashed "));
  EXPECT_EQ(bars[3].rfind("bar ran ", 0), 0u) << bars[3];
  // x and width: the ran step spans 100 of the axis's 120 s; the skipped one a sliver.
  auto field = [](const std::string& line, size_t n) {
    std::vector<std::string> words;
    size_t at = 0;
    while (words.size() <= n) {
      size_t end = line.find(' ', at);
      words.push_back(line.substr(at, end - at));
      at = end + 1;
    }
    return std::stod(words[n]);
  };
  const double ran_width = field(bars[1], 3), pack_width = field(bars[3], 3);
  EXPECT_NEAR(ran_width / pack_width, 100.0 / 20.0, 0.05);
  EXPECT_DOUBLE_EQ(field(bars[0], 2), field(bars[1], 2));  // both start at 0
  EXPECT_LE(field(bars[0], 3), 2.0);
}

TEST(TimelineChart, ARunThatReachedNoStepIsStillADocument) {
  Timeline empty = timeline_of({{{"event", "run_start"}, {"elapsed_s", 0}}});
  std::vector<std::string> lines = check_chart(render_timeline_svg(empty));
  EXPECT_EQ(lines.front(), "root {http://www.w3.org/2000/svg}svg");
}

}  // namespace
}  // namespace ssdbuild
