#pragma once
// A run's timeline as SVG, for a notebook (IPython.display.SVG) or a browser: one row per
// step the run reached and per stage cache operation, each a bar on a linear time axis from
// the run's start, coloured by outcome (ran, restored, skipped, failed, interrupted), with a
// legend, its duration at the right, and a tooltip (<title>) with its reason. A bar whose end
// was not recorded (a killed run) has a dashed outline. Written with svg_document.
#include <string>

#include "ssdbuild/results/run_timeline.hpp"

namespace ssdbuild {

/// The timeline as an SVG document.
std::string render_timeline_svg(const Timeline& timeline);

}  // namespace ssdbuild
