// The benchmark chart, read back by a real XML parser (python3's ElementTree).
#include "ssdbuild/results/svg_chart.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ssdbuild {
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
  EXPECT_NE(checked.find("root {http://www.w3.org/2000/svg}svg\n"), std::string::npos) << checked;
  EXPECT_NE(checked.find("series 2\n"), std::string::npos) << checked;
  EXPECT_NE(checked.find("passes 42\n"), std::string::npos) << checked;
  EXPECT_NE(checked.find("medians 2\n"), std::string::npos) << checked;
  EXPECT_NE(checked.find("axes 1\n"), std::string::npos) << checked;
  EXPECT_NE(checked.find("title MobileNet-SSD inference, batch 1\n"), std::string::npos);
  EXPECT_NE(checked.find("median-label median 120.0 ms\n"), std::string::npos) << checked;
  EXPECT_NE(checked.find("median-label median 5.00 ms\n"), std::string::npos) << checked;
}

TEST(SvgChart, ShowsTheSpeedupWithItsInterval) {
  std::string checked = check_chart(render_svg_chart(cpu_and_gpu_chart()));
  EXPECT_NE(checked.find("speedup GPU speed-up: 24.0x (95% CI 23.1-25.2x)\n"), std::string::npos)
      << checked;
}

TEST(SvgChart, EscapesTextThatWouldBreakTheXml) {
  std::string svg = render_svg_chart(cpu_and_gpu_chart());
  EXPECT_EQ(svg.find("<&>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;&amp;&gt; &quot;quoted&quot; it&apos;s"), std::string::npos);
  std::string checked = check_chart(svg);
  EXPECT_NE(checked.find("label GPU: T4 <&> \"quoted\" it's\n"), std::string::npos) << checked;
}

TEST(SvgChart, WrapsLongLabelsIntoAtMostThreeLines) {
  ChartInput input = cpu_and_gpu_chart();
  input.series[0].label = "CPU: Intel(R) Xeon(R) CPU @ 2.20GHz, 2 threads";
  input.series[1].label = "GPU: " + std::string(20, 'x') + " " + std::string(30, 'y') + " " +
                          std::string(30, 'z') + " " + std::string(30, 'w');
  std::string checked = check_chart(render_svg_chart(input));
  EXPECT_NE(checked.find("label CPU: Intel(R) Xeon(R) CPU @ | 2.20GHz, 2 threads\n"),
            std::string::npos)
      << checked;
  // The fourth line's words go into the third, cut to 29 characters and an ellipsis.
  EXPECT_NE(checked.find("label GPU: " + std::string(20, 'x') + " | " + std::string(30, 'y') +
                         " | " + std::string(29, 'z') + "\u2026\n"),
            std::string::npos)
      << checked;
}

TEST(SvgChart, IsSelfContained) {
  std::string svg = render_svg_chart(cpu_and_gpu_chart());
  for (const char* external : {"<script", "href", "@import", "<style", "url("}) {
    EXPECT_EQ(svg.find(external), std::string::npos) << external;
  }
  EXPECT_NE(svg.find("font-family=\"sans-serif\""), std::string::npos);
}

TEST(SvgChart, PutsOneTwoFiveTicksOnALogAxisCoveringEveryPass) {
  // 4 ms to 140 ms: decades alone would give 1, 10, 100, 1000 and waste half the width.
  std::string checked = check_chart(render_svg_chart(cpu_and_gpu_chart()));
  EXPECT_NE(checked.find("ticks 2 5 10 20 50 100 200\n"), std::string::npos) << checked;
}

TEST(SvgChart, RendersOneSeriesWithoutSpeedup) {
  // A machine without a GPU: the CPU row alone, and no speed-up line.
  ChartInput input = cpu_and_gpu_chart();
  input.series.pop_back();
  input.speedup.reset();
  input.speedup_interval.reset();
  input.notes = {"GPU: skipped (no CUDA device)"};
  std::string checked = check_chart(render_svg_chart(input));
  EXPECT_NE(checked.find("series 1\n"), std::string::npos) << checked;
  EXPECT_NE(checked.find("passes 21\n"), std::string::npos) << checked;
  EXPECT_NE(checked.find("medians 1\n"), std::string::npos) << checked;
  EXPECT_EQ(checked.find("speedup"), std::string::npos) << checked;
}

TEST(SvgChart, ShowsTheSpeedupWithoutAnInterval) {
  ChartInput input = cpu_and_gpu_chart();
  input.speedup = 3.456;
  input.speedup_interval.reset();
  std::string checked = check_chart(render_svg_chart(input));
  EXPECT_NE(checked.find("speedup GPU speed-up: 3.46x\n"), std::string::npos) << checked;
}

TEST(SvgChart, HandlesOneValueEqualValuesSubMillisecondAndWideRanges) {
  const std::vector<std::vector<double>> cases = {
      {0.42}, {3, 3, 3}, {0.05, 0.07, 0.09}, {0.01, 5, 20000000}};
  for (const auto& values : cases) {
    ChartInput input;
    input.title = "edge case";
    input.series.push_back(make_series("CPU", values));
    std::string checked = check_chart(render_svg_chart(input));
    EXPECT_NE(checked.find("passes " + std::to_string(values.size()) + "\n"), std::string::npos)
        << checked;
    auto ticks = checked.substr(checked.find("ticks "));
    EXPECT_GE(std::count(ticks.begin(), ticks.end(), ' '), 2) << checked;  // two labels or more
  }
  ChartInput single;
  single.series.push_back(make_series("CPU", {0.42}));
  EXPECT_NE(check_chart(render_svg_chart(single)).find("median-label median 0.42 ms\n"),
            std::string::npos);
}

TEST(SvgChart, RendersASeriesWithoutPasses) {
  ChartInput input = cpu_and_gpu_chart();
  input.series[1].values_ms.clear();
  input.series[1].summary = Summary{};
  std::string checked = check_chart(render_svg_chart(input));
  EXPECT_NE(checked.find("series 2\n"), std::string::npos) << checked;
  EXPECT_NE(checked.find("passes 21\n"), std::string::npos) << checked;
}

}  // namespace
}  // namespace ssdbuild
