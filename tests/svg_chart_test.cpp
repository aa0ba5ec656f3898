// The benchmark chart, read back by a real XML parser (python3's ElementTree).
#include "ssdbuild/results/svg_chart.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ssdbuild {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

using testing::run_shell;
using testing::TempDir;
using testing::write_text;

// Prints what the tests check, one "WHAT VALUE" line each; fails on malformed XML.
constexpr const char* kCheckScript = R"(import sys
import xml.etree.ElementTree as ET
sys.stdout.reconfigure(encoding='utf-8')
SVG = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
def find(tag, name):
    return [e for e in root.iter(SVG + tag) if name in e.get('class', '').split()]
print('root', root.tag)
print('series', len(find('g', 'series')))
print('passes', len(find('circle', 'pass')))
print('medians', len(find('line', 'median')))
print('axes', len(find('g', 'axis')))
for e in find('text', 'speedup'): print('speedup', ''.join(e.itertext()))
for e in find('text', 'label'): print('label', ' | '.join(e.itertext()))
for e in find('text', 'title'): print('title', ''.join(e.itertext()))
for e in find('text', 'median-label'): print('median-label', e.text)
axis = find('g', 'axis')[0]
print('ticks', ' '.join(t.text for t in axis.iter(SVG + 'text') if not t.get('class')))
)";

// The checker's output for `svg`, written to a file as a caller would.
std::string check_chart(const std::string& svg) {
  TempDir dir;
  write_text(dir / "chart.svg", svg);
  write_text(dir / "check_chart.py", kCheckScript);
  auto checked = run_shell("python3 check_chart.py chart.svg", dir.path());
  EXPECT_EQ(checked.exit_code, 0) << checked.output << "\n" << svg;
  return checked.output;
}

ChartSeries make_series(std::string label, std::vector<double> values) {
  ChartSeries series;
  series.label = std::move(label);
  series.values_ms = std::move(values);
  series.summary = summarize(series.values_ms);
  return series;
}

// 21 passes each: CPU 100..140 ms (median 120), GPU 4..6 ms (median 5): a speed-up of 24.
ChartInput cpu_and_gpu_chart() {
  std::vector<double> cpu, gpu;
  for (int i = 0; i <= 20; ++i) {
    cpu.push_back(100 + 2 * i);
    gpu.push_back(4 + 0.1 * i);
  }
  ChartInput input;
  input.title = "MobileNet-SSD inference, batch 1";
  input.notes = {"random weights", "2018-01-01"};
  input.series.push_back(make_series("CPU: AMD EPYC 7B13, 2 threads", cpu));
  input.series.push_back(make_series("GPU: T4 <&> \"quoted\" it's", gpu));
  input.speedup = 24.0;
  input.speedup_interval = Interval{23.1, 25.2};
  return input;
}

TEST(SvgChart, RendersWellFormedSvgWithOneRowPerSeries) {
  std::string svg = render_svg_chart(cpu_and_gpu_chart());
  std::string checked = check_chart(svg);
  EXPECT_THAT(checked, HasSubstr("root {http://www.w3.org/2000/svg}svg\n"));
  EXPECT_THAT(checked, HasSubstr("series 2\n"));
  EXPECT_THAT(checked, HasSubstr("passes 42\n"));
  EXPECT_THAT(checked, HasSubstr("medians 2\n"));
  EXPECT_THAT(checked, HasSubstr("axes 1\n"));
  EXPECT_THAT(checked, HasSubstr("title MobileNet-SSD inference, batch 1\n"));
  EXPECT_THAT(checked, HasSubstr("median-label median 120.0 ms\n"));
  EXPECT_THAT(checked, HasSubstr("median-label median 5.00 ms\n"));
}

TEST(SvgChart, ShowsTheSpeedupWithItsInterval) {
  std::string checked = check_chart(render_svg_chart(cpu_and_gpu_chart()));
  EXPECT_THAT(checked, HasSubstr("speedup GPU speed-up: 24.0x (95% CI 23.1-25.2x)\n"));
}

TEST(SvgChart, EscapesTextThatWouldBreakTheXml) {
  std::string svg = render_svg_chart(cpu_and_gpu_chart());
  EXPECT_THAT(svg, Not(HasSubstr("<&>")));
  EXPECT_THAT(svg, HasSubstr("&lt;&amp;&gt; &quot;quoted&quot; it&apos;s"));
  std::string checked = check_chart(svg);
  EXPECT_THAT(checked, HasSubstr("label GPU: T4 <&> \"quoted\" it's\n"));
}

TEST(SvgChart, WrapsLongLabelsIntoAtMostThreeLines) {
  ChartInput input = cpu_and_gpu_chart();
  input.series[0].label = "CPU: Intel(R) Xeon(R) CPU @ 2.20GHz, 2 threads";
  input.series[1].label = "GPU: " + std::string(20, 'x') + " " + std::string(30, 'y') + " " +
                          std::string(30, 'z') + " " + std::string(30, 'w');
  std::string checked = check_chart(render_svg_chart(input));
  EXPECT_THAT(checked, HasSubstr("label CPU: Intel(R) Xeon(R) CPU @ | 2.20GHz, 2 threads\n"));
  // The fourth line's words go into the third, cut to 29 characters and an ellipsis.
  EXPECT_THAT(checked, HasSubstr("label GPU: " + std::string(20, 'x') + " | " +
                                 std::string(30, 'y') + " | " + std::string(29, 'z') + "\u2026\n"));
}

TEST(SvgChart, IsSelfContained) {
  std::string svg = render_svg_chart(cpu_and_gpu_chart());
  for (const char* external : {"<script", "href", "@import", "<style", "url("}) {
    EXPECT_THAT(svg, Not(HasSubstr(external))) << external;
  }
  EXPECT_THAT(svg, HasSubstr("font-family=\"sans-serif\""));
}

TEST(SvgChart, PutsOneTwoFiveTicksOnALogAxisCoveringEveryPass) {
  // 4 ms to 140 ms: decades alone would give 1, 10, 100, 1000 and waste half the width.
  std::string checked = check_chart(render_svg_chart(cpu_and_gpu_chart()));
  EXPECT_THAT(checked, HasSubstr("ticks 2 5 10 20 50 100 200\n"));
}

TEST(SvgChart, RendersOneSeriesWithoutSpeedup) {
  // A machine without a GPU: the CPU row alone, and no speed-up line.
  ChartInput input = cpu_and_gpu_chart();
  input.series.pop_back();
  input.speedup.reset();
  input.speedup_interval.reset();
  input.notes = {"GPU: skipped (no CUDA device)"};
  std::string checked = check_chart(render_svg_chart(input));
  EXPECT_THAT(checked, HasSubstr("series 1\n"));
  EXPECT_THAT(checked, HasSubstr("passes 21\n"));
  EXPECT_THAT(checked, HasSubstr("medians 1\n"));
  EXPECT_THAT(checked, Not(HasSubstr("speedup")));
}

TEST(SvgChart, ShowsTheSpeedupWithoutAnInterval) {
  ChartInput input = cpu_and_gpu_chart();
  input.speedup = 3.456;
  input.speedup_interval.reset();
  std::string checked = check_chart(render_svg_chart(input));
  EXPECT_THAT(checked, HasSubstr("speedup GPU speed-up: 3.46x\n"));
}

TEST(SvgChart, HandlesOneValueEqualValuesSubMillisecondAndWideRanges) {
  const std::vector<std::vector<double>> cases = {
      {0.42}, {3, 3, 3}, {0.05, 0.07, 0.09}, {0.01, 5, 20000000}};
  for (const auto& values : cases) {
    ChartInput input;
    input.title = "edge case";
    input.series.push_back(make_series("CPU", values));
    std::string checked = check_chart(render_svg_chart(input));
    EXPECT_THAT(checked, HasSubstr("passes " + std::to_string(values.size()) + "\n"));
    auto ticks = checked.substr(checked.find("ticks "));
    EXPECT_GE(std::count(ticks.begin(), ticks.end(), ' '), 2) << checked;  // two labels or more
  }
  ChartInput single;
  single.series.push_back(make_series("CPU", {0.42}));
  EXPECT_THAT(check_chart(render_svg_chart(single)), HasSubstr("median-label median 0.42 ms\n"));
}

TEST(SvgChart, RendersASeriesWithoutPasses) {
  ChartInput input = cpu_and_gpu_chart();
  input.series[1].values_ms.clear();
  input.series[1].summary = Summary{};
  std::string checked = check_chart(render_svg_chart(input));
  EXPECT_THAT(checked, HasSubstr("series 2\n"));
  EXPECT_THAT(checked, HasSubstr("passes 21\n"));
}

}  // namespace
}  // namespace ssdbuild
